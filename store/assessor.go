package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
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
// Several assessors may run against one database (servers sharing a
// PostgreSQL): each write is conditional on the versions its reader saw,
// so a subject is assessed once for each change however many try.
type Assessor struct {
	db    *DB
	log   *slog.Logger
	batch int

	mu     sync.Mutex
	policy *risk.Policy
	sum    string // the document's SHA-256, "" for the built-in
}

// NewAssessor returns an Assessor over db reading batch stale subjects
// at a time (0 means 2000).
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

// Drain re-assesses until no subject is stale and returns how many
// subjects it wrote (a new assessment, or only marked as assessed when
// nothing changed).
//
// Reading runs beside writing: a goroutine reads the next chunk of stale
// subjects, in id order, in a read-only transaction, and assesses it while
// this one writes the chunks before it. On SQLite the one writer then
// never waits on reads or on the policy, and a backlog-wide
// re-assessment (after a policy is applied) uses both cores. While chunks
// queue up, one write transaction takes several, up to maxWrite subjects,
// so each index page is written once for many subjects; when reading is
// the slower side each chunk is committed at once, so a fact changed here
// and there is a small, quick transaction.
//
// Each write is conditional on the subject's versions being those that
// were read: a subject whose facts changed meanwhile, or that another
// assessor reached first, is left alone, and a later pass (this drain
// makes passes until one finds nothing stale) sees it again.
func (a *Assessor) Drain(ctx context.Context) (int, error) {
	ctx = safeguard.NewContextWithActor(ctx, assessorActor)
	total := 0
	for {
		n, err := a.pass(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// maxWrite bounds the subjects one write transaction takes: big enough
// that a backlog-wide re-assessment writes each index page rarely, small
// enough that other writers wait well under SQLite's busy timeout.
const maxWrite = 20_000

// chunk is one read's worth of assessed subjects.
type chunk struct {
	outcomes []outcome
	policy   string // the policy version they were assessed under
}

// pass reads every subject stale when it reaches it, once, and writes
// the outcomes. It returns how many subjects it wrote.
func (a *Assessor) pass(ctx context.Context) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, 4)
	read := make(chan error, 1)
	go func() {
		defer close(chunks)
		read <- a.read(ctx, chunks)
	}()
	written, err := a.write(ctx, chunks)
	if err != nil {
		cancel()
		for range chunks { // let the reader finish
		}
		return written, err
	}
	return written, <-read
}

// read sends chunks of assessed stale subjects with ids above the last
// sent, until none is left.
func (a *Assessor) read(ctx context.Context, chunks chan<- chunk) error {
	var last int64
	for {
		var c chunk
		err := a.db.snapshot(ctx, func(tx *Tx) error {
			c = chunk{}
			pol, err := a.activePolicy(tx)
			if err != nil {
				return err
			}
			ids, err := queryIDs(tx, fmt.Sprintf(`SELECT id FROM subjects WHERE facts_version > assessed_version
				AND id > $1 ORDER BY id LIMIT %d`, a.batch), last)
			if err != nil || len(ids) == 0 {
				return err
			}
			c.policy = pol.Version
			c.outcomes, err = assessChunk(tx, pol, ids)
			last = ids[len(ids)-1]
			return err
		})
		if err != nil || len(c.outcomes) == 0 {
			return err
		}
		select {
		case chunks <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// write writes the chunks as they come, taking into one transaction those
// already waiting, and returns how many subjects it wrote.
func (a *Assessor) write(ctx context.Context, chunks <-chan chunk) (int, error) {
	total := 0
	for c := range chunks {
		batch := []chunk{c}
		for n := len(c.outcomes); n < maxWrite; {
			more, ok := tryReceive(chunks)
			if !ok {
				break
			}
			batch = append(batch, more)
			n += len(more.outcomes)
		}
		var n int
		err := a.db.run(ctx, func(tx *Tx) error {
			if tx.db.dialect == SQLite {
				if _, err := tx.exec(fmt.Sprintf(`PRAGMA cache_size = -%d`, assessorCacheKiB)); err != nil {
					return err
				}
			}
			var err error
			n, err = writeOutcomes(tx, batch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// tryReceive returns a chunk already waiting in ch, if any.
func tryReceive(ch <-chan chunk) (chunk, bool) {
	select {
	case c, ok := <-ch:
		return c, ok
	default:
		return chunk{}, false
	}
}

// assessorCacheKiB is the SQLite page cache the assessor's connection
// keeps: a batch touches pages all over the subject indexes, and reading
// them again from the file costs more than the memory.
const assessorCacheKiB = 256 << 10

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
	trace    string // the trace as stored, JSON
	changed  bool   // false when only assessed_version moves
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

// assessChunk assesses the subjects ids and says of each whether its
// assessment changed from the latest one stored.
func assessChunk(tx *Tx, pol *risk.Policy, ids []int64) ([]outcome, error) {
	subjects, err := loadForAssessment(tx, ids)
	if err != nil {
		return nil, err
	}
	last, err := lastAssessments(tx, ids)
	if err != nil {
		return nil, err
	}
	outs := make([]outcome, 0, len(ids))
	for _, id := range ids {
		s := subjects[id]
		if s == nil || s.FactsVersion <= s.AssessedVersion {
			continue
		}
		o, err := assess(pol, s, tx.now)
		if err != nil {
			return nil, err
		}
		rec := o.computed.Record(s.ID, assessorActor.Label())
		if o.note != "" {
			rec.Trace = append(rec.Trace, safeguard.RuleFired{Rule: "override", Effect: "band=" + string(o.band), Reason: o.note})
		}
		trace, err := json.Marshal(nonNil(rec.Trace))
		if err != nil {
			return nil, err
		}
		o.trace = string(trace)
		l := last[id]
		o.changed = l == nil || o.band != s.Band || float64(o.computed.Score) != s.Score || s.DueAt == nil ||
			!o.due.Equal(*s.DueAt) || l.version != pol.Version || l.trace != o.trace || l.override != o.override
		outs = append(outs, o)
	}
	return outs, nil
}

// rowsPerStatement bounds the rows of one multi-row statement: 500 rows
// of 11 values stay under both databases' limits on parameters.
const rowsPerStatement = 500

// writeOutcomes writes the chunks' outcomes: for a changed one, the
// subject's band, due date and score and a new assessment; for the rest,
// only that the subject was assessed. A subject whose versions moved
// since they were read is skipped. It returns how many it wrote, and
// audits the batch with the subjects whose assessment changed.
func writeOutcomes(tx *Tx, chunks []chunk) (int, error) {
	ps := stmts{}
	defer ps.close()
	var changed, seen []outcome
	version := map[int64]string{}
	for _, c := range chunks {
		for _, o := range c.outcomes {
			if o.changed {
				changed = append(changed, o)
				version[o.subject.ID] = c.policy
			} else {
				seen = append(seen, o)
			}
		}
	}
	written := 0
	for part := range slices.Chunk(seen, rowsPerStatement) {
		vals := make([]any, 0, 3*len(part))
		for _, o := range part {
			vals = append(vals, o.subject.ID, o.subject.FactsVersion, o.subject.AssessedVersion)
		}
		n, err := valuesStatement(tx, ps, `UPDATE subjects SET assessed_version = v.column2 FROM (`,
			[]string{"bigint", "bigint", "bigint"}, `) AS v WHERE subjects.id = v.column1
			AND subjects.facts_version = v.column2 AND subjects.assessed_version = v.column3`, vals, nil)
		if err != nil {
			return written, err
		}
		written += n
	}
	var bands []string
	for part := range slices.Chunk(changed, rowsPerStatement) {
		vals := make([]any, 0, 8*len(part))
		for _, o := range part {
			vals = append(vals, o.subject.ID, string(o.band), o.band.Rank(), o.due, float64(o.computed.Score),
				o.subject.FactsVersion, o.subject.AssessedVersion, tx.now)
		}
		byID := map[int64]*outcome{}
		for i := range part {
			byID[part[i].subject.ID] = &part[i]
		}
		var ins []any
		_, err := valuesStatement(tx, ps, `UPDATE subjects SET band = v.column2, band_rank = v.column3, due_at = v.column4,
			score = v.column5, assessed_version = v.column6, updated_at = v.column8 FROM (`,
			[]string{"bigint", "text", "integer", "timestamptz", "double precision", "bigint", "bigint", "timestamptz"},
			`) AS v WHERE subjects.id = v.column1 AND subjects.facts_version = v.column6
			AND subjects.assessed_version = v.column7 RETURNING id`, vals, func(id int64) {
				o := byID[id]
				ins = append(ins, id, string(o.band), float64(o.computed.Score), o.due, version[id], o.trace, o.override,
					assessorActor.Label(), tx.now, o.subject.FactsVersion, string(o.computed.Band))
				bands = append(bands, fmt.Sprintf("%d:%s", id, o.band))
			})
		if err != nil {
			return written, err
		}
		if len(ins) == 0 {
			continue
		}
		if _, err := valuesStatement(tx, ps, `INSERT INTO assessments (subject_id, band, score, due_at, policy_version,
			trace, override_reason, assessed_by, created_at, facts_version, computed_band) `, assessmentTypes, "", ins, nil); err != nil {
			return written, err
		}
	}
	written += len(bands)
	if len(bands) == 0 {
		return written, nil
	}
	return written, tx.audit("assessment.batch", "subject", "", fmt.Sprintf("policy=%s assessed=%d changed=%s",
		policyList(chunks), written, strings.Join(bands, ",")))
}

// assessmentTypes are the PostgreSQL types of an assessment row's values.
var assessmentTypes = []string{"bigint", "text", "double precision", "timestamptz", "text", "text", "text", "text",
	"timestamptz", "bigint", "text"}

// policyList names the policy versions chunks were assessed under, in
// order, each once.
func policyList(chunks []chunk) string {
	var vs []string
	for _, c := range chunks {
		if !slices.Contains(vs, c.policy) {
			vs = append(vs, c.policy)
		}
	}
	return strings.Join(vs, ",")
}

// valuesStatement runs head + VALUES (…), (…) + tail, one row for each
// len(types) of vals (at most rowsPerStatement rows, so the caller
// chunks). On PostgreSQL the first row's parameters are cast to types,
// which fixes the VALUES list's column types. With scan it runs the
// statement as a query and calls scan with each row's returned id;
// otherwise it returns the rows affected.
func valuesStatement(tx *Tx, ps stmts, head string, types []string, tail string, vals []any, scan func(id int64)) (int, error) {
	ncols := len(types)
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("VALUES ")
	for r := range len(vals) / ncols {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range ncols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(r*ncols + c + 1))
			if r == 0 && tx.db.dialect == Postgres {
				b.WriteString("::")
				b.WriteString(types[c])
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(tail)
	q := b.String()
	st, ok := ps[q]
	if !ok {
		var err error
		if st, err = tx.prepare(q); err != nil {
			return 0, err
		}
		ps[q] = st
	}
	if scan == nil {
		res, err := st.ExecContext(tx.ctx, tx.db.args(vals)...)
		if err != nil {
			return 0, translate(err)
		}
		n, err := res.RowsAffected()
		return int(n), translate(err)
	}
	rows, err := st.QueryContext(tx.ctx, tx.db.args(vals)...)
	if err != nil {
		return 0, translate(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return n, translate(err)
		}
		scan(id)
		n++
	}
	return n, translate(rows.Err())
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
