package store

import (
	"context"
	"encoding/json"
	"time"

	"safeguard"
)

// Trends returns the share of matched material by category per month (from
// scan reports), referrals per month by source, and the time from a
// subject's first referral to its first action by band. Superseded actions
// do not count. The read is audited (report.trends). Requires
// PermReadReports, PermReadOperational or PermManageOps; the figures hold
// no personal data and are national, so they are not scoped to a force.
func (s *OperationService) Trends(ctx context.Context) (*safeguard.Trends, error) {
	var t *safeguard.Trends
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("report.trends", safeguard.PermReadReports, safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		t = &safeguard.Trends{GeneratedAt: tx.now}
		var err error
		if t.Categories, err = categoryTrend(tx); err != nil {
			return err
		}
		if t.Referrals, err = referralTrend(tx); err != nil {
			return err
		}
		if t.Response, err = responseTrend(tx); err != nil {
			return err
		}
		return tx.audit("report.trends", "", "", "")
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// month is the SQL for a time column's UTC month, YYYY-MM, in the dialect.
func (db *DB) month(col string) string {
	if db.dialect == SQLite {
		return `substr(` + col + `, 1, 7)`
	}
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM')`
}

func categoryTrend(tx *Tx) ([]safeguard.CategoryMonth, error) {
	rows, err := tx.query(`SELECT created_at, by_category FROM scan_reports`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]map[safeguard.Scheme]map[string]int{}
	for rows.Next() {
		var created time.Time
		var raw string
		if err := rows.Scan(timeCol{&created}, &raw); err != nil {
			return nil, translate(err)
		}
		var byCat map[safeguard.Scheme]map[string]int
		if err := json.Unmarshal([]byte(raw), &byCat); err != nil {
			return nil, translate(err)
		}
		m := created.UTC().Format("2006-01")
		if counts[m] == nil {
			counts[m] = map[safeguard.Scheme]map[string]int{}
		}
		for scheme, cats := range byCat {
			if counts[m][scheme] == nil {
				counts[m][scheme] = map[string]int{}
			}
			for c, n := range cats {
				counts[m][scheme][c] += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return safeguard.CategoryShares(counts), nil
}

func referralTrend(tx *Tx) ([]safeguard.SourceMonth, error) {
	m := tx.db.month("received_at")
	rows, err := tx.query(`SELECT ` + m + `, source, COUNT(*) FROM referrals GROUP BY ` + m + `, source ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []safeguard.SourceMonth{}
	for rows.Next() {
		var s safeguard.SourceMonth
		if err := rows.Scan(&s.Month, &s.Source, &s.Count); err != nil {
			return nil, translate(err)
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

func responseTrend(tx *Tx) ([]safeguard.BandResponse, error) {
	rows, err := tx.query(`SELECT s.band, s.due_at,
		(SELECT MIN(r.received_at) FROM referrals r WHERE r.subject_id = s.id),
		(SELECT MIN(a.at) FROM actions a JOIN packages p ON p.id = a.package_id
			WHERE p.subject_id = s.id AND NOT EXISTS (SELECT 1 FROM actions c WHERE c.supersedes = a.id))
		FROM subjects s WHERE EXISTS (SELECT 1 FROM packages p WHERE p.subject_id = s.id)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var samples []safeguard.ResponseSample
	for rows.Next() {
		var band string
		var due, first, acted *time.Time
		if err := rows.Scan(&band, nullTimeCol{&due}, nullTimeCol{&first}, nullTimeCol{&acted}); err != nil {
			return nil, translate(err)
		}
		if first == nil || acted == nil {
			continue
		}
		samples = append(samples, safeguard.ResponseSample{Band: safeguard.Band(band), FirstReferral: *first, FirstAction: *acted, DueAt: due})
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return safeguard.BandResponses(samples), nil
}
