package store

import (
	"context"
	"fmt"

	"safeguard"
)

// RecordAction stores a for its package and returns it with its ID,
// RecordedBy and CreatedAt set. Requires PermRecordActions; a force user
// may act only on their force's packages.
//
// A warrant action on a subject whose attribution is not corroborated
// needs a.OverrideReason from an actor holding PermOverrideWarrant (a force
// supervisor), else EFORBIDDEN; the override is audited (action.override),
// and a refused one too (action.override.denied). A
// correction (a.Supersedes) must name an earlier action of the same
// package and give a.CorrectionNote; both rows are kept, since actions are
// never updated or deleted. An IdempotencyKey already used on the package
// returns the action first stored with it and stores nothing, also when
// two retries race: the unique index decides.
//
// A warrant action is checked for deconfliction first: if another force
// or operation holds the subject, its identifiers or its address, it
// returns a *safeguard.DeconflictionError (ECONFLICT) unless a.Coordinated
// confirms the holders are coordinated (audited as deconflict.confirm).
//
// Returns EINVALID for a malformed action, a warrant without corroboration
// or override, or a bad correction; ENOTFOUND if there is no such package
// or the actor may not see it (audited as action.record.denied).
func (s *OperationService) RecordAction(ctx context.Context, a *safeguard.Action) (*safeguard.Action, error) {
	var out *safeguard.Action
	err := s.db.run(ctx, func(tx *Tx) error {
		actor, err := tx.require("action.record", safeguard.PermRecordActions)
		if err != nil {
			return err
		}
		p, err := visiblePackage(tx, a.PackageID, "action.record")
		if err != nil {
			return err
		}
		if a.OperationCode != "" && a.OperationCode != p.OperationCode {
			return safeguard.Errorf(safeguard.ENOTFOUND, "package %d is not part of this operation", p.ID)
		}
		if a.IdempotencyKey != "" {
			if out, err = findActionByKey(tx, p.ID, a.IdempotencyKey); err == nil {
				return tx.audit("action.replay", "action", id(out.ID), "package="+id(p.ID))
			} else if safeguard.ErrorCode(err) != safeguard.ENOTFOUND {
				return err
			}
		}
		if err := a.Validate(); err != nil {
			return err
		}
		var attribution string
		if err := tx.queryRow(`SELECT attribution_status FROM subjects WHERE id = $1`, []any{p.SubjectID}, &attribution); err != nil {
			return err
		}
		override := safeguard.IsWarrant(a.Kind) && attribution != safeguard.AttrCorroborated
		if override {
			if err := checkWarrantOverride(tx, p, a, attribution); err != nil {
				return err
			}
		}
		if a.Supersedes != nil {
			var pkg int64
			err := tx.queryRow(`SELECT package_id FROM actions WHERE id = $1`, []any{*a.Supersedes}, &pkg)
			if safeguard.ErrorCode(err) == safeguard.ENOTFOUND || err == nil && pkg != p.ID {
				return safeguard.Errorf(safeguard.EINVALID, "a correction must supersede an earlier action of the same package")
			} else if err != nil {
				return err
			}
		}
		if safeguard.IsWarrant(a.Kind) {
			// Deconfliction: a warrant waits until any other holder of
			// the subject, its identifiers or its address is coordinated.
			hits, err := deconflict(tx, safeguard.DeconflictRequest{SubjectID: p.SubjectID, ForceCode: p.ForceCode,
				OperationID: p.OperationID, ExcludePackageID: p.ID})
			if err != nil {
				return err
			} else if err := confirmCoordinated(tx, hits, a.Coordinated, "package", id(p.ID)); err != nil {
				return err
			}
		}
		a.At, a.RecordedBy, a.CreatedAt = micro(a.At), actor.Label(), tx.now
		// A concurrent retry with the same key may commit first: then
		// DO NOTHING returns no row and the winner's row is returned.
		a.ID, err = tx.insert(`INSERT INTO actions (package_id, kind, count, at, officer, note, override_reason, supersedes,
			correction_note, idempotency_key, recorded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (package_id, idempotency_key) DO NOTHING`,
			p.ID, a.Kind, a.Count, a.At, a.Officer, a.Note, a.OverrideReason, a.Supersedes, a.CorrectionNote,
			nullString(a.IdempotencyKey), a.RecordedBy, tx.now)
		if safeguard.ErrorCode(err) == safeguard.ENOTFOUND && a.IdempotencyKey != "" {
			if out, err = findActionByKey(tx, p.ID, a.IdempotencyKey); err != nil {
				return err
			}
			return tx.audit("action.replay", "action", id(out.ID), "package="+id(p.ID))
		} else if err != nil {
			return err
		}
		stored := *a
		stored.PackageID = p.ID
		out = &stored
		detail := fmt.Sprintf("package=%d kind=%s", p.ID, a.Kind)
		if a.Supersedes != nil {
			detail += fmt.Sprintf(" supersedes=%d", *a.Supersedes)
		}
		if a.Count > 0 {
			detail += fmt.Sprintf(" count=%d", a.Count)
		}
		if err := tx.audit("action.record", "action", id(a.ID), detail); err != nil {
			return err
		}
		if override {
			// The reason stays in the action row: free text is no audit detail.
			if err := recordWarrantOverride(tx, a.ID, p.SubjectID, attribution); err != nil {
				return err
			}
			return tx.audit("action.override", "action", id(a.ID),
				fmt.Sprintf("package=%d kind=%s attribution=%s", p.ID, a.Kind, attribution))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// findActionByKey returns the package's action stored with the
// idempotency key, or ENOTFOUND.
func findActionByKey(tx *Tx, packageID int64, key string) (*safeguard.Action, error) {
	return scanAction(tx.tx.QueryRowContext(tx.ctx, `SELECT `+actionColumns+` FROM actions
		WHERE package_id = $1 AND idempotency_key = $2`, packageID, key))
}
