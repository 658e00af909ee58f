package store

import (
	"context"
	"encoding/json"
	"fmt"

	"safeguard"
)

// AssessmentService records assessments; the latest sets its subject's
// band and due date.
type AssessmentService struct{ db *DB }

var _ safeguard.AssessmentService = (*AssessmentService)(nil)

// NewAssessmentService returns an AssessmentService over db.
func NewAssessmentService(db *DB) *AssessmentService { return &AssessmentService{db: db} }

// CreateAssessment stores a, sets its ID, CreatedAt and (when empty)
// AssessedBy, and updates the subject's band and due date. Requires
// PermAssess. Returns EINVALID for a malformed assessment and ENOTFOUND
// for an unknown subject.
func (s *AssessmentService) CreateAssessment(ctx context.Context, a *safeguard.Assessment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return s.db.run(ctx, func(tx *Tx) error {
		actor, err := tx.require("assessment.create", safeguard.PermAssess)
		if err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", a.SubjectID); err != nil {
			return err
		}
		trace, err := json.Marshal(nonNil(a.Trace))
		if err != nil {
			return err
		}
		if a.AssessedBy == "" {
			a.AssessedBy = actor.Label()
		}
		a.CreatedAt, a.DueAt = tx.now, micro(a.DueAt)
		a.ID, err = tx.insert(`INSERT INTO assessments (subject_id, band, score, due_at, policy_version, trace,
			override_reason, assessed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			a.SubjectID, string(a.Band), a.Score, a.DueAt, a.PolicyVersion, string(trace), a.OverrideReason, a.AssessedBy, tx.now)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE subjects SET band = $1, band_rank = $2, due_at = $3, score = $4, updated_at = $5 WHERE id = $6`,
			string(a.Band), a.Band.Rank(), a.DueAt, a.Score, tx.now, a.SubjectID); err != nil {
			return err
		}
		detail := fmt.Sprintf("assessment=%d band=%s policy=%s", a.ID, a.Band, a.PolicyVersion)
		if a.OverrideReason != "" {
			detail += " override"
		}
		return tx.audit("assessment.create", "subject", id(a.SubjectID), detail)
	})
}

// FindAssessments returns a subject's assessments, newest first, and
// audits the read. Requires PermReadPersonal. Returns ENOTFOUND if the
// subject is missing or not visible to the actor (audited).
func (s *AssessmentService) FindAssessments(ctx context.Context, subjectID int64) ([]*safeguard.Assessment, error) {
	var list []*safeguard.Assessment
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("assessment.list", safeguard.PermReadPersonal); err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", subjectID); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT id, subject_id, band, score, due_at, policy_version, trace, override_reason,
			assessed_by, created_at, computed_band FROM assessments WHERE subject_id = $1 ORDER BY created_at DESC, id DESC`, subjectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		list = list[:0]
		for rows.Next() {
			a := &safeguard.Assessment{}
			var band, computed, trace string
			if err := rows.Scan(&a.ID, &a.SubjectID, &band, &a.Score, timeCol{&a.DueAt}, &a.PolicyVersion, &trace,
				&a.OverrideReason, &a.AssessedBy, timeCol{&a.CreatedAt}, &computed); err != nil {
				return translate(err)
			}
			a.Band, a.ComputedBand = safeguard.Band(band), safeguard.Band(computed)
			if err := json.Unmarshal([]byte(trace), &a.Trace); err != nil {
				return safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt assessment trace")
			}
			list = append(list, a)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("assessment.list", "subject", id(subjectID), "")
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}
