package cybertip

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"time"

	"safeguard"
)

// Root element names of the two kinds of document.
const (
	RootReport      = "report"
	RootFileDetails = "fileDetails"
)

// Options controls parsing. The zero value is ready to use.
type Options struct {
	Limits

	// ReportID is the NCMEC report id of a report document, when the caller
	// knows it: a submitted report carries no id (the reporting API assigns
	// one in its reportResponse), so it comes from the response to the
	// submission or from the name NCMEC gave the file. It must be an
	// xs:long, as fileDetails/reportId is. Empty: SourceRef is
	// "sha256:" + DocumentSHA256, which is deterministic (the same bytes
	// are the same referral) but cannot be matched by fileDetails.
	ReportID string

	// ReceivedAt becomes Referral.ReceivedAt; zero leaves it for the store
	// to set.
	ReceivedAt time.Time
}

// Document is one parsed document: exactly one of Report and FileDetails
// is set, according to its root element.
type Document struct {
	Report      *Report
	FileDetails *FileDetails
}

// Read reads one document from r, at most opts.MaxBytes, and parses it.
// The whole document is kept (it is stored as received), so memory is
// bounded by the size limit.
func Read(r io.Reader, opts Options) (*Document, error) {
	lim := opts.Limits.withDefaults()
	doc, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, safeguard.WrapError(safeguard.EINVALID, err, "cybertip: cannot read the document")
	}
	return parse(doc, opts)
}

// Parse parses one document whose root is <report> or <fileDetails>.
// Errors are *safeguard.Error with code EINVALID, wrapping a *ParseError
// that says where.
//
// The returned Document keeps a copy of doc, so the caller may reuse it.
func Parse(doc []byte, opts Options) (*Document, error) {
	d, err := parse(doc, opts)
	if err != nil {
		return nil, err
	}
	if d.Report != nil {
		d.Report.Referral.Document = bytes.Clone(doc)
	} else {
		d.FileDetails.Document = bytes.Clone(doc)
	}
	return d, nil
}

// parse is Parse keeping doc itself, for a doc the caller hands over.
func parse(doc []byte, opts Options) (*Document, error) {
	root, err := readTree(doc, opts.Limits.withDefaults(), RootReport, RootFileDetails)
	if err != nil {
		return nil, invalid(err)
	}
	switch root.name {
	case RootReport:
		r, err := buildReport(root, doc, opts)
		if err != nil {
			return nil, invalid(err)
		}
		return &Document{Report: r}, nil
	default:
		f, err := buildFileDetails(root, doc)
		if err != nil {
			return nil, invalid(err)
		}
		return &Document{FileDetails: f}, nil
	}
}

// ParseReport parses a document whose root must be <report>. The Report
// keeps a copy of doc.
func ParseReport(doc []byte, opts Options) (*Report, error) {
	root, err := readTree(doc, opts.Limits.withDefaults(), RootReport)
	if err != nil {
		return nil, invalid(err)
	}
	r, err := buildReport(root, bytes.Clone(doc), opts)
	if err != nil {
		return nil, invalid(err)
	}
	return r, nil
}

// ParseFileDetails parses a document whose root must be <fileDetails>. The
// FileDetails keeps a copy of doc.
func ParseFileDetails(doc []byte, opts Options) (*FileDetails, error) {
	root, err := readTree(doc, opts.Limits.withDefaults(), RootFileDetails)
	if err != nil {
		return nil, invalid(err)
	}
	f, err := buildFileDetails(root, bytes.Clone(doc))
	if err != nil {
		return nil, invalid(err)
	}
	return f, nil
}

// invalid wraps a *ParseError as an EINVALID safeguard error whose message
// says where.
func invalid(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return safeguard.WrapError(safeguard.EINVALID, pe, "cybertip: %s", pe.Error())
	}
	return safeguard.WrapError(safeguard.EINVALID, err, "cybertip: invalid document")
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// buildReport maps a <report> tree.
func buildReport(root *node, doc []byte, opts Options) (*Report, error) {
	ref := &safeguard.Referral{
		Source:         safeguard.SourceCyberTip,
		Format:         Format,
		Document:       doc,
		DocumentSHA256: sha256hex(doc),
		ReceivedAt:     opts.ReceivedAt,
	}
	r := &Report{Referral: ref}
	if id := strings.TrimSpace(opts.ReportID); id != "" {
		canon, err := parseLong(&node{name: "report", text: builder(id)})
		if err != nil {
			return nil, &ParseError{Path: "/report", Reason: "report id given by the caller is not an xs:long"}
		}
		ref.SourceRef = canon
	} else {
		ref.SourceRef = "sha256:" + ref.DocumentSHA256
		r.SourceRefFromHash = true
	}
	if b := root.child("batchedReport"); b != nil {
		r.BatchedReason, _ = b.attr("reason")
	}
	sum, err := root.single("incidentSummary")
	if err != nil {
		return nil, err
	}
	if sum == nil {
		return nil, root.errorf("no incidentSummary")
	}
	if err := r.summary(sum); err != nil {
		return nil, err
	}
	for _, n := range root.all("internetDetails") {
		if err := r.internetDetails(n); err != nil {
			return nil, err
		}
	}
	if n := root.child("lawEnforcement"); n != nil {
		le := &LawEnforcement{AgencyName: n.value("agencyName"), CaseNumber: n.value("caseNumber")}
		if c := n.child("officerContact"); c != nil {
			p, err := parsePerson(c)
			if err != nil {
				return nil, err
			}
			le.Officer = &p
		}
		var err error
		if le.ReportedToLE, err = optBool(n, "reportedToLe"); err != nil {
			return nil, err
		}
		r.LawEnforcement = le
	}
	if n := root.child("reporter"); n != nil {
		rep := &Reporter{
			CompanyTemplate: n.value("companyTemplate"),
			TermsOfService:  n.value("termsOfService"),
			LegalURL:        n.value("legalURL"),
		}
		if c := n.child("reportingPerson"); c != nil {
			p, err := parsePerson(c)
			if err != nil {
				return nil, err
			}
			rep.Person = &p
		}
		if c := n.child("contactPerson"); c != nil {
			p, err := parsePerson(c)
			if err != nil {
				return nil, err
			}
			rep.Contact = &p
		}
		r.Reporter = rep
	}
	for _, n := range root.all("personOrUserReported") {
		p, caps, err := r.party(n, "personOrUserReportedPerson", RoleReported)
		if err != nil {
			return nil, err
		}
		r.Reported = append(r.Reported, p)
		for _, id := range p.Identifiers {
			ref.Identifiers = ident(ref.Identifiers, id.Kind, id.Value)
		}
		r.addCaptures(caps...)
	}
	for _, n := range root.all("intendedRecipient") {
		p, caps, err := r.party(n, "intendedRecipientPerson", RoleRecipient)
		if err != nil {
			return nil, err
		}
		r.IntendedRecipients = append(r.IntendedRecipients, p)
		r.addCaptures(caps...)
	}
	for _, n := range root.all("victim") {
		var v Victim
		if pn := n.child("victimPerson"); pn != nil {
			if an := pn.child("age"); an != nil {
				a, err := parseInt(an)
				if err != nil {
					return nil, err
				}
				v.Age = &a
			}
		}
		r.Victims = append(r.Victims, v)
	}
	r.AdditionalInfo = root.value("additionalInfo")
	return r, nil
}

// builder returns a strings.Builder holding s.
func builder(s string) strings.Builder {
	var b strings.Builder
	b.WriteString(s)
	return b
}

// addCaptures records IP captures; those of the reported person, the
// peer-to-peer incident and files that carry a time go into the Referral
// (an event without a time cannot be attributed, and IPEvent requires one).
func (r *Report) addCaptures(caps ...IPCapture) {
	for _, c := range caps {
		switch c.Role {
		case RoleReported, RoleP2P, RoleFile:
			if c.TimeText != "" {
				c.InReferral = true
				r.Referral.IPEvents = append(r.Referral.IPEvents, c.IPEvent)
			}
		}
		r.IPCaptures = append(r.IPCaptures, c)
	}
}

// reportAnnotations lists annotation elements whose xs:boolean is true, in
// document order.
func annotations(n *node) ([]string, error) {
	var out []string
	for _, c := range n.children {
		// An empty element counts as set: the schema fixes the value to true.
		if c.str() == "" {
			out = append(out, c.name)
			continue
		}
		b, err := parseBool(c)
		if err != nil {
			return nil, err
		}
		if b {
			out = append(out, c.name)
		}
	}
	return out, nil
}

func (r *Report) summary(n *node) error {
	ref := r.Referral
	ref.IncidentType = n.value("incidentType")
	ref.Platform = n.value("platform")
	if e := n.child("escalateToHighPriority"); e != nil && e.str() != "" {
		// "Only enter text if you want to escalate the report."
		ref.Escalated = true
		r.EscalationReason = e.str()
	}
	if a := n.child("reportAnnotations"); a != nil {
		ann, err := annotations(a)
		if err != nil {
			return err
		}
		ref.Annotations = append(ref.Annotations, ann...)
	}
	tn, err := n.single("incidentDateTime")
	if err != nil {
		return err
	}
	if tn != nil {
		t, err := parseTime(tn)
		if err != nil {
			return err
		}
		r.Incident = t
		ref.IncidentAt = t.At
	}
	r.IncidentTimeNote = n.value("incidentDateTimeDescription")
	return nil
}

// incidentKinds maps internetDetails children to Incident.Kind.
var incidentKinds = map[string]string{
	"webPageIncident":      "webPage",
	"emailIncident":        "email",
	"newsgroupIncident":    "newsgroup",
	"chatImIncident":       "chatIm",
	"onlineGamingIncident": "onlineGaming",
	"cellPhoneIncident":    "cellPhone",
	"nonInternetIncident":  "nonInternet",
	"peer2peerIncident":    "peer2peer",
}

func (r *Report) internetDetails(n *node) error {
	for _, c := range n.children {
		kind, ok := incidentKinds[c.name]
		if !ok {
			continue // a kind added to the schema later: skipped, not refused
		}
		in := Incident{
			Kind:           kind,
			Name:           c.value("name"),
			ChatClient:     c.value("chatClient"),
			ChatRoomName:   c.value("chatRoomName"),
			GameName:       c.value("gameName"),
			Console:        c.value("console"),
			PhoneNumber:    c.value("phoneNumber"),
			LocationName:   c.value("locationName"),
			Client:         c.value("client"),
			FileNames:      c.value("fileNames"),
			Content:        c.value("content"),
			AdditionalInfo: c.value("additionalInfo"),
		}
		for _, u := range c.all("url") {
			in.URLs = append(in.URLs, u.str())
		}
		if v, ok := c.attr("thirdPartyHostedContent"); ok {
			b, err := parseBool(c.attrNode("thirdPartyHostedContent", v))
			if err != nil {
				return err
			}
			in.ThirdPartyHosted = &b
		}
		for _, e := range c.all("emailAddress") {
			in.EmailAddresses = append(in.EmailAddresses, e.str())
		}
		for _, name := range []string{"latitude", "longitude"} {
			if ln := c.child(name); ln != nil {
				if err := parseDegrees(ln, map[string]float64{"latitude": 90, "longitude": 180}[name]); err != nil {
					return err
				}
			}
		}
		in.Latitude, in.Longitude = c.value("latitude"), c.value("longitude")
		for _, a := range c.all("incidentAddress") {
			in.Addresses = append(in.Addresses, parseAddress(a))
		}
		if kind == "peer2peer" {
			for _, e := range c.all("ipCaptureEvent") {
				cp, err := parseIPCapture(e, RoleP2P)
				if err != nil {
					return err
				}
				r.addCaptures(cp)
			}
		}
		r.Incidents = append(r.Incidents, in)
	}
	return nil
}
