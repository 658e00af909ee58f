package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"safeguard"
)

// SubjectService stores subjects, sealing their personal data, scoping
// reads to the actor's force and auditing every read and change.
type SubjectService struct{ db *DB }

var _ safeguard.SubjectService = (*SubjectService)(nil)

// NewSubjectService returns a SubjectService over db.
func NewSubjectService(db *DB) *SubjectService { return &SubjectService{db: db} }

// validAttribution reports whether s is an attribution status.
func validAttribution(s string) bool {
	switch s {
	case safeguard.AttrConfirmed, safeguard.AttrCorroborated, safeguard.AttrAmbiguous, safeguard.AttrUnresolved:
		return true
	}
	return false
}

// CreateSubject stores s, assigning its ID, its Ref from the per-year
// counter, and "unresolved" attribution when none is given. Requires
// PermIntake or PermAssess. Returns EINVALID for a bad band or status,
// ENOTFOUND for an unknown force.
func (s *SubjectService) CreateSubject(ctx context.Context, subj *safeguard.Subject) error {
	return s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("subject.create", safeguard.PermIntake, safeguard.PermAssess); err != nil {
			return err
		}
		return createSubject(tx, subj)
	})
}

func createSubject(tx *Tx, subj *safeguard.Subject) error {
	if subj.AttributionStatus == "" {
		subj.AttributionStatus = safeguard.AttrUnresolved
	}
	if !validAttribution(subj.AttributionStatus) {
		return safeguard.Errorf(safeguard.EINVALID, "unknown attribution status %q", subj.AttributionStatus)
	} else if subj.Band != "" && !subj.Band.Valid() {
		return safeguard.Errorf(safeguard.EINVALID, "unknown band %q", subj.Band)
	}
	if subj.ForceCode != "" {
		if _, err := findForce(tx, subj.ForceCode); err != nil {
			return err
		}
	}
	year := tx.now.Year()
	var seq int64
	if err := tx.queryRow(`INSERT INTO subject_counters (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = subject_counters.last + 1 RETURNING last`,
		[]any{year}, &seq); err != nil {
		return err
	}
	name, err := tx.sealString(subj.Name, ctxSubjectName)
	if err != nil {
		return err
	}
	addr, err := tx.sealString(subj.Address, ctxSubjectAddress)
	if err != nil {
		return err
	}
	subj.Ref, subj.CreatedAt, subj.UpdatedAt = safeguard.SubjectRef(year, seq), tx.now, tx.now
	subj.DueAt = microPtr(subj.DueAt)
	if subj.Status == "" {
		subj.Status = safeguard.SubjectOpen
	}
	subj.ID, err = tx.insert(`INSERT INTO subjects (ref, name_enc, address_enc, force_code, attribution_status,
		band, band_rank, due_at, score, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		subj.Ref, name, addr, nullString(subj.ForceCode), subj.AttributionStatus,
		string(subj.Band), subj.Band.Rank(), subj.DueAt, subj.Score, subj.Status, tx.now, tx.now)
	if err != nil {
		return err
	}
	return tx.audit("subject.create", "subject", id(subj.ID), "ref="+subj.Ref+" force="+subj.ForceCode)
}

// UpdateSubject applies upd and returns the subject. Requires PermAssess
// or PermAllocate; a force user may only update their own force's subjects
// and may not move one to another force (EFORBIDDEN). Returns ENOTFOUND
// (audited) for a subject the actor may not see.
func (s *SubjectService) UpdateSubject(ctx context.Context, subjectID int64, upd safeguard.SubjectUpdate) (*safeguard.Subject, error) {
	var subj *safeguard.Subject
	err := s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("subject.update", safeguard.PermAssess, safeguard.PermAllocate)
		if err != nil {
			return err
		}
		if subj, err = visibleSubject(tx, "id = $1", subjectID); err != nil {
			return err
		}
		var changed []string
		if upd.Name != nil && *upd.Name != subj.Name {
			subj.Name, changed = *upd.Name, append(changed, "name")
		}
		if upd.Address != nil && *upd.Address != subj.Address {
			subj.Address, changed = *upd.Address, append(changed, "address")
		}
		if upd.ForceCode != nil && *upd.ForceCode != subj.ForceCode {
			if a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
				return safeguard.Errorf(safeguard.EFORBIDDEN, "only the national centre may move a subject to another force")
			}
			if *upd.ForceCode != "" {
				if _, err := findForce(tx, *upd.ForceCode); err != nil {
					return err
				}
			}
			subj.ForceCode, changed = *upd.ForceCode, append(changed, "force="+*upd.ForceCode)
		}
		if upd.AttributionStatus != nil && *upd.AttributionStatus != subj.AttributionStatus {
			if !validAttribution(*upd.AttributionStatus) {
				return safeguard.Errorf(safeguard.EINVALID, "unknown attribution status %q", *upd.AttributionStatus)
			}
			subj.AttributionStatus, changed = *upd.AttributionStatus, append(changed, "attribution="+*upd.AttributionStatus)
		}
		if upd.Status != nil && *upd.Status != subj.Status {
			if *upd.Status != safeguard.SubjectOpen && *upd.Status != safeguard.SubjectClosed {
				return safeguard.Errorf(safeguard.EINVALID, "unknown subject status %q (want open or closed)", *upd.Status)
			}
			subj.Status, changed = *upd.Status, append(changed, "status="+*upd.Status)
		}
		if len(changed) == 0 {
			return tx.audit("subject.read", "subject", id(subj.ID), "")
		}
		name, err := tx.sealString(subj.Name, ctxSubjectName)
		if err != nil {
			return err
		}
		addr, err := tx.sealString(subj.Address, ctxSubjectAddress)
		if err != nil {
			return err
		}
		subj.UpdatedAt = tx.now
		if _, err := tx.exec(`UPDATE subjects SET name_enc = $1, address_enc = $2, force_code = $3,
			attribution_status = $4, status = $5, updated_at = $6 WHERE id = $7`,
			name, addr, nullString(subj.ForceCode), subj.AttributionStatus, subj.Status, tx.now, subj.ID); err != nil {
			return err
		}
		return tx.audit("subject.update", "subject", id(subj.ID), strings.Join(changed, " "))
	})
	if err != nil {
		return nil, err
	}
	return subj, nil
}

// LinkReferral ties a referral to a subject with the evidence and makes
// the subject the referral's own. Requires PermAssess. Returns ENOTFOUND
// for an unknown subject or referral, ECONFLICT if already linked.
func (s *SubjectService) LinkReferral(ctx context.Context, link safeguard.SubjectLink) error {
	return s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("subject.link", safeguard.PermAssess); err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", link.SubjectID); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM referrals WHERE id = $1`, []any{link.ReferralID}, &n); err != nil {
			return err
		} else if n == 0 {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no referral %d", link.ReferralID)
		}
		_, err := tx.exec(`INSERT INTO subject_links (subject_id, referral_id, evidence, created_at) VALUES ($1, $2, $3, $4)`,
			link.SubjectID, link.ReferralID, link.Evidence, tx.now)
		if safeguard.ErrorCode(err) == safeguard.ECONFLICT {
			return safeguard.WrapError(safeguard.ECONFLICT, err, "referral %d is already linked to this subject", link.ReferralID)
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE referrals SET subject_id = $1 WHERE id = $2`, link.SubjectID, link.ReferralID); err != nil {
			return err
		}
		return tx.audit("subject.link", "subject", id(link.SubjectID), fmt.Sprintf("referral=%d", link.ReferralID))
	})
}

const subjectColumns = `s.id, s.ref, s.name_enc, s.address_enc, s.force_code, s.attribution_status, s.band,
	s.due_at, s.score, s.status, s.created_at, s.updated_at`

// sealedSubject is a subjects row before its personal data is opened.
type sealedSubject struct {
	*safeguard.Subject
	name, address []byte
}

// scanSubject reads a row of subjectColumns without decrypting it, so
// nothing is opened for an actor who may not see it.
func scanSubject(sc interface{ Scan(...any) error }) (sealedSubject, error) {
	row := sealedSubject{Subject: &safeguard.Subject{}}
	var force sql.NullString
	var band string
	if err := sc.Scan(&row.ID, &row.Ref, &row.name, &row.address, &force, &row.AttributionStatus, &band,
		nullTimeCol{&row.DueAt}, &row.Score, &row.Status, timeCol{&row.CreatedAt}, timeCol{&row.UpdatedAt}); err != nil {
		return row, translate(err)
	}
	row.ForceCode, row.Band = force.String, safeguard.Band(band)
	return row, nil
}

// open decrypts the row's personal data into the subject.
func (row sealedSubject) open(tx *Tx) (*safeguard.Subject, error) {
	var err error
	if row.Name, err = tx.openString(row.name, ctxSubjectName); err != nil {
		return nil, err
	}
	if row.Address, err = tx.openString(row.address, ctxSubjectAddress); err != nil {
		return nil, err
	}
	return row.Subject, nil
}

// visibleSubject loads the one subject matching where ($1 = arg) if the
// actor may see it. A subject of another force is ENOTFOUND, exactly as a
// missing one, but the attempt is audited and committed.
func visibleSubject(tx *Tx, where string, arg any) (*safeguard.Subject, error) {
	rows, err := tx.query(`SELECT `+subjectColumns+` FROM subjects s WHERE `+where, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		return nil, errNoSubject()
	}
	row, err := scanSubject(rows)
	if err != nil {
		return nil, err
	}
	rows.Close()
	if !seesForce(tx.actor, row.ForceCode) {
		if err := tx.audit("subject.read.denied", "subject", id(row.ID), "force="+row.ForceCode); err != nil {
			return nil, err
		}
		return nil, commitThen(errNoSubject())
	}
	return row.open(tx)
}

func errNoSubject() error { return safeguard.Errorf(safeguard.ENOTFOUND, "no such subject") }
