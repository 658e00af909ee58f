package store

import (
	"fmt"

	"safeguard"
)

// checkWarrantOverride is the warrant gate for a subject whose attribution
// is not corroborated: only an actor with PermOverrideWarrant (a force
// supervisor) may record the warrant action, and only with a reason. A
// reason offered by anyone else is refused and the attempt audited
// (action.override.denied), so the refusal is on record too.
func checkWarrantOverride(tx *Tx, p *safeguard.Package, a *safeguard.Action, attribution string) error {
	if !can(tx.actor, safeguard.PermOverrideWarrant) && a.OverrideReason != "" {
		if err := tx.audit("action.override.denied", "package", id(p.ID),
			fmt.Sprintf("kind=%s attribution=%s role=%s", a.Kind, attribution, tx.actor.Role)); err != nil {
			return err
		}
		return commitThen(safeguard.Errorf(safeguard.EFORBIDDEN,
			"attribution is %s, not %s: only a supervisor may override the warrant gate", attribution, safeguard.AttrCorroborated))
	}
	if a.OverrideReason == "" {
		return safeguard.Errorf(safeguard.EINVALID,
			"attribution is %s, not %s: a warrant needs a supervisor's override reason", attribution, safeguard.AttrCorroborated)
	}
	return nil
}

// recordWarrantOverride keeps, beside the action, the subject and its
// attribution status when the override was given and who gave it, for the
// subject page.
func recordWarrantOverride(tx *Tx, actionID, subjectID int64, attribution string) error {
	_, err := tx.exec(`INSERT INTO warrant_overrides (action_id, subject_id, attribution_status, overridden_by, created_at)
		VALUES ($1, $2, $3, $4, $5)`, actionID, subjectID, attribution, tx.actor.Label(), tx.now)
	return err
}

// findWarrantOverrides lists the warrant actions recorded for a subject
// under an override, oldest first.
func findWarrantOverrides(tx *Tx, subjectID int64) ([]*safeguard.WarrantOverride, error) {
	rows, err := tx.query(`SELECT w.action_id, a.package_id, a.kind, a.override_reason, w.overridden_by,
		w.attribution_status, w.created_at FROM warrant_overrides w JOIN actions a ON a.id = w.action_id
		WHERE w.subject_id = $1 ORDER BY w.created_at, w.action_id`, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*safeguard.WarrantOverride{}
	for rows.Next() {
		o := &safeguard.WarrantOverride{}
		if err := rows.Scan(&o.ActionID, &o.PackageID, &o.Kind, &o.Reason, &o.By, &o.AttributionStatus, timeCol{&o.At}); err != nil {
			return nil, translate(err)
		}
		out = append(out, o)
	}
	return out, translate(rows.Err())
}
