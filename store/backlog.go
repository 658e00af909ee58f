package store

import (
	"context"
	"fmt"

	"safeguard"
)

var _ safeguard.BacklogService = (*SubjectService)(nil)

// FindBacklog returns the open, assessed subjects' forces, bands and due
// dates, for forecasts: one pass over the subjects, no personal data
// decrypted. The read is audited with the count, not the subjects.
func (s *SubjectService) FindBacklog(ctx context.Context) ([]safeguard.BacklogItem, error) {
	var items []safeguard.BacklogItem
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("backlog.read", safeguard.PermReadReports, safeguard.PermReadOperational)
		if err != nil {
			return err
		}
		q := `SELECT force_code, band_rank, due_at FROM subjects WHERE status = 'open' AND band_rank < 4 AND merged_into IS NULL`
		var args []any
		if a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
			q, args = q+` AND force_code = $1`, append(args, a.ForceCode)
		}
		rows, err := tx.query(q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		items = items[:0]
		for rows.Next() {
			var it safeguard.BacklogItem
			var force *string
			var rank int
			if err := rows.Scan(&force, &rank, timeCol{&it.DueAt}); err != nil {
				return translate(err)
			}
			if force != nil {
				it.ForceCode = *force
			}
			it.Band = safeguard.Bands[rank]
			items = append(items, it)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("backlog.read", "subject", "", fmt.Sprintf("count=%d", len(items)))
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}
