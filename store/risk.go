package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"safeguard"
	"safeguard/risk"
)

// RiskService keeps analysts' facts, band overrides, CPORT scores and risk
// policies. Every change marks the subject stale (by trigger) for the
// Assessor.
type RiskService struct{ db *DB }

var _ safeguard.RiskService = (*RiskService)(nil)

// NewRiskService returns a RiskService over db.
func NewRiskService(db *DB) *RiskService { return &RiskService{db: db} }

// RecordFact stores an analyst's fact on a subject the actor may see, its
// note sealed. Requires PermAssess.
func (s *RiskService) RecordFact(ctx context.Context, e *safeguard.FactEntry) error {
	e.Path, e.Value = strings.TrimSpace(e.Path), strings.TrimSpace(e.Value)
	if err := checkFactValue(e.Path, e.Value); err != nil {
		return err
	}
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("fact.record", safeguard.PermAssess)
		if err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", e.SubjectID); err != nil {
			return err
		}
		note, err := tx.sealString(e.Note, ctxFactNote)
		if err != nil {
			return err
		}
		e.RecordedBy, e.RecordedAt = a.Label(), tx.now
		e.ID, err = tx.insert(`INSERT INTO subject_facts (subject_id, path, value, note_enc, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, e.SubjectID, e.Path, e.Value, note, e.RecordedBy, tx.now)
		if err != nil {
			return err
		}
		return tx.audit("fact.record", "subject", id(e.SubjectID), fmt.Sprintf("fact=%d %s=%s", e.ID, e.Path, e.Value))
	})
}

// ctxFactNote binds an analyst's note to its column.
const ctxFactNote = "subject_facts.note"

// RetractFact retracts an entry, keeping it in the history. Requires
// PermAssess and a reason; ENOTFOUND for an entry the actor may not see,
// ECONFLICT if already retracted.
func (s *RiskService) RetractFact(ctx context.Context, factID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return safeguard.Errorf(safeguard.EINVALID, "retracting a fact needs a reason")
	}
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("fact.retract", safeguard.PermAssess)
		if err != nil {
			return err
		}
		var subject int64
		var retracted *string
		if err := tx.queryRow(`SELECT subject_id, retracted_by FROM subject_facts WHERE id = $1`, []any{factID}, &subject, &retracted); err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", subject); err != nil {
			return err
		} else if retracted != nil {
			return safeguard.Errorf(safeguard.ECONFLICT, "fact %d was already retracted", factID)
		}
		if _, err := tx.exec(`UPDATE subject_facts SET retracted_by = $1, retracted_at = $2, retract_reason = $3 WHERE id = $4`,
			a.Label(), tx.now, reason, factID); err != nil {
			return err
		}
		return tx.audit("fact.retract", "subject", id(subject), fmt.Sprintf("fact=%d", factID))
	})
}

// FindFacts lists a subject's fact entries, oldest first, retracted ones
// included. Requires PermReadPersonal; the read is audited.
func (s *RiskService) FindFacts(ctx context.Context, subjectID int64) ([]*safeguard.FactEntry, error) {
	var out []*safeguard.FactEntry
	err := s.viewSubject(ctx, "fact.list", subjectID, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, path, value, note_enc, recorded_by, recorded_at, retracted_by, retracted_at,
			retract_reason FROM subject_facts WHERE subject_id = $1 ORDER BY id`, subjectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			e := &safeguard.FactEntry{SubjectID: subjectID}
			var note []byte
			var by *string
			if err := rows.Scan(&e.ID, &e.Path, &e.Value, &note, &e.RecordedBy, timeCol{&e.RecordedAt}, &by,
				nullTimeCol{&e.RetractedAt}, &e.RetractReason); err != nil {
				return translate(err)
			}
			if by != nil {
				e.RetractedBy = *by
			}
			if e.Note, err = tx.openString(note, ctxFactNote); err != nil {
				return err
			}
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("fact.list", "subject", id(subjectID), "")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// viewSubject runs fn in a read transaction once the actor may read
// personal data (action names the refusal) and see the subject.
func (s *RiskService) viewSubject(ctx context.Context, action string, subjectID int64, fn func(tx *Tx) error) error {
	return s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require(action, safeguard.PermReadPersonal); err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", subjectID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// SetOverride sets a band override on a subject the actor may see, ending
// any earlier one. Requires PermOverrideBand and a reason.
func (s *RiskService) SetOverride(ctx context.Context, subjectID int64, band safeguard.Band, reason string) (*safeguard.BandOverride, error) {
	reason = strings.TrimSpace(reason)
	if !band.Valid() {
		return nil, safeguard.Errorf(safeguard.EINVALID, "unknown band %q", band)
	} else if reason == "" {
		return nil, safeguard.Errorf(safeguard.EINVALID, "an override needs a reason")
	}
	o := &safeguard.BandOverride{SubjectID: subjectID, Band: band, Reason: reason}
	err := s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("override.set", safeguard.PermOverrideBand)
		if err != nil {
			return err
		}
		subj, err := visibleSubject(tx, "id = $1", subjectID)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE band_overrides SET ended_by = $1, ended_at = $2 WHERE subject_id = $3 AND ended_at IS NULL`,
			a.Label(), tx.now, subjectID); err != nil {
			return err
		}
		o.SetBy, o.SetAt = a.Label(), tx.now
		if o.ID, err = tx.insert(`INSERT INTO band_overrides (subject_id, band, reason, set_by, set_at) VALUES ($1, $2, $3, $4, $5)`,
			subjectID, string(band), reason, o.SetBy, tx.now); err != nil {
			return err
		}
		return tx.audit("override.set", "subject", id(subjectID), fmt.Sprintf("band=%s computed=%s reason=%q", band, subj.Band, reason))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// EndOverride ends the subject's override, if any. Requires
// PermOverrideBand; ENOTFOUND when there is none.
func (s *RiskService) EndOverride(ctx context.Context, subjectID int64) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("override.end", safeguard.PermOverrideBand)
		if err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", subjectID); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE band_overrides SET ended_by = $1, ended_at = $2 WHERE subject_id = $3 AND ended_at IS NULL`,
			a.Label(), tx.now, subjectID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return safeguard.Errorf(safeguard.ENOTFOUND, "the subject has no override to end")
		}
		return tx.audit("override.end", "subject", id(subjectID), "")
	})
}

// FindOverrides lists a subject's overrides, newest first.
func (s *RiskService) FindOverrides(ctx context.Context, subjectID int64) ([]*safeguard.BandOverride, error) {
	var out []*safeguard.BandOverride
	err := s.viewSubject(ctx, "override.list", subjectID, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, band, reason, set_by, set_at, ended_by, ended_at FROM band_overrides
			WHERE subject_id = $1 ORDER BY id DESC`, subjectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			o := &safeguard.BandOverride{SubjectID: subjectID}
			var band string
			var by *string
			if err := rows.Scan(&o.ID, &band, &o.Reason, &o.SetBy, timeCol{&o.SetAt}, &by, nullTimeCol{&o.EndedAt}); err != nil {
				return translate(err)
			}
			o.Band = safeguard.Band(band)
			if by != nil {
				o.EndedBy = *by
			}
			out = append(out, o)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordCPORT scores the answers and stores the score. Requires
// PermAssess or PermRecordActions: an analyst, or the investigator who
// interviewed the subject, completes it. More than one missing answer is EINVALID: the published
// caveat is that the tool is not valid then, so no score is kept.
func (s *RiskService) RecordCPORT(ctx context.Context, subjectID int64, answers [7]*bool) (*safeguard.CPORTRecord, error) {
	score, err := risk.ScoreCPORT(risk.CPORTAnswers(answers))
	if err != nil {
		return nil, err
	}
	rec := &safeguard.CPORTRecord{SubjectID: subjectID, Answers: answers, Score: score.Total, Missing: len(score.Missing), Valid: true}
	err = s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("cport.record", safeguard.PermAssess, safeguard.PermRecordActions)
		if err != nil {
			return err
		}
		if _, err := visibleSubject(tx, "id = $1", subjectID); err != nil {
			return err
		}
		b, err := json.Marshal(answers)
		if err != nil {
			return err
		}
		rec.RecordedBy, rec.RecordedAt = a.Label(), tx.now
		if rec.ID, err = tx.insert(`INSERT INTO cport_scores (subject_id, answers, score, missing, valid, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, subjectID, string(b), rec.Score, rec.Missing, rec.Valid, rec.RecordedBy, tx.now); err != nil {
			return err
		}
		return tx.audit("cport.record", "subject", id(subjectID), fmt.Sprintf("score=%d missing=%d", rec.Score, rec.Missing))
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// FindCPORT lists a subject's CPORT scores, newest first.
func (s *RiskService) FindCPORT(ctx context.Context, subjectID int64) ([]*safeguard.CPORTRecord, error) {
	var out []*safeguard.CPORTRecord
	err := s.viewSubject(ctx, "cport.list", subjectID, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, answers, score, missing, valid, recorded_by, recorded_at FROM cport_scores
			WHERE subject_id = $1 ORDER BY id DESC`, subjectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			r := &safeguard.CPORTRecord{SubjectID: subjectID}
			var answers string
			if err := rows.Scan(&r.ID, &answers, &r.Score, &r.Missing, &r.Valid, &r.RecordedBy, timeCol{&r.RecordedAt}); err != nil {
				return translate(err)
			}
			if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
				return safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt CPORT answers")
			}
			out = append(out, r)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
