package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// Tx is a database transaction bound to the context it began with. It
// carries a fixed now, so every time written in it is the same instant, and
// the actor and request id that its audit events record.
type Tx struct {
	tx        *sql.Tx
	db        *DB
	ctx       context.Context
	now       time.Time
	actor     safeguard.Actor
	hasActor  bool
	requestID string
	events    []*safeguard.AuditEvent // appended to the chain at Commit
}

// BeginTx starts a transaction. On SQLite it takes the write lock at once
// (BEGIN IMMEDIATE), so transactions queue rather than fail on upgrade.
// Returns EUNAVAILABLE if the database cannot be reached.
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	return db.begin(ctx, nil, nil)
}

// begin starts a transaction on conn, or on any pooled connection when
// conn is nil.
func (db *DB) begin(ctx context.Context, conn *sql.Conn, opts *sql.TxOptions) (*Tx, error) {
	var stx *sql.Tx
	var err error
	if conn != nil {
		stx, err = conn.BeginTx(ctx, opts)
	} else {
		stx, err = db.db.BeginTx(ctx, opts)
	}
	if err != nil {
		return nil, translate(err)
	}
	actor, ok := safeguard.ActorFromContext(ctx)
	return &Tx{
		tx:        stx,
		db:        db,
		ctx:       ctx,
		now:       safeguard.NowFromContext(ctx).Truncate(time.Microsecond),
		actor:     actor,
		hasActor:  ok,
		requestID: safeguard.RequestIDFromContext(ctx),
	}, nil
}

// Now returns the transaction's fixed time, in UTC at microsecond
// precision, the precision both databases keep.
func (tx *Tx) Now() time.Time { return tx.now }

// Commit appends the transaction's pending audit events to the chain and
// commits. If either fails nothing is written.
func (tx *Tx) Commit() error {
	if err := tx.flushAudit(); err != nil {
		tx.tx.Rollback()
		return err
	}
	return translate(tx.tx.Commit())
}

// Rollback abandons the transaction and its pending audit events. It is
// safe to call after Commit.
func (tx *Tx) Rollback() error {
	err := tx.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return translate(err)
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(tx.ctx, tx.db.rebind(query), tx.db.args(args)...)
	return res, translate(err)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, tx.db.rebind(query), tx.db.args(args)...)
	return rows, translate(err)
}

// queryRow runs a query expected to return at most one row and scans it;
// no row is ENOTFOUND.
func (tx *Tx) queryRow(query string, args []any, dest ...any) error {
	return translate(tx.tx.QueryRowContext(tx.ctx, tx.db.rebind(query), tx.db.args(args)...).Scan(dest...))
}

// prepare prepares a statement for repeated use in the transaction, such
// as a bulk INSERT. Callers pass times through args themselves.
func (tx *Tx) prepare(query string) (*sql.Stmt, error) {
	st, err := tx.tx.PrepareContext(tx.ctx, tx.db.rebind(query))
	return st, translate(err)
}

// rebind rewrites $N placeholders as ?N for SQLite. Both mean the same
// there, but SQLite looks each $N up by name among those seen so far,
// which makes a statement with thousands of parameters (a multi-row
// INSERT) take seconds to prepare; ?N is bound by number. Text inside
// single quotes is left alone. PostgreSQL queries pass through unchanged.
func (db *DB) rebind(query string) string {
	if db.dialect != SQLite || !strings.Contains(query, "$") {
		return query
	}
	b := []byte(query)
	quoted := false
	for i, c := range b {
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '$' && !quoted && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9':
			b[i] = '?'
		}
	}
	return string(b)
}

// writeRows writes the rows of a multi-row VALUES list, nrows of ncols
// placeholders each. On SQLite they are plain ?: SQLite finds a numbered
// one's name (?N) by walking the list of them all, so binding ?1…?N costs
// the square of N (seconds a million rows at 500 a statement). On
// PostgreSQL they are $1…$N, and with casts the first row's are cast to
// them, which fixes a VALUES list's column types (UPDATE … FROM (VALUES
// …) compares and assigns them).
func (db *DB) writeRows(b *strings.Builder, nrows, ncols int, casts []string) {
	for r := range nrows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range ncols {
			if c > 0 {
				b.WriteByte(',')
			}
			if db.dialect == SQLite {
				b.WriteByte('?')
				continue
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(r*ncols + c + 1))
			if r == 0 && casts != nil {
				b.WriteString("::")
				b.WriteString(casts[c])
			}
		}
		b.WriteByte(')')
	}
}

// insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insert(query string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(query+" RETURNING id", args, &id)
	return id, err
}

// commitAnyway marks an error returned from a run function whose
// transaction must still be committed: a denied read is refused, but the
// audit event recording it must persist.
type commitAnyway struct{ err error }

func (c *commitAnyway) Error() string { return c.err.Error() }
func (c *commitAnyway) Unwrap() error { return c.err }

// commitThen returns err so that run commits the transaction before
// returning err to the caller.
func commitThen(err error) error { return &commitAnyway{err: err} }

// run calls fn in a transaction and commits if fn succeeds (or returns
// commitThen(err)). A transaction that lost a deadlock or serialisation
// conflict is retried a few times with a fresh one.
func (db *DB) run(ctx context.Context, fn func(tx *Tx) error) error {
	return db.retry(ctx, nil, nil, fn)
}

// runOn is run on the connection conn: a worker that keeps one
// connection keeps its SQLite page cache warm between transactions.
func (db *DB) runOn(ctx context.Context, conn *sql.Conn, fn func(tx *Tx) error) error {
	return db.retry(ctx, conn, nil, fn)
}

// deferred makes modernc begin a plain (DEFERRED) SQLite transaction.
var deferred = &sql.TxOptions{ReadOnly: true}

// view is run for transactions that only read (and audit). On SQLite
// they begin DEFERRED, so they read beside a writer instead of queueing
// for the write lock, and their audit events are appended afterwards in a
// short write transaction; fn must not write anything else. On PostgreSQL
// it is run: reads take no locks there.
func (db *DB) view(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == SQLite {
		return db.retry(ctx, nil, deferred, fn)
	}
	return db.retry(ctx, nil, nil, fn)
}

// snapshot is run for transactions that only read and must see one
// consistent state throughout: on SQLite every transaction does (it is
// view's DEFERRED read); on PostgreSQL it is a read-only REPEATABLE READ
// transaction rather than one snapshot a statement. fn must not audit. It
// runs on conn, or any pooled connection when conn is nil.
func (db *DB) snapshot(ctx context.Context, conn *sql.Conn, fn func(tx *Tx) error) error {
	if db.dialect == SQLite {
		return db.retry(ctx, conn, deferred, fn)
	}
	return db.retry(ctx, conn, repeatableRead, fn)
}

var repeatableRead = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

func (db *DB) retry(ctx context.Context, conn *sql.Conn, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = db.runTx(ctx, conn, opts, fn); err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
		db.log.Warn("store: retrying transaction", "attempt", attempt+1, "code", safeguard.ErrorCode(err))
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

// runOnce is run without retries, for callers whose fn cannot run twice
// (an import consuming an iterator).
func (db *DB) runOnce(ctx context.Context, fn func(tx *Tx) error) error {
	return db.runTx(ctx, nil, nil, fn)
}

func (db *DB) runTx(ctx context.Context, conn *sql.Conn, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	tx, err := db.begin(ctx, conn, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = fn(tx)
	var ca *commitAnyway
	if errors.As(err, &ca) {
		err = ca.err
	} else if err != nil {
		return translate(err)
	}
	if opts == deferred && len(tx.events) > 0 {
		// A view only reads; its audit events are appended by a write
		// transaction of their own, which queues for SQLite's lock rather
		// than failing to upgrade a stale read snapshot.
		events := tx.events
		tx.events = nil
		tx.Rollback()
		if aerr := db.runTx(ctx, conn, nil, func(w *Tx) error { w.events = events; return nil }); aerr != nil {
			return aerr
		}
		return err
	}
	if cerr := tx.Commit(); cerr != nil {
		return cerr
	}
	return err
}

// timeLayout is how SQLite stores times: fixed width, so text order is
// time order, and exactly microsecond precision in UTC like PostgreSQL's
// timestamptz.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// args converts times to what each dialect stores.
func (db *DB) args(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = db.timeArg(v)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = db.timeArg(*v)
			}
		}
	}
	return args
}

func (db *DB) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if db.dialect == SQLite {
		return t.Format(timeLayout)
	}
	return t
}

// micro returns t as stored: UTC at microsecond precision, so a struct
// that was written compares equal to one read back.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// microPtr is micro for an optional time.
func microPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	m := micro(*t)
	return &m
}

// timeCol scans a NOT NULL time column from either dialect.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	t, err := parseTimeValue(src)
	if err != nil {
		return err
	} else if t == nil {
		return errors.New("store: NULL in a NOT NULL time column")
	}
	*c.t = *t
	return nil
}

// nullTimeCol scans a nullable time column into a *time.Time.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(src any) error {
	t, err := parseTimeValue(src)
	*c.t = t
	return err
}

func parseTimeValue(src any) (*time.Time, error) {
	var t time.Time
	switch v := src.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = v
	case string:
		p, err := time.Parse(timeLayout, v)
		if err != nil {
			return nil, err
		}
		t = p
	case []byte:
		p, err := time.Parse(timeLayout, string(v))
		if err != nil {
			return nil, err
		}
		t = p
	default:
		return nil, errors.New("store: unexpected time column type")
	}
	t = t.UTC()
	return &t, nil
}

// pageLimit bounds a page size: 0 or less means 50, at most 1000.
func pageLimit(n int) int {
	if n <= 0 {
		return 50
	} else if n > 1000 {
		return 1000
	}
	return n
}
