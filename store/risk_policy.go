package store

import (
	"context"
	"fmt"
	"sort"

	"safeguard"
	"safeguard/risk"
)

const policyColumns = `id, version, name, document, sha256, status, loaded_by, loaded_at, decided_by, decided_at`

func scanPolicy(sc interface{ Scan(...any) error }) (*safeguard.RiskPolicy, error) {
	p := &safeguard.RiskPolicy{}
	var doc string
	var by *string
	if err := sc.Scan(&p.ID, &p.Version, &p.Name, &doc, &p.SHA256, &p.Status, &p.LoadedBy, timeCol{&p.LoadedAt},
		&by, nullTimeCol{&p.DecidedAt}); err != nil {
		return nil, translate(err)
	}
	p.Document = []byte(doc)
	if by != nil {
		p.DecidedBy = *by
	}
	return p, nil
}

// findActivePolicy returns the active policy, or nil when none has been
// applied (the built-in one applies).
func findActivePolicy(tx *Tx) (*safeguard.RiskPolicy, error) {
	p, err := findPolicy(tx, `status = 'active'`)
	if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		return nil, nil
	}
	return p, err
}

func findPolicy(tx *Tx, where string, args ...any) (*safeguard.RiskPolicy, error) {
	rows, err := tx.query(`SELECT `+policyColumns+` FROM risk_policies WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		return nil, safeguard.Errorf(safeguard.ENOTFOUND, "no such risk policy")
	}
	return scanPolicy(rows)
}

// LoadPolicy validates the document and stores it as a candidate.
// Requires PermManagePolicies. Returns EINVALID with every error by path,
// and ECONFLICT when its version was loaded before (a changed policy needs
// a new version).
func (s *RiskService) LoadPolicy(ctx context.Context, doc []byte) (*safeguard.RiskPolicy, error) {
	pol, err := risk.ParsePolicy(doc)
	if err != nil {
		return nil, err
	}
	p := &safeguard.RiskPolicy{Version: pol.Version, Name: pol.Name, Document: doc, SHA256: policySum(doc), Status: safeguard.PolicyCandidate}
	err = s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("policy.load", safeguard.PermManagePolicies)
		if err != nil {
			return err
		}
		if pol.Version == risk.Builtin().Version {
			return safeguard.Errorf(safeguard.ECONFLICT, "version %s is the built-in policy's: give the policy a version of its own", pol.Version)
		}
		p.LoadedBy, p.LoadedAt = a.Label(), tx.now
		p.ID, err = tx.insert(`INSERT INTO risk_policies (version, name, document, sha256, status, loaded_by, loaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.Version, p.Name, string(doc), p.SHA256, p.Status, p.LoadedBy, tx.now)
		if safeguard.ErrorCode(err) == safeguard.ECONFLICT {
			return safeguard.WrapError(safeguard.ECONFLICT, err, "policy version %s was loaded before: a changed policy needs a new version", p.Version)
		} else if err != nil {
			return err
		}
		return tx.audit("policy.load", "policy", p.Version, "sha256="+p.SHA256)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// FindPolicies lists the loaded policies, newest first. Requires
// PermManagePolicies or PermReadReports.
func (s *RiskService) FindPolicies(ctx context.Context) ([]*safeguard.RiskPolicy, error) {
	var out []*safeguard.RiskPolicy
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("policy.list", safeguard.PermManagePolicies, safeguard.PermReadReports); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT ` + policyColumns + ` FROM risk_policies ORDER BY id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			p, err := scanPolicy(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// candidate loads a candidate policy by version and parses it.
func candidate(tx *Tx, version string) (*safeguard.RiskPolicy, *risk.Policy, error) {
	p, err := findPolicy(tx, `version = $1`, version)
	if err != nil {
		return nil, nil, err
	} else if p.Status != safeguard.PolicyCandidate {
		return nil, nil, safeguard.Errorf(safeguard.ECONFLICT, "policy %s is %s, not a candidate", version, p.Status)
	}
	pol, err := risk.ParsePolicy(p.Document)
	if err != nil {
		return nil, nil, safeguard.WrapError(safeguard.EINTERNAL, err, "stored policy %s no longer parses", version)
	}
	return p, pol, nil
}

// WhatIf assesses every open subject under the candidate without saving
// anything and counts the subjects whose band would move from the band they
// hold now, per force, listing up to limit of them. Overrides are weighed
// as a real apply would, so applying the candidate moves exactly these.
// Requires PermManagePolicies. The backlog is read in batches, each its
// own read transaction.
func (s *RiskService) WhatIf(ctx context.Context, version string, limit int) (*safeguard.PolicyWhatIf, error) {
	w := &safeguard.PolicyWhatIf{Candidate: version, Moves: map[string]int{}, ByForce: map[string]map[string]int{}}
	var pol *risk.Policy
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("policy.whatif", safeguard.PermManagePolicies); err != nil {
			return err
		}
		var err error
		if _, pol, err = candidate(tx, version); err != nil {
			return err
		}
		w.Active = risk.Builtin().Version
		if a, err := findActivePolicy(tx); err != nil {
			return err
		} else if a != nil {
			w.Active = a.Version
		}
		return tx.audit("policy.whatif", "policy", version, "")
	})
	if err != nil {
		return nil, err
	}
	for after := int64(0); ; {
		var ids []int64
		err := s.db.view(ctx, func(tx *Tx) error {
			var err error
			if ids, err = queryIDs(tx, `SELECT id FROM subjects WHERE status = 'open' AND merged_into IS NULL AND id > $1 ORDER BY id LIMIT 1000`, after); err != nil || len(ids) == 0 {
				return err
			}
			subjects, err := loadForAssessment(tx, ids)
			if err != nil {
				return err
			}
			for _, id := range ids {
				sub := subjects[id]
				if sub == nil {
					continue
				}
				o, err := assess(pol, sub, tx.now)
				if err != nil {
					return err
				}
				w.Subjects++
				if o.band == sub.Band {
					continue
				}
				from := string(sub.Band)
				if from == "" {
					from = "unassessed"
				}
				move := from + ">" + string(o.band)
				w.Moves[move]++
				if w.ByForce[sub.ForceCode] == nil {
					w.ByForce[sub.ForceCode] = map[string]int{}
				}
				w.ByForce[sub.ForceCode][move]++
				if len(w.Which) < limit {
					w.Which = append(w.Which, safeguard.BandMove{SubjectRef: sub.Ref, ForceCode: sub.ForceCode, From: sub.Band, To: o.band})
				} else {
					w.Truncated = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		} else if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
	}
	sort.Slice(w.Which, func(i, j int) bool { return w.Which[i].SubjectRef < w.Which[j].SubjectRef })
	return w, nil
}

// ApplyPolicy makes the candidate active, retires the active one and marks
// every subject for re-assessment; the Assessor works through them in the
// background. Requires PermManagePolicies.
func (s *RiskService) ApplyPolicy(ctx context.Context, version string) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("policy.apply", safeguard.PermManagePolicies)
		if err != nil {
			return err
		}
		if _, _, err := candidate(tx, version); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE risk_policies SET status = 'retired' WHERE status = 'active'`); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE risk_policies SET status = 'active', decided_by = $1, decided_at = $2 WHERE version = $3`,
			a.Label(), tx.now, version); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE subjects SET facts_version = facts_version + 1 WHERE merged_into IS NULL`)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		return tx.audit("policy.apply", "policy", version, fmt.Sprintf("subjects=%d", n))
	})
}

// DiscardPolicy discards a candidate. Requires PermManagePolicies.
func (s *RiskService) DiscardPolicy(ctx context.Context, version string) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("policy.discard", safeguard.PermManagePolicies)
		if err != nil {
			return err
		}
		if _, _, err := candidate(tx, version); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE risk_policies SET status = 'discarded', decided_by = $1, decided_at = $2 WHERE version = $3`,
			a.Label(), tx.now, version); err != nil {
			return err
		}
		return tx.audit("policy.discard", "policy", version, "")
	})
}
