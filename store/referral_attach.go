package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"safeguard"
)

// ctxReferralAttachment seals an attachment's document.
const ctxReferralAttachment = "referral_attachment.document"

var _ safeguard.Attacher = (*ReferralService)(nil)

// checkAttachments validates a new referral's attachments before its
// transaction (see checkAttachment).
func checkAttachments(r *safeguard.Referral) error {
	for i := range r.Attachments {
		if err := checkAttachment(&r.Attachments[i]); err != nil {
			return err
		}
	}
	return nil
}

// insertAttachments stores the documents attached to a new referral (what
// they add is already in the referral's own identifiers, events and
// files), checked by checkAttachments.
func insertAttachments(tx *Tx, referralID int64, as []safeguard.Attachment) error {
	for i := range as {
		if err := insertAttachment(tx, referralID, &as[i]); err != nil {
			return err
		}
	}
	return nil
}

// insertAttachment stores one attachment's document, checked by
// checkAttachment.
func insertAttachment(tx *Tx, referralID int64, a *safeguard.Attachment) error {
	doc, err := tx.seal(a.Document, ctxReferralAttachment)
	if err != nil {
		return err
	}
	if a.ReceivedAt.IsZero() {
		a.ReceivedAt = tx.now
	}
	a.ReceivedAt = micro(a.ReceivedAt)
	a.ID, err = tx.insert(`INSERT INTO referral_attachments (referral_id, kind, attachment_key, document_enc, document_sha256, received_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, referralID, a.Kind, a.Key, doc, a.DocumentSHA256, a.ReceivedAt, tx.now)
	return err
}

// checkAttachment validates a and sets its SHA-256 from its document.
func checkAttachment(a *safeguard.Attachment) error {
	if a.Kind != safeguard.AttachFileDetails {
		return safeguard.Errorf(safeguard.EINVALID, "unknown attachment kind %q (want %s)", a.Kind, safeguard.AttachFileDetails)
	} else if len(a.Document) == 0 {
		return safeguard.Errorf(safeguard.EINVALID, "attachment %s %q has no document", a.Kind, a.Key)
	}
	sum := sha256.Sum256(a.Document)
	digest := hex.EncodeToString(sum[:])
	if a.DocumentSHA256 != "" && !strings.EqualFold(a.DocumentSHA256, digest) {
		return safeguard.Errorf(safeguard.EINVALID, "attachment %s %q: document SHA-256 %s does not match its content", a.Kind, a.Key, a.DocumentSHA256)
	}
	a.DocumentSHA256 = digest
	return nil
}

// AttachToReferral stores a on the stored referral (source, sourceRef):
// its document, and the files, IP events and identifiers it brings, in
// one transaction. The referral's subject, if it has one, is marked for
// re-assessment (its facts changed) and, when leases are imported, for
// attribution by the next ingest run's end (AttributePending). Linking
// what it brings is LinkService.LinkAttached's.
//
// Requires PermIntake. Returns ENOTFOUND when no such referral is stored
// or the actor may not see it, ECONFLICT when another document of the same
// kind and key is attached, EINVALID for a malformed attachment.
func (s *ReferralService) AttachToReferral(ctx context.Context, source, sourceRef string, a *safeguard.Attachment) (bool, error) {
	if a == nil {
		return false, safeguard.Errorf(safeguard.EINVALID, "no attachment")
	}
	if err := checkAttachment(a); err != nil {
		return false, err
	}
	probe := safeguard.Referral{Source: source, SourceRef: sourceRef, Identifiers: a.Identifiers, IPEvents: a.IPEvents}
	if err := probe.Validate(); err != nil {
		return false, err
	}
	dup := false
	err := s.db.run(ctx, func(tx *Tx) error {
		dup = false
		actor, err := tx.require("referral.attach", safeguard.PermIntake)
		if err != nil {
			return err
		}
		var holder string
		var subject *int64
		err = tx.queryRow(`SELECT r.id, r.platform, r.subject_id, COALESCE(s.force_code, r.force_code, '')`+referralFrom+`
			WHERE r.source = $1 AND r.source_ref = $2`, []any{source, sourceRef}, &probe.ID, &probe.Platform, &subject, &holder)
		if code := safeguard.ErrorCode(err); code == safeguard.ENOTFOUND || (err == nil && !seesForce(actor, holder)) {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no referral %s/%s is stored", source, sourceRef)
		} else if err != nil {
			return err
		}
		var stored string
		err = tx.queryRow(`SELECT document_sha256 FROM referral_attachments WHERE referral_id = $1 AND kind = $2 AND attachment_key = $3`,
			[]any{probe.ID, a.Kind, a.Key}, &stored)
		switch {
		case err == nil && stored == a.DocumentSHA256:
			dup = true
			return nil
		case err == nil:
			return safeguard.Errorf(safeguard.ECONFLICT, "referral %s/%s already has a different %s for %q (SHA-256 %s)", source, sourceRef, a.Kind, a.Key, stored)
		case safeguard.ErrorCode(err) != safeguard.ENOTFOUND:
			return err
		}
		add := &safeguard.Referral{ID: probe.ID, Platform: probe.Platform, Identifiers: a.Identifiers, IPEvents: a.IPEvents, Files: a.Files}
		ps := stmts{}
		defer ps.close()
		if err := insertChildren(tx, ps, []*safeguard.Referral{add}); err != nil {
			return err
		}
		if err := insertAttachment(tx, probe.ID, a); err != nil {
			return err
		}
		if subject != nil {
			// What the subject's referrals hold changed: assess it again, and
			// resolve its new events at the next attribution pass.
			if _, err := tx.exec(`UPDATE subjects SET facts_version = facts_version + 1, updated_at = $1 WHERE id = $2`, tx.now, *subject); err != nil {
				return err
			}
			if len(a.IPEvents) > 0 {
				if err := markForAttribution(tx, []int64{*subject}, false); err != nil {
					return err
				}
			}
		}
		return tx.audit("referral.attach", "referral", id(probe.ID), fmt.Sprintf("kind=%s key=%s sha256=%s identifiers=%d ip_events=%d files=%d",
			a.Kind, a.Key, a.DocumentSHA256, len(a.Identifiers), len(a.IPEvents), len(a.Files)))
	})
	return dup, err
}

// findAttachments reads a referral's attachments, their documents opened.
func findAttachments(tx *Tx, referralID int64) ([]safeguard.Attachment, error) {
	rows, err := tx.query(`SELECT id, kind, attachment_key, document_enc, document_sha256, received_at FROM referral_attachments
		WHERE referral_id = $1 ORDER BY id`, referralID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []safeguard.Attachment
	var sealed [][]byte
	for rows.Next() {
		var a safeguard.Attachment
		var doc []byte
		if err := rows.Scan(&a.ID, &a.Kind, &a.Key, &doc, &a.DocumentSHA256, timeCol{&a.ReceivedAt}); err != nil {
			return nil, translate(err)
		}
		out, sealed = append(out, a), append(sealed, doc)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows.Close()
	for i := range out {
		if out[i].Document, err = tx.open(sealed[i], ctxReferralAttachment); err != nil {
			return nil, err
		}
	}
	return out, nil
}
