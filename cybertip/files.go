package cybertip

import (
	"fmt"
	"strings"

	"safeguard"
)

// buildFileDetails maps a <fileDetails> tree.
func buildFileDetails(root *node, doc []byte) (*FileDetails, error) {
	f := &FileDetails{Document: doc, DocumentSHA256: sha256hex(doc)}
	for _, name := range []string{"reportId", "fileId", "uploadedToEspTimestamp", "industryClassification", "ipCaptureEvent"} {
		if _, err := root.single(name); err != nil {
			return nil, err
		}
	}
	rn := root.child("reportId")
	if rn == nil {
		return nil, root.errorf("fileDetails without a reportId")
	}
	var err error
	if f.ReportID, err = parseLong(rn); err != nil {
		return nil, err
	}
	// xs:token: white space collapsed, so "f  1" and "f 1" are one file.
	f.FileID = strings.Join(strings.Fields(root.value("fileId")), " ")
	if f.FileID == "" {
		return nil, root.errorf("fileDetails without a fileId")
	}
	f.File.Name = root.value("fileName")
	f.OriginalFileName = root.value("originalFileName")
	f.LocationOfFile = root.value("locationOfFile")
	f.Relevance = root.value("fileRelevance")
	if tn := root.child("uploadedToEspTimestamp"); tn != nil {
		t, err := parseTime(tn)
		if err != nil {
			return nil, err
		}
		f.UploadedAt = &t
	}
	if f.File.ViewedByESP, err = optBool(root, "fileViewedByEsp"); err != nil {
		return nil, err
	}
	if f.ExifViewedByESP, err = optBool(root, "exifViewedByEsp"); err != nil {
		return nil, err
	}
	if f.File.PubliclyAvail, err = optBool(root, "publiclyAvailable"); err != nil {
		return nil, err
	}
	// potentialMeme directly under fileDetails is the older alternative to
	// fileAnnotations (an xs:choice).
	if pm := root.child("potentialMeme"); pm != nil {
		b, err := parseBool(pm)
		if err != nil {
			return nil, err
		}
		if b {
			f.File.Annotations = append(f.File.Annotations, "potentialMeme")
		}
	}
	if an := root.child("fileAnnotations"); an != nil {
		ann, err := annotations(an)
		if err != nil {
			return nil, err
		}
		f.File.Annotations = append(f.File.Annotations, ann...)
	}
	if cn := root.child("industryClassification"); cn != nil {
		switch c := cn.str(); c {
		case "A1", "A2", "B1", "B2":
			f.File.Classification = c
		default:
			return nil, cn.errorf("industryClassification must be A1, A2, B1 or B2")
		}
	}
	for _, hn := range root.all("originalFileHash") {
		if err := f.addHash(hn); err != nil {
			return nil, err
		}
	}
	if cn := root.child("ipCaptureEvent"); cn != nil {
		c, err := parseIPCapture(cn, RoleFile)
		if err != nil {
			return nil, err
		}
		c.FileID = f.FileID
		f.IPCapture = &c
	}
	if f.DeviceIDs, err = parseDeviceIDs(root); err != nil {
		return nil, err
	}
	for _, dn := range root.all("details") {
		d := Details{}
		d.Type, _ = dn.attr("type")
		for _, p := range dn.all("nameValuePair") {
			d.Pairs = append(d.Pairs, [2]string{p.value("name"), p.value("value")})
		}
		f.Details = append(f.Details, d)
	}
	for _, c := range root.all("additionalInfo") {
		f.AdditionalInfo = append(f.AdditionalInfo, c.str())
	}
	return f, nil
}

// addHash reads one originalFileHash into File (MD5, SHA1, SHA256, PDQ)
// or OtherHashes. Two different values of one type are refused: one of
// them is wrong, and a wrong hash matches the wrong bank entry or none.
func (f *FileDetails) addHash(n *node) error {
	t, ok := n.attr("hashType")
	if !ok || t == "" {
		return n.errorf("originalFileHash without a hashType")
	}
	kind, ok := hashKind(t)
	if !ok {
		return f.addUnknownHash(n, strings.TrimSpace(t))
	}
	var dst *string
	switch kind {
	case "MD5":
		dst = &f.File.MD5
	case "SHA1":
		dst = &f.File.SHA1
	case "SHA256":
		dst = &f.File.SHA256
	case "PDQ":
		dst = &f.File.PDQ
	}
	v := n.str()
	if _, hex := hashLens[kind]; hex {
		var err error
		if v, err = parseHex(n, kind, v); err != nil {
			return err
		}
	} else if err := n.plain(); err != nil {
		return err
	} else if v == "" {
		return n.errorf("empty %s hash", kind)
	}
	if dst == nil {
		for _, h := range f.OtherHashes {
			switch {
			case h.Type == kind && h.Value == v:
				return nil
			case h.Type == kind:
				return n.errorf("a second, different %s hash for the same file", kind)
			}
		}
		f.OtherHashes = append(f.OtherHashes, Hash{Type: kind, Value: v})
		return nil
	}
	if *dst != "" && *dst != v {
		return n.errorf("a second, different %s hash for the same file", kind)
	}
	*dst = v
	return nil
}

// addUnknownHash keeps a hash of a type Safeguard does not know. The
// schema allows any hashType, so refusing it would lose the file's
// details; but a misspelt type ("SHA-265") would silently miss a bank
// match, so the file says its hash was kept unmatched.
func (f *FileDetails) addUnknownHash(n *node, typ string) error {
	if err := n.plain(); err != nil {
		return err
	}
	v := n.str()
	if v == "" {
		return n.errorf("empty %s hash", safeName(typ))
	}
	for _, h := range f.OtherHashes {
		if h.Type == typ && h.Value == v {
			return nil
		}
	}
	f.OtherHashes = append(f.OtherHashes, Hash{Type: typ, Value: v})
	f.File.Annotations = append(f.File.Annotations, fmt.Sprintf("hash type %q is not one Safeguard knows (MD5, SHA1, SHA256, SHA384, SHA512, PDQ, PhotoDNA, TMK+PDQF, vPDQ): kept, not matched against the banks", safeName(typ)))
	return nil
}

// Attach adds files to r (see AttachReferral) and to r.Files and
// r.IPCaptures. It returns ECONFLICT for a file of another report or a
// second, different document with the same fileId; the same document twice
// is ignored.
func (r *Report) Attach(files ...*FileDetails) error {
	if err := checkAttach(r, files); err != nil {
		return err
	}
	for _, f := range files {
		if f.ReportID != r.Referral.SourceRef {
			return safeguard.Errorf(safeguard.ECONFLICT, "cybertip: file %s belongs to report %s, not %s", f.FileID, f.ReportID, r.Referral.SourceRef)
		}
	}
	for _, f := range files {
		dup := false
		for _, g := range r.Files {
			dup = dup || g.FileID == f.FileID
		}
		if dup {
			continue
		}
		r.Files = append(r.Files, f)
		if f.IPCapture != nil {
			c := *f.IPCapture
			c.InReferral = c.TimeText != ""
			r.IPCaptures = append(r.IPCaptures, c)
		}
		if err := AttachReferral(r.Referral, f); err != nil {
			return err
		}
	}
	return nil
}

// AttachReferral adds fileDetails to their report's referral: each
// document as an Attachment (kept as received), its File, the file's IP
// capture as an IPEvent when it has a time (one without cannot be
// attributed), and its device ids as identifiers. It returns ECONFLICT,
// changing nothing, if a file names another report. It does not know
// which files ref already holds: skip fileDetails already attached (by
// FileDetails.DocumentSHA256) before calling it.
func AttachReferral(ref *safeguard.Referral, files ...*FileDetails) error {
	for _, f := range files {
		if f.ReportID != ref.SourceRef {
			return safeguard.Errorf(safeguard.ECONFLICT, "cybertip: file %s belongs to report %s, not %s", f.FileID, f.ReportID, ref.SourceRef)
		}
	}
	for _, f := range files {
		ref.Attachments = append(ref.Attachments, safeguard.Attachment{Kind: safeguard.AttachFileDetails, Key: f.FileID,
			Document: f.Document, DocumentSHA256: f.DocumentSHA256})
		ref.Files = append(ref.Files, f.File)
		if c := f.IPCapture; c != nil && c.TimeText != "" {
			ref.IPEvents = append(ref.IPEvents, c.IPEvent)
		}
		for _, d := range f.DeviceIDs {
			ref.Identifiers = ident(ref.Identifiers, safeguard.IdentDeviceID, d.Value)
		}
	}
	return nil
}
