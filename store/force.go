package store

import (
	"context"
	"encoding/json"
	"fmt"

	"safeguard"
)

// ForceService stores police forces.
type ForceService struct{ db *DB }

var _ safeguard.ForceService = (*ForceService)(nil)

// NewForceService returns a ForceService over db.
func NewForceService(db *DB) *ForceService { return &ForceService{db: db} }

// CreateForce stores f and sets its ID. Returns EINVALID for a malformed
// force, ECONFLICT if the code exists, EUNAUTHORIZED without an actor and
// EFORBIDDEN unless the actor may manage users.
func (s *ForceService) CreateForce(ctx context.Context, f *safeguard.Force) error {
	return s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("force.create", safeguard.PermManageUsers); err != nil {
			return err
		} else if err := f.Validate(); err != nil {
			return err
		}
		areas, err := json.Marshal(nonNil(f.Areas))
		if err != nil {
			return err
		}
		perBand, err := json.Marshal(f.BandCapacity)
		if err != nil {
			return err
		}
		f.ID, err = tx.insert(`INSERT INTO forces (code, name, areas, weekly_capacity, band_capacity, synthetic, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.Code, f.Name, string(areas), f.WeeklyCapacity, bandCapacityJSON(perBand),
			f.Synthetic, tx.now)
		if safeguard.ErrorCode(err) == safeguard.ECONFLICT {
			return safeguard.WrapError(safeguard.ECONFLICT, err, "force %s already exists", f.Code)
		} else if err != nil {
			return err
		}
		return tx.audit("force.create", "force", f.Code, "")
	})
}

// FindForceByCode returns the force with the code. Returns ENOTFOUND if
// there is none and EUNAUTHORIZED without an actor.
func (s *ForceService) FindForceByCode(ctx context.Context, code string) (*safeguard.Force, error) {
	var f *safeguard.Force
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.requireActor(); err != nil {
			return err
		}
		var err error
		f, err = findForce(tx, code)
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// FindForces returns every force, ordered by name. Returns EUNAUTHORIZED
// without an actor.
func (s *ForceService) FindForces(ctx context.Context) ([]*safeguard.Force, error) {
	var forces []*safeguard.Force
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.requireActor(); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT ` + forceColumns + ` FROM forces ORDER BY name, code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		forces = forces[:0]
		for rows.Next() {
			f, err := scanForce(rows)
			if err != nil {
				return err
			}
			forces = append(forces, f)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return forces, nil
}

// SetForceCapacity sets the force's weekly capacity and capacity per band
// (none when perBand is empty), audited with the old and new figures.
func (s *ForceService) SetForceCapacity(ctx context.Context, code string, weekly int, perBand map[safeguard.Band]int) (*safeguard.Force, error) {
	if err := safeguard.ValidCapacity(weekly, perBand); err != nil {
		return nil, err
	}
	var f *safeguard.Force
	err := s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("force.capacity", safeguard.PermManageOps, safeguard.PermManageUsers); err != nil {
			return err
		}
		var err error
		if f, err = findForce(tx, code); err != nil {
			return err
		}
		old := capacityWords(f.WeeklyCapacity, f.BandCapacity)
		if len(perBand) == 0 {
			perBand = nil
		}
		f.WeeklyCapacity, f.BandCapacity = weekly, perBand
		b, err := json.Marshal(perBand)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE forces SET weekly_capacity = $1, band_capacity = $2 WHERE code = $3`,
			weekly, bandCapacityJSON(b), code); err != nil {
			return err
		}
		return tx.audit("force.capacity", "force", code, old+" -> "+capacityWords(weekly, perBand))
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// capacityWords describes a capacity for the audit log, e.g.
// "weekly=20 immediate=5 high=10".
func capacityWords(weekly int, perBand map[safeguard.Band]int) string {
	out := fmt.Sprintf("weekly=%d", weekly)
	for _, b := range safeguard.Bands {
		if n, ok := perBand[b]; ok {
			out += fmt.Sprintf(" %s=%d", b, n)
		}
	}
	return out
}

// bandCapacityJSON stores no capacity per band as {}.
func bandCapacityJSON(b []byte) string {
	if string(b) == "null" {
		return "{}"
	}
	return string(b)
}

const forceColumns = `id, code, name, areas, weekly_capacity, band_capacity, synthetic`

func scanForce(sc interface{ Scan(...any) error }) (*safeguard.Force, error) {
	f := &safeguard.Force{}
	var areas, perBand string
	if err := sc.Scan(&f.ID, &f.Code, &f.Name, &areas, &f.WeeklyCapacity, &perBand, &f.Synthetic); err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal([]byte(areas), &f.Areas); err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt force areas")
	}
	if err := json.Unmarshal([]byte(perBand), &f.BandCapacity); err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt force band capacity")
	}
	if len(f.BandCapacity) == 0 {
		f.BandCapacity = nil
	}
	return f, nil
}

// findForce returns ENOTFOUND naming the code if there is no such force.
func findForce(tx *Tx, code string) (*safeguard.Force, error) {
	rows, err := tx.query(`SELECT `+forceColumns+` FROM forces WHERE code = $1`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		return nil, safeguard.Errorf(safeguard.ENOTFOUND, "no force with code %q", code)
	}
	return scanForce(rows)
}

// nonNil turns a nil slice into an empty one so it encodes as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// nullString stores "" as NULL, for optional references.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
