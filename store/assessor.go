package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
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

	// snapshots is held shared while the reader holds a snapshot, and
	// alone while the writer checkpoints.
	snapshots sync.RWMutex

	mu      sync.Mutex
	policy  *risk.Policy
	sum     string        // the document's SHA-256, "" for the built-in
	longest time.Duration // the longest write transaction yet
}

// LongestWrite returns the longest write transaction the assessor has
// run, from beginning to commit: how long, at most, it kept other
// writers waiting on SQLite.
func (a *Assessor) LongestWrite() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.longest
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
			a.log.Info("assessor: re-assessed subjects", "subjects", n, "longest_write", a.LongestWrite())
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
// waits on reads only while it checkpoints, and a backlog-wide
// re-assessment (after a policy is applied) uses both cores. While chunks
// queue up, one write transaction takes several (up to maxWrite subjects
// or writeFor), so each index page is written once for many subjects;
// when reading is the slower side each chunk is committed at once, so a
// fact changed here and there is a small, quick transaction.
//
// Each write is conditional on the subject's versions being those that
// were read: a subject whose facts changed meanwhile, or that another
// assessor reached first, is left alone, and a later pass (this drain
// makes passes until one finds nothing stale) sees it again.
func (a *Assessor) Drain(ctx context.Context) (int, error) {
	ctx = safeguard.NewContextWithActor(ctx, assessorActor)
	// Most ticks of Run find nothing to do: one indexed read says so
	// without taking and setting up the drain's connections.
	var stale bool
	if err := a.db.view(ctx, func(tx *Tx) error {
		return tx.queryRow(`SELECT EXISTS (SELECT 1 FROM subjects`+staleIndex(tx)+
			` WHERE facts_version > assessed_version)`, nil, &stale)
	}); err != nil || !stale {
		return 0, err
	}
	c, err := a.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer c.release()
	total := 0
	for {
		n, err := a.pass(ctx, c)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// conns are the connections of one drain: the reader and the writer each
// keep one, so on SQLite each keeps its page cache (the writer's sees
// only its own commits and stays warm).
type conns struct {
	r, w    *sql.Conn
	restore []func(context.Context) // each undoes one of connect's settings
}

// connect takes the drain's connections from the pool. On SQLite the
// writer's cache grows to hold the index pages a batch touches all over,
// and the writer checkpoints after each commit itself (checkpoint). The
// reader reads each page about once, and every new snapshot after a
// commit empties its cache, which the memory allocator pays a system call
// a page for: so it keeps a small cache and reads the file through a
// memory map instead (mapped pages are not the cache's to free).
func (a *Assessor) connect(ctx context.Context) (*conns, error) {
	c := &conns{}
	var err error
	if c.r, err = a.db.db.Conn(ctx); err != nil {
		return nil, translate(err)
	}
	if c.w, err = a.db.db.Conn(ctx); err != nil {
		c.r.Close()
		return nil, translate(err)
	}
	if a.db.dialect != SQLite {
		return c, nil
	}
	set := func(conn *sql.Conn, pragma, was string) error {
		if _, err := conn.ExecContext(ctx, `PRAGMA `+pragma); err != nil {
			c.release()
			return translate(err)
		}
		c.restore = append(c.restore, func(ctx context.Context) { conn.ExecContext(ctx, `PRAGMA `+was) })
		return nil
	}
	for _, p := range []struct {
		conn          *sql.Conn
		pragma, usual string
	}{
		{c.w, fmt.Sprintf("cache_size = -%d", assessorCacheKiB), "cache_size = " + sqliteCacheSize},
		{c.w, "wal_autocheckpoint = 0", "wal_autocheckpoint = 1000"},
		{c.r, fmt.Sprintf("cache_size = -%d", readerCacheKiB), "cache_size = " + sqliteCacheSize},
		{c.r, fmt.Sprintf("mmap_size = %d", readerMapBytes), "mmap_size = 0"},
	} {
		if err := set(p.conn, p.pragma, p.usual); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// release gives the connections back to the pool with their usual
// settings, in the background: shrinking a big SQLite cache frees its
// pages a system call each, seconds after a backlog-wide drain, which
// the caller need not wait for.
func (c *conns) release() {
	go func() {
		ctx := context.Background()
		for _, undo := range c.restore {
			undo(ctx)
		}
		c.r.Close()
		c.w.Close()
	}()
}

// maxWrite and writeFor bound the subjects one write transaction takes
// and how long it goes on taking more, and readAhead the chunks read ahead
// of the writer. A backlog-wide
// re-assessment that moves subjects in the queue updates the queue
// indexes at random places: a transaction of n such subjects rewrites
// about min(n, all) of their pages, so bigger transactions write far less
// (at a million subjects moving, 50,000 a transaction still wrote 8 GB).
// Bounded so that other writers wait seconds at most (LongestWrite: the
// time limit and then the commit), under SQLite's busy timeout; the chunks waiting are what lets a transaction
// grow, and what the assessor holds in memory.
const (
	maxWrite  = 50_000
	writeFor  = 2 * time.Second
	readAhead = 24
)

// chunk is one read's worth of assessed subjects.
type chunk struct {
	outcomes []outcome
	policy   string // the policy version they were assessed under
}

// pass reads every subject stale when it reaches it, once, and writes
// the outcomes. It returns how many subjects it wrote.
func (a *Assessor) pass(ctx context.Context, c *conns) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, readAhead)
	read := make(chan error, 1)
	go func() {
		defer close(chunks)
		read <- a.read(ctx, c.r, chunks)
	}()
	written, err := a.write(ctx, c.w, chunks)
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
func (a *Assessor) read(ctx context.Context, conn *sql.Conn, chunks chan<- chunk) error {
	var last int64
	for done := false; !done; {
		var got []chunk
		a.snapshots.RLock()
		err := a.db.snapshot(ctx, conn, func(tx *Tx) error {
			got = got[:0]
			pol, err := a.activePolicy(tx)
			if err != nil {
				return err
			}
			for range chunksPerSnapshot {
				ids, err := queryIDs(tx, fmt.Sprintf(`SELECT id FROM subjects%s WHERE facts_version > assessed_version
					AND id > $1 ORDER BY id LIMIT %d`, staleIndex(tx), a.batch), last)
				if err != nil {
					return err
				} else if len(ids) == 0 {
					done = true
					return nil
				}
				outs, err := assessChunk(tx, pol, ids)
				if err != nil {
					return err
				}
				last = ids[len(ids)-1]
				if len(outs) > 0 {
					got = append(got, chunk{outcomes: outs, policy: pol.Version})
				}
			}
			return nil
		})
		a.snapshots.RUnlock()
		if err != nil {
			return err
		}
		// Sent once the snapshot has ended: the writer may be waiting to
		// checkpoint before it takes more.
		for _, c := range got {
			select {
			case chunks <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// chunksPerSnapshot is how many chunks one read transaction reads. On
// SQLite a new read transaction after a commit empties the connection's
// page cache, which costs a system call a page; a snapshot kept for a few
// chunks holds back checkpoints only that long.
const chunksPerSnapshot = 8

// write writes the chunks as they come, taking into one transaction those
// already waiting, and returns how many subjects it wrote.
func (a *Assessor) write(ctx context.Context, conn *sql.Conn, chunks <-chan chunk) (int, error) {
	total := 0
	for c := range chunks {
		taken := []chunk{c}
		var n int
		start := time.Now()
		err := a.db.runOn(ctx, conn, func(tx *Tx) error {
			n = 0
			size := 0
			for i := 0; ; i++ {
				if i == len(taken) {
					// Take another chunk if one is waiting and this
					// transaction is still small and short.
					more, ok := chunk{}, false
					if size < maxWrite && time.Since(start) < writeFor {
						more, ok = tryReceive(chunks)
					}
					if !ok {
						return nil
					}
					taken = append(taken, more)
				}
				k, err := writeOutcomes(tx, taken[i])
				if err != nil {
					return err
				}
				n += k
				size += len(taken[i].outcomes)
			}
		})
		if err != nil {
			return total, err
		}
		a.mu.Lock()
		a.longest = max(a.longest, time.Since(start))
		a.mu.Unlock()
		total += n
		if err := a.checkpoint(ctx, conn); err != nil {
			return total, err
		}
	}
	return total, nil
}

// checkpoint, on SQLite, copies what the writer committed into the
// database file, so that the write-ahead log starts afresh at the next
// commit. SQLite copies only what no reader's snapshot still needs, and
// starts the log afresh only when it copied all: the assessor's own
// reader, starting one snapshot as the last ends, would always be in the
// way, and the log would grow by every commit (to gigabytes over a
// million subjects) while every read searches it. So the reader takes no
// new snapshot meanwhile (a.snapshots). The checkpoint is PASSIVE: a
// long read elsewhere makes it copy less, never wait.
func (a *Assessor) checkpoint(ctx context.Context, conn *sql.Conn) error {
	if a.db.dialect != SQLite {
		return nil
	}
	a.snapshots.Lock()
	defer a.snapshots.Unlock()
	_, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	return translate(err)
}

// staleIndex names the partial index of stale subjects for SQLite, whose
// planner (with no statistics) would rather walk the table in id order,
// reading every subject to find the few stale ones.
func staleIndex(tx *Tx) string {
	if tx.db.dialect == SQLite {
		return " INDEXED BY subjects_stale"
	}
	return ""
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

// readerCacheKiB is the assessor's reader's SQLite page cache, and
// readerMapBytes how much of the database file it maps (SQLite's most).
const (
	readerCacheKiB = 1 << 10
	readerMapBytes = 0x7fff0000
)

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
	id                int64
	version, override string
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
	moved    bool   // the band, due date or score changed
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
		o.moved = o.band != s.Band || float64(o.computed.Score) != s.Score || s.DueAt == nil || !o.due.Equal(*s.DueAt)
		o.changed = o.moved || l == nil || l.version != pol.Version || l.override != o.override
		outs = append(outs, o)
	}
	// The rest changed if their trace did.
	var ask []*outcome
	for i := range outs {
		if !outs[i].changed {
			ask = append(ask, &outs[i])
		}
	}
	same, err := sameTraces(tx, ask, last)
	if err != nil {
		return nil, err
	}
	for _, o := range ask {
		o.changed = !same[o.subject.ID]
	}
	return outs, nil
}

// rowsPerStatement bounds the rows of one multi-row statement: 500 rows
// of 11 values stay under both databases' limits on parameters.
const rowsPerStatement = 500

// writeOutcomes writes a chunk's outcomes: for a subject whose band,
// due date or score moved, those and a new assessment; for one whose
// assessment changed otherwise (the policy version, the trace), the new
// assessment alone; for the rest, only that the subject was assessed. A
// subject whose versions moved since they were read is skipped. It
// returns how many it wrote, and audits the batch with the subjects
// whose assessment changed.
//
// The statements are shaped for SQLite's sake. An UPDATE touches only
// the indexes of the columns it sets, so a subject whose place in the
// queue stays is updated without the queue indexes. A multi-row statement
// that may abort half-way with some rows written (one with RETURNING, a
// trigger, or an immediate foreign-key check) keeps a journal of every
// page it touches, which costs more than the statement: so the versions
// are checked first by one read, the writes are OR FAIL (a failure rolls
// the whole transaction back anyway) and the foreign keys are checked at
// commit.
func writeOutcomes(tx *Tx, c chunk) (int, error) {
	ps := stmts{}
	defer ps.close()
	outs, err := unmoved(tx, c.outcomes)
	if err != nil {
		return 0, err
	}
	var moved, recorded, seen []outcome
	for _, o := range outs {
		switch {
		case o.moved:
			moved = append(moved, o)
		case o.changed:
			recorded = append(recorded, o)
		default:
			seen = append(seen, o)
		}
	}
	if tx.db.dialect == SQLite {
		if _, err := tx.exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
			return 0, err
		}
	}
	for part := range slices.Chunk(seen, rowsPerStatement) {
		vals := make([]any, 0, 2*len(part))
		for _, o := range part {
			vals = append(vals, o.subject.ID, o.subject.FactsVersion)
		}
		if _, err := valuesStatement(tx, ps, `UPDATE `+orFail(tx)+`subjects SET assessed_version = v.column2 FROM (`,
			[]string{"bigint", "bigint"}, `) AS v WHERE subjects.id = v.column1`, vals); err != nil {
			return 0, err
		}
	}
	for part := range slices.Chunk(recorded, rowsPerStatement) {
		vals := make([]any, 0, 3*len(part))
		for _, o := range part {
			vals = append(vals, o.subject.ID, o.subject.FactsVersion, tx.now)
		}
		if _, err := valuesStatement(tx, ps, `UPDATE `+orFail(tx)+`subjects SET assessed_version = v.column2,
			updated_at = v.column3 FROM (`, []string{"bigint", "bigint", "timestamptz"},
			`) AS v WHERE subjects.id = v.column1`, vals); err != nil {
			return 0, err
		}
	}
	for part := range slices.Chunk(moved, rowsPerStatement) {
		vals := make([]any, 0, 7*len(part))
		for _, o := range part {
			vals = append(vals, o.subject.ID, string(o.band), o.band.Rank(), o.due, float64(o.computed.Score),
				o.subject.FactsVersion, tx.now)
		}
		if _, err := valuesStatement(tx, ps, `UPDATE `+orFail(tx)+`subjects SET band = v.column2, band_rank = v.column3,
			due_at = v.column4, score = v.column5, assessed_version = v.column6, updated_at = v.column7 FROM (`,
			[]string{"bigint", "text", "integer", "timestamptz", "double precision", "bigint", "timestamptz"},
			`) AS v WHERE subjects.id = v.column1`, vals); err != nil {
			return 0, err
		}
	}
	changed := append(moved, recorded...)
	bands := make([]string, 0, len(changed))
	for part := range slices.Chunk(changed, rowsPerStatement) {
		vals := make([]any, 0, len(assessmentTypes)*len(part))
		for _, o := range part {
			id := o.subject.ID
			vals = append(vals, id, string(o.band), float64(o.computed.Score), o.due, c.policy, o.trace, o.override,
				assessorActor.Label(), tx.now, o.subject.FactsVersion, string(o.computed.Band))
			bands = append(bands, fmt.Sprintf("%d:%s", id, o.band))
		}
		if _, err := valuesStatement(tx, ps, `INSERT `+orFail(tx)+`INTO assessments (subject_id, band, score, due_at,
			policy_version, trace, override_reason, assessed_by, created_at, facts_version, computed_band) `,
			assessmentTypes, "", vals); err != nil {
			return 0, err
		}
	}
	written := len(seen) + len(changed)
	if len(bands) == 0 {
		return written, nil
	}
	return written, tx.audit("assessment.batch", "subject", "", fmt.Sprintf("policy=%s assessed=%d changed=%s",
		c.policy, written, strings.Join(bands, ",")))
}

// orFail is SQLite's OR FAIL for a multi-row write, "" on PostgreSQL.
// A constraint failing mid-statement then stops it without undoing the
// rows before, which spares SQLite the journal that undoing needs; the
// error rolls the whole transaction back either way.
func orFail(tx *Tx) string {
	if tx.db.dialect == SQLite {
		return "OR FAIL "
	}
	return ""
}

// unmoved returns the outcomes whose subject's facts and assessed versions
// are still those read. On PostgreSQL it locks those rows until the
// transaction ends, so no other assessor writes them meanwhile; SQLite's
// writer holds the database.
func unmoved(tx *Tx, outs []outcome) ([]outcome, error) {
	if len(outs) == 0 {
		return outs, nil
	}
	ids := make([]int64, len(outs))
	for i, o := range outs {
		ids[i] = o.subject.ID
	}
	type versions struct{ facts, assessed int64 }
	now := make(map[int64]versions, len(ids))
	for part := range slices.Chunk(ids, 5000) {
		// On PostgreSQL only these rows are locked, never a range.
		q := `SELECT id, facts_version, assessed_version FROM subjects WHERE id IN (` + inList(part) + `) ORDER BY id FOR UPDATE`
		if tx.db.dialect == SQLite {
			q = `SELECT id, facts_version, assessed_version FROM subjects WHERE id` + idSet(part)
		}
		rows, err := tx.query(q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var v versions
			if err := rows.Scan(&id, &v.facts, &v.assessed); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			now[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	kept := make([]outcome, 0, len(outs)) // outs stays whole for a retry
	for _, o := range outs {
		if v, ok := now[o.subject.ID]; ok && v.facts == o.subject.FactsVersion && v.assessed == o.subject.AssessedVersion {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// assessmentTypes are the PostgreSQL types of an assessment row's values.
var assessmentTypes = []string{"bigint", "text", "double precision", "timestamptz", "text", "text", "text", "text",
	"timestamptz", "bigint", "text"}

// valuesStatement runs head + VALUES (…), (…) + tail, one row for each
// len(types) of vals (at most rowsPerStatement rows, so the caller
// chunks), its placeholders written by writeRows with types as the
// PostgreSQL casts.
func valuesStatement(tx *Tx, ps stmts, head string, types []string, tail string, vals []any) (sql.Result, error) {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("VALUES ")
	tx.db.writeRows(&b, len(vals)/len(types), len(types), types)
	b.WriteString(tail)
	st, err := ps.prepared(tx, b.String())
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(tx.ctx, tx.db.args(vals)...)
	return res, translate(err)
}

// lastAssessments returns each subject's latest assessment's id, policy
// and override reason (and perhaps other subjects' in their range).
func lastAssessments(tx *Tx, ids []int64) (map[int64]*lastAssessment, error) {
	rows, err := tx.query(`SELECT subject_id, id, policy_version, override_reason FROM assessments
		WHERE id IN (SELECT MAX(id) FROM assessments WHERE subject_id` + idSet(ids) + ` GROUP BY subject_id)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*lastAssessment{}
	for rows.Next() {
		var subject int64
		l := &lastAssessment{}
		if err := rows.Scan(&subject, &l.id, &l.version, &l.override); err != nil {
			return nil, translate(err)
		}
		out[subject] = l
	}
	return out, translate(rows.Err())
}

// sameTraces reports, for each outcome of outs, whether its trace is the
// one its subject's latest assessment last holds. Only the traces asked
// about are read: after a new policy version, none are.
func sameTraces(tx *Tx, outs []*outcome, last map[int64]*lastAssessment) (map[int64]bool, error) {
	same := map[int64]bool{}
	if len(outs) == 0 {
		return same, nil
	}
	byID := make(map[int64]*outcome, len(outs))
	ids := make([]int64, len(outs))
	for i, o := range outs {
		ids[i] = last[o.subject.ID].id
		byID[ids[i]] = o
	}
	slices.Sort(ids)
	rows, err := tx.query(`SELECT id, trace FROM assessments WHERE id IN (` + inList(ids) + `)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var trace string
		if err := rows.Scan(&id, &trace); err != nil {
			return nil, translate(err)
		}
		if o := byID[id]; o != nil && o.trace == trace {
			same[o.subject.ID] = true
		}
	}
	return same, translate(rows.Err())
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
