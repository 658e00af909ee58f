package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
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
