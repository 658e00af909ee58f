package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"safeguard"
	"safeguard/risk"
)

// Assessor re-assesses, under the active risk policy, every subject whose
// facts changed since it was last assessed (facts_version ahead of
// assessed_version: triggers keep that exact). It writes a new assessment
// only when the band, score, due date, policy or trace changed, so the
// history says what changed and when.
//
// Due dates: a subject's first assessment is due its band's due time from
// now; while the band stays, the due date stays; a raised band is due no
// later than its own due time from now; a lowered band starts its due time
// afresh.
//
// Several assessors may run against one PostgreSQL: each batch locks its
// subjects (SKIP LOCKED), so they share the work.
type Assessor struct {
	db    *DB
	log   *slog.Logger
	batch int

	mu     sync.Mutex
	policy *risk.Policy
	sum    string // the document's SHA-256, "" for the built-in
}

// NewAssessor returns an Assessor over db working batch subjects a
// transaction (0 means 500).
func NewAssessor(db *DB, batch int) *Assessor {
	if batch <= 0 {
		batch = 2000
	}
	return &Assessor{db: db, log: db.log, batch: batch}
}

// assessorActor is who assessments are recorded by.
var assessorActor = safeguard.SystemActor("assessor")

// Run drains the stale subjects every interval until ctx ends, logging
// failures rather than stopping: facts keep changing.
func (a *Assessor) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.Drain(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("assessor: re-assessing failed", "error", err)
		} else if n > 0 {
			a.log.Info("assessor: re-assessed subjects", "subjects", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maxBatch bounds the batches a long drain grows to: after a policy is
// applied the whole backlog is stale, and big transactions write each
// index page once for many subjects instead of once for a few.
const maxBatch = 20_000

// Drain re-assesses batches until no subject is stale and returns how
// many it assessed. While batches come back full it doubles them, up to
// maxBatch, so a backlog-wide re-assessment writes far fewer pages; a
// fact changed here and there is still a small transaction.
func (a *Assessor) Drain(ctx context.Context) (int, error) {
	total, batch := 0, a.batch
	for {
		n, err := a.runBatch(ctx, batch)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
		if n == batch {
			batch = min(2*batch, max(maxBatch, a.batch))
		}
	}
}

// RunOnce re-assesses one batch of stale subjects and returns how many.
func (a *Assessor) RunOnce(ctx context.Context) (int, error) { return a.runBatch(ctx, a.batch) }

// assessorCacheKiB is the SQLite page cache the assessor's connection
// keeps: a batch touches pages all over the subject indexes, and reading
// them again from the file costs more than the memory.
const assessorCacheKiB = 256 << 10

func (a *Assessor) runBatch(ctx context.Context, batch int) (int, error) {
	ctx = safeguard.NewContextWithActor(ctx, assessorActor)
	n := 0
	err := a.db.run(ctx, func(tx *Tx) error {
		pol, err := a.activePolicy(tx)
		if err != nil {
			return err
		}
		if tx.db.dialect == SQLite {
			if _, err := tx.exec(fmt.Sprintf(`PRAGMA cache_size = -%d`, assessorCacheKiB)); err != nil {
				return err
			}
		}
		q := fmt.Sprintf(`SELECT id FROM subjects WHERE facts_version > assessed_version ORDER BY id LIMIT %d`, batch)
		if tx.db.dialect == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		ids, err := queryIDs(tx, q)
		if err != nil || len(ids) == 0 {
			return err
		}
		n = len(ids)
		return assessBatch(tx, pol, ids)
	})
	return n, err
}

// activePolicy returns the active policy, parsed once per document; the
// built-in one when none was applied.
func (a *Assessor) activePolicy(tx *Tx) (*risk.Policy, error) {
	p, err := findActivePolicy(tx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	sum := ""
	if p != nil {
		sum = p.SHA256
	}
	if a.policy != nil && a.sum == sum {
		return a.policy, nil
	}
	pol := risk.Builtin()
	if p != nil {
		if pol, err = risk.ParsePolicy(p.Document); err != nil {
			return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "the active policy %s no longer parses", p.Version)
		}
	}
	a.policy, a.sum = pol, sum
	return pol, nil
}

// lastAssessment is the part of a subject's latest assessment that says
// whether a new one differs.
type lastAssessment struct {
	version, trace, override string
}

// outcome is one subject's new assessment before it is written.
type outcome struct {
	subject  *subjectForAssessment
	computed risk.Assessment
	band     safeguard.Band
	due      time.Time
	override string // the reason when an override stands
	note     string // the override resolution in words
}

// assess assesses one subject under pol at now, weighing its override.
func assess(pol *risk.Policy, s *subjectForAssessment, now time.Time) (outcome, error) {
	out := outcome{subject: s, computed: pol.Assess(s.Facts, now)}
	out.band = out.computed.Band
	if o := s.Override; o != nil {
		res, err := pol.ResolveOverride(s.Facts, risk.Override{Band: o.Band, Reason: o.Reason, By: o.SetBy, At: o.SetAt}, now)
		if err != nil {
			return out, err
		}
		out.band, out.note = res.Band, res.Note
		if res.OverrideStands {
			out.override = o.Reason
		}
	}
	due := now.Add(pol.Due[out.band.Rank()])
	switch {
	case !s.Band.Valid() || s.DueAt == nil:
	case out.band == s.Band:
		due = *s.DueAt
	case out.band.Rank() < s.Band.Rank() && s.DueAt.Before(due):
		due = *s.DueAt
	}
	out.due = micro(due)
	return out, nil
}

// assessBatch assesses the subjects ids and writes what changed.
func assessBatch(tx *Tx, pol *risk.Policy, ids []int64) error {
	subjects, err := loadForAssessment(tx, ids)
	if err != nil {
		return err
	}
	last, err := lastAssessments(tx, ids)
	if err != nil {
		return err
	}
	ins, err := tx.prepare(`INSERT INTO assessments (subject_id, band, score, due_at, policy_version, trace,
		override_reason, assessed_by, created_at, facts_version, computed_band)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`)
	if err != nil {
		return err
	}
	upd, err := tx.prepare(`UPDATE subjects SET band = $1, band_rank = $2, due_at = $3, score = $4,
		assessed_version = $5, updated_at = $6 WHERE id = $7`)
	if err != nil {
		return err
	}
	seen, err := tx.prepare(`UPDATE subjects SET assessed_version = $1 WHERE id = $2`)
	if err != nil {
		return err
	}
	var changed []string
	for _, id := range ids {
		s := subjects[id]
		if s == nil {
			continue
		}
		o, err := assess(pol, s, tx.now)
		if err != nil {
			return err
		}
		rec := o.computed.Record(s.ID, assessorActor.Label())
		if o.note != "" {
			rec.Trace = append(rec.Trace, safeguard.RuleFired{Rule: "override", Effect: "band=" + string(o.band), Reason: o.note})
		}
		trace, err := json.Marshal(nonNil(rec.Trace))
		if err != nil {
			return err
		}
		score := float64(o.computed.Score)
		l := last[id]
		if l != nil && o.band == s.Band && score == s.Score && s.DueAt != nil && o.due.Equal(*s.DueAt) &&
			l.version == pol.Version && l.trace == string(trace) && l.override == o.override {
			if _, err := seen.Exec(tx.db.args([]any{s.FactsVersion, id})...); err != nil {
				return translate(err)
			}
			continue
		}
		if _, err := ins.Exec(tx.db.args([]any{id, string(o.band), score, o.due, pol.Version, string(trace), o.override,
			assessorActor.Label(), tx.now, s.FactsVersion, string(o.computed.Band)})...); err != nil {
			return translate(err)
		}
		if _, err := upd.Exec(tx.db.args([]any{string(o.band), o.band.Rank(), o.due, score, s.FactsVersion, tx.now, id})...); err != nil {
			return translate(err)
		}
		changed = append(changed, fmt.Sprintf("%d:%s", id, o.band))
	}
	if len(changed) == 0 {
		return nil
	}
	return tx.audit("assessment.batch", "subject", "", fmt.Sprintf("policy=%s assessed=%d changed=%s",
		pol.Version, len(ids), strings.Join(changed, ",")))
}

// lastAssessments returns each subject's latest assessment's policy,
// trace and override reason.
func lastAssessments(tx *Tx, ids []int64) (map[int64]*lastAssessment, error) {
	rows, err := tx.query(`SELECT subject_id, policy_version, trace, override_reason FROM assessments
		WHERE id IN (SELECT MAX(id) FROM assessments WHERE subject_id IN (` + inList(ids) + `) GROUP BY subject_id)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*lastAssessment{}
	for rows.Next() {
		var id int64
		l := &lastAssessment{}
		if err := rows.Scan(&id, &l.version, &l.trace, &l.override); err != nil {
			return nil, translate(err)
		}
		out[id] = l
	}
	return out, translate(rows.Err())
}

// queryIDs runs a query returning one id column.
func queryIDs(tx *Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	return ids, translate(rows.Err())
}

// policySum is a policy document's SHA-256 in hex.
func policySum(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}
