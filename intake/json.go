package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"safeguard"
)

// DecodeJSON parses one JSON referral (the shape of safeguard.Referral) and
// readies it for storing: unknown fields are refused, what only the server
// may set (ids, the subject link, format and document hash) is dropped, and
// the document is kept exactly as received with its SHA-256. A missing
// received_at becomes now. Errors are EINVALID and say where.
func DecodeJSON(doc []byte, now time.Time) (*safeguard.Referral, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, safeguard.Errorf(safeguard.EINVALID, "empty document; want one JSON referral object")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var ref safeguard.Referral
	if err := dec.Decode(&ref); err != nil {
		return nil, describeJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, safeguard.Errorf(safeguard.EINVALID, "unexpected data after the referral at byte %d", dec.InputOffset())
	}
	clearServerFields(&ref)
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if err := readEvents(&ref); err != nil {
		return nil, err
	}
	if err := readFiles(&ref); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(doc)
	ref.Document, ref.DocumentSHA256, ref.Format = bytes.Clone(doc), hex.EncodeToString(sum[:]), "json"
	if ref.ReceivedAt.IsZero() {
		ref.ReceivedAt = now.UTC()
	}
	return &ref, nil
}

// clearServerFields drops what only Safeguard may set on a referral: ids,
// the link to a subject (linking is analysis, with evidence), and the
// document's format and hash, which are computed here.
func clearServerFields(r *safeguard.Referral) {
	r.ID, r.SubjectID, r.Format, r.DocumentSHA256 = 0, nil, "", ""
	for i := range r.Identifiers {
		r.Identifiers[i].ID = 0
	}
	for i := range r.IPEvents {
		r.IPEvents[i].ID, r.IPEvents[i].ReferralID = 0, 0
	}
	for i := range r.Files {
		r.Files[i].ID, r.Files[i].ReferralID = 0, 0
	}
}

// describeJSONError turns a decoding error into EINVALID naming the byte
// offset and, for a wrong type, the field.
func describeJSONError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return safeguard.WrapError(safeguard.EINVALID, err, "malformed JSON at byte offset %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return safeguard.WrapError(safeguard.EINVALID, err, "malformed JSON at byte offset %d: field %s: cannot use a JSON %s as %s", typ.Offset, field, typ.Value, typ.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return safeguard.Errorf(safeguard.EINVALID, "incomplete JSON: want one referral object")
	}
	// Unknown fields, and values a type refuses (an IP that is not one, a
	// time that is not RFC 3339), come as plain errors with a clear text.
	return safeguard.WrapError(safeguard.EINVALID, err, "%s", err.Error())
}

// readEvents gives each IP event's address one form, as the XML and CSV
// readers do, and reads its time_text as a CSV file's time column is read.
//
// An IPv4-mapped IPv6 address (::ffff:100.64.1.2) is unmapped: kept
// mapped it would match no IPv4 lease, and a shared (CGNAT) address would
// escape the check that it needs a port. An address with a zone is a
// link-local one, never a subscriber's.
//
// at and has_offset come from the text: the text is what the source gave,
// and an instant the text does not carry is a guess. So a text that is not
// a date and time is refused; at or has_offset claiming an offset the text
// lacks is refused (a time without one is never taken as UTC); an at other
// than the text's instant is refused (one of them is wrong, and the wrong
// one sends officers to the wrong door); and a text with an offset gets its
// instant even when the sender left at out.
func readEvents(r *safeguard.Referral) error {
	for i := range r.IPEvents {
		e := &r.IPEvents[i]
		if e.IP.Zone() != "" {
			return safeguard.Errorf(safeguard.EINVALID, "ip_events[%d].ip: %s has a zone: not a public address", i, e.IP)
		}
		e.IP = e.IP.Unmap()
		at, hasOffset, err := parseTime(strings.TrimSpace(e.TimeText))
		switch {
		case err != nil:
			return safeguard.Errorf(safeguard.EINVALID, "ip_events[%d].time_text: %v", i, err)
		case !hasOffset && (e.HasOffset || e.At != nil):
			return safeguard.Errorf(safeguard.EINVALID, "ip_events[%d]: time_text %q has no time-zone offset, but at or has_offset say it has one: give the offset in time_text (a time without one is never taken as UTC)", i, e.TimeText)
		case hasOffset && e.At != nil && !e.At.Equal(*at):
			return safeguard.Errorf(safeguard.EINVALID, "ip_events[%d]: at %s is not the instant time_text %q gives (%s)", i, e.At.UTC().Format(time.RFC3339Nano), e.TimeText, at.Format(time.RFC3339Nano))
		}
		e.At, e.HasOffset = at, hasOffset
	}
	return nil
}

// fileHashes are the hex hash fields of a file and their lengths.
var fileHashes = []struct {
	name string
	len  int
	get  func(*safeguard.File) *string
}{
	{"md5", 32, func(f *safeguard.File) *string { return &f.MD5 }},
	{"sha1", 40, func(f *safeguard.File) *string { return &f.SHA1 }},
	{"sha256", 64, func(f *safeguard.File) *string { return &f.SHA256 }},
	{"pdq", 64, func(f *safeguard.File) *string { return &f.PDQ }},
}

// readFiles checks each file's hashes (hex digits of the right length,
// lower-cased so they match the banks whatever case the sender used) and
// its industry classification.
func readFiles(r *safeguard.Referral) error {
	for i := range r.Files {
		f := &r.Files[i]
		for _, h := range fileHashes {
			v := h.get(f)
			*v = strings.TrimSpace(*v)
			if *v == "" {
				continue
			}
			if !isHex(*v, h.len) {
				return safeguard.Errorf(safeguard.EINVALID, "files[%d].%s must be %d hex digits", i, h.name, h.len)
			}
			*v = strings.ToLower(*v)
		}
		switch f.Classification {
		case "", "A1", "A2", "B1", "B2":
		default:
			return safeguard.Errorf(safeguard.EINVALID, "files[%d].industry_classification %q: want A1, A2, B1 or B2", i, f.Classification)
		}
	}
	return nil
}
