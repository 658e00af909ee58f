package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"safeguard"
)

// ReferralService stores referrals as received, with their parsed facts,
// sealing the original document, identifier values and file names.
type ReferralService struct{ db *DB }

var _ safeguard.ReferralService = (*ReferralService)(nil)

// NewReferralService returns a ReferralService over db.
func NewReferralService(db *DB) *ReferralService { return &ReferralService{db: db} }

// CreateReferral stores r with its identifiers, IP events and files in one
// transaction and sets their IDs. The document's SHA-256 is computed (a
// given one must match) and ReceivedAt defaults to now. If (source,
// source_ref) exists it sets r.ID to the existing referral, returns
// duplicate=true and stores nothing. Requires PermIntake. Returns EINVALID
// for a malformed referral, ENOTFOUND for an unknown force or subject.
func (s *ReferralService) CreateReferral(ctx context.Context, r *safeguard.Referral) (bool, error) {
	if err := r.Validate(); err != nil {
		return false, err
	}
	sum := sha256.Sum256(r.Document)
	digest := hex.EncodeToString(sum[:])
	if r.DocumentSHA256 != "" && !strings.EqualFold(r.DocumentSHA256, digest) {
		return false, safeguard.Errorf(safeguard.EINVALID, "document SHA-256 %s does not match its content", r.DocumentSHA256)
	}
	if err := checkAttachments(r); err != nil {
		return false, err
	}
	var duplicate bool
	err := s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("referral.create", safeguard.PermIntake); err != nil {
			return err
		}
		var err error
		duplicate, err = createReferral(tx, r, digest)
		return err
	})
	return duplicate, err
}

func createReferral(tx *Tx, r *safeguard.Referral, digest string) (bool, error) {
	if r.ForceCode != "" {
		if _, err := findForce(tx, r.ForceCode); err != nil {
			return false, err
		}
	}
	if r.SubjectID != nil {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM subjects WHERE id = $1`, []any{*r.SubjectID}, &n); err != nil {
			return false, err
		} else if n == 0 {
			return false, errNoSubject()
		}
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = tx.now
	}
	r.ReceivedAt, r.IncidentAt = micro(r.ReceivedAt), microPtr(r.IncidentAt)
	doc, err := tx.seal(r.Document, ctxReferralDocument)
	if err != nil {
		return false, err
	}
	ann, err := json.Marshal(nonNil(r.Annotations))
	if err != nil {
		return false, err
	}
	r.DocumentSHA256 = digest
	// ON CONFLICT DO NOTHING returns no row for a duplicate; on PostgreSQL a
	// concurrent first insert is waited for, so exactly one wins.
	newID, err := tx.insert(`INSERT INTO referrals (source, source_ref, format, document_enc, document_sha256,
		received_at, incident_at, incident_type, platform, escalated, annotations, force_code, subject_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (source, source_ref) DO NOTHING`,
		r.Source, r.SourceRef, r.Format, doc, digest, r.ReceivedAt, r.IncidentAt, r.IncidentType,
		r.Platform, r.Escalated, string(ann), nullString(r.ForceCode), r.SubjectID, tx.now)
	if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		return true, tx.queryRow(`SELECT id FROM referrals WHERE source = $1 AND source_ref = $2`,
			[]any{r.Source, r.SourceRef}, &r.ID)
	} else if err != nil {
		return false, err
	}
	r.ID = newID
	for i := range r.Identifiers {
		if err := insertIdentifier(tx, r.ID, r.Platform, &r.Identifiers[i]); err != nil {
			return false, err
		}
	}
	for i := range r.IPEvents {
		if err := insertIPEvent(tx, r.ID, &r.IPEvents[i]); err != nil {
			return false, err
		}
	}
	for i := range r.Files {
		if err := insertFile(tx, r.ID, &r.Files[i]); err != nil {
			return false, err
		}
	}
	if err := insertAttachments(tx, r.ID, r.Attachments); err != nil {
		return false, err
	}
	return false, tx.audit("referral.create", "referral", id(r.ID), fmt.Sprintf("source=%s identifiers=%d ip_events=%d files=%d",
		r.Source, len(r.Identifiers), len(r.IPEvents), len(r.Files)))
}

func insertIdentifier(tx *Tx, referralID int64, platform string, ident *safeguard.Identifier) error {
	val, err := tx.sealString(ident.Value, identifierContext(ident.Kind))
	if err != nil {
		return err
	}
	bi, err := tx.blindIndex(ident, platform)
	if err != nil {
		return err
	}
	ident.ID, err = tx.insert(`INSERT INTO identifiers (referral_id, kind, value_enc, blind_index, bi_version) VALUES ($1, $2, $3, $4, $5)`,
		referralID, ident.Kind, val, bi, blindIndexVersion)
	return err
}

func insertIPEvent(tx *Tx, referralID int64, e *safeguard.IPEvent) error {
	var port any
	if e.Port != nil {
		port = *e.Port
	}
	var err error
	e.ReferralID, e.At = referralID, microPtr(e.At)
	e.ID, err = tx.insert(`INSERT INTO ip_events (referral_id, ip, port, time_text, at, has_offset, event_type, possible_proxy)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		referralID, e.IP.String(), port, e.TimeText, e.At, e.HasOffset, e.EventType, e.PossibleProxy)
	return err
}

func insertFile(tx *Tx, referralID int64, f *safeguard.File) error {
	name, err := tx.sealString(f.Name, ctxFileName)
	if err != nil {
		return err
	}
	ann, err := json.Marshal(nonNil(f.Annotations))
	if err != nil {
		return err
	}
	f.ReferralID = referralID
	f.ID, err = tx.insert(`INSERT INTO referral_files (referral_id, name_enc, size, md5, sha1, sha256, pdq,
		viewed_by_esp, publicly_available, annotations, classification)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		referralID, name, f.Size, strings.ToLower(f.MD5), strings.ToLower(f.SHA1), strings.ToLower(f.SHA256),
		strings.ToLower(f.PDQ), boolPtr(f.ViewedByESP), boolPtr(f.PubliclyAvail), string(ann), f.Classification)
	return err
}

// boolPtr stores a nil *bool as NULL.
func boolPtr(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
