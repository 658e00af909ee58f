package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"safeguard"
)

// auditLockKey is the PostgreSQL advisory lock that serialises appends to
// the audit chain ("sgaudit" in ASCII), so concurrent writers cannot both
// extend the same last row.
const auditLockKey int64 = 0x7367617564697400

// audit queues an audit event by the transaction's actor; it is appended
// to the chain when the transaction commits, so it shares its fate. detail
// must never hold personal data.
func (tx *Tx) audit(action, objectType, objectID, detail string) error {
	label := "anonymous"
	if tx.hasActor {
		label = tx.actor.Label()
	}
	return tx.auditAs(label, action, objectType, objectID, detail)
}

// auditAs is audit with an explicit actor label, for logins where the
// context has no actor yet.
func (tx *Tx) auditAs(actor, action, objectType, objectID, detail string) error {
	tx.events = append(tx.events, &safeguard.AuditEvent{
		At:         tx.now,
		Actor:      actor,
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		RequestID:  tx.requestID,
		Detail:     detail,
	})
	return nil
}

// id formats an object id for the audit log.
func id(n int64) string { return strconv.FormatInt(n, 10) }

// flushAudit appends the pending events under the chain lock: on
// PostgreSQL an advisory transaction lock, taken before reading the last
// row; on SQLite the database's write lock, which the transaction holds
// from BEGIN IMMEDIATE (or, for a view, gets on its first write, failing
// with SQLITE_BUSY, retried, if another writer moved the chain on since its
// snapshot). Appending last keeps the lock held only for the inserts and
// never before other locks. The seq primary key is the final guard: a
// fork would be a duplicate seq.
func (tx *Tx) flushAudit() error {
	if len(tx.events) == 0 {
		return nil
	}
	if tx.db.dialect == Postgres {
		if _, err := tx.exec(`SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
			return err
		}
	}
	seq, prev := int64(0), safeguard.GenesisHash
	err := tx.queryRow(`SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`, nil, &seq, &prev)
	if err != nil && safeguard.ErrorCode(err) != safeguard.ENOTFOUND {
		return err
	}
	for _, e := range tx.events {
		seq++
		e.Seq, e.PrevHash = seq, prev
		e.Hash = e.ComputeHash()
		if _, err := tx.exec(`INSERT INTO audit_events
			(seq, at, actor, action, object_type, object_id, request_id, detail, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.Seq, e.At, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.RequestID, e.Detail, e.PrevHash, e.Hash); err != nil {
			return err
		}
		prev = e.Hash
	}
	tx.events = nil
	return nil
}

// AuditService reads and verifies the audit chain.
type AuditService struct{ db *DB }

var _ safeguard.AuditService = (*AuditService)(nil)

// NewAuditService returns an AuditService over db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

const auditColumns = `seq, at, actor, action, object_type, object_id, request_id, detail, prev_hash, hash`

func scanAuditEvent(sc interface{ Scan(...any) error }) (*safeguard.AuditEvent, error) {
	e := &safeguard.AuditEvent{}
	err := sc.Scan(&e.Seq, timeCol{&e.At}, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.RequestID, &e.Detail, &e.PrevHash, &e.Hash)
	return e, translate(err)
}

// FindAuditEvents returns events matching the filter, newest first, and
// the total count. Looking is itself audited. Returns EUNAUTHORIZED
// without an actor and EFORBIDDEN without PermReadAudit.
func (s *AuditService) FindAuditEvents(ctx context.Context, f safeguard.AuditFilter) ([]*safeguard.AuditEvent, int, error) {
	var events []*safeguard.AuditEvent
	var total int
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("audit.read", safeguard.PermReadAudit); err != nil {
			return err
		}
		var where []string
		var args []any
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, fmt.Sprintf(cond, len(args)))
		}
		if f.Actor != "" {
			add("actor = $%d", f.Actor)
		}
		if f.Action != "" {
			add("action = $%d", f.Action)
		}
		if f.ObjectType != "" {
			add("object_type = $%d", f.ObjectType)
		}
		if f.ObjectID != "" {
			add("object_id = $%d", f.ObjectID)
		}
		if f.Since != nil {
			add("at >= $%d", *f.Since)
		}
		if f.Until != nil {
			add("at < $%d", *f.Until)
		}
		cond := ""
		if len(where) > 0 {
			cond = " WHERE " + strings.Join(where, " AND ")
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM audit_events`+cond, args, &total); err != nil {
			return err
		}
		q := fmt.Sprintf(`SELECT %s FROM audit_events%s ORDER BY seq DESC LIMIT %d OFFSET %d`,
			auditColumns, cond, pageLimit(f.Limit), max(f.Offset, 0))
		rows, err := tx.query(q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		events = events[:0]
		for rows.Next() {
			e, err := scanAuditEvent(rows)
			if err != nil {
				return err
			}
			events = append(events, e)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("audit.read", "", "", fmt.Sprintf("rows=%d offset=%d", len(events), f.Offset))
	})
	if err != nil {
		return nil, 0, err
	}
	return events, total, nil
}

// VerifyAudit streams the chain in seq order, recomputing every hash and
// checking every link, and returns the number of rows checked and the
// first break, or nil. It reads one consistent snapshot and writes
// nothing, so it takes no lock. Returns EUNAUTHORIZED without an actor and
// EFORBIDDEN without PermReadAudit.
func (s *AuditService) VerifyAudit(ctx context.Context) (int64, *safeguard.ChainBreak, error) {
	a, ok := safeguard.ActorFromContext(ctx)
	if !ok {
		return 0, nil, safeguard.Errorf(safeguard.EUNAUTHORIZED, "you must be signed in")
	} else if !can(a, safeguard.PermReadAudit) {
		return 0, nil, safeguard.Errorf(safeguard.EFORBIDDEN, "your role may not check the audit log")
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events ORDER BY seq`)
	if err != nil {
		return 0, nil, translate(err)
	}
	defer rows.Close()
	var n int64
	wantSeq, prev := int64(1), safeguard.GenesisHash
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return n, nil, err
		}
		n++
		if brk := checkLink(e, wantSeq, prev); brk != nil {
			return n, brk, nil
		}
		wantSeq, prev = e.Seq+1, e.Hash
	}
	return n, nil, translate(rows.Err())
}

// checkLink returns why e does not follow the row before it, or nil.
func checkLink(e *safeguard.AuditEvent, wantSeq int64, prev string) *safeguard.ChainBreak {
	switch {
	case e.Seq != wantSeq:
		return &safeguard.ChainBreak{Seq: e.Seq, Reason: fmt.Sprintf("seq gap: expected %d, found %d (row deleted?)", wantSeq, e.Seq)}
	case e.PrevHash != prev:
		return &safeguard.ChainBreak{Seq: e.Seq, Reason: "prev_hash does not match the previous row's hash (row deleted or edited?)"}
	case e.ComputeHash() != e.Hash:
		return &safeguard.ChainBreak{Seq: e.Seq, Reason: "hash does not match the row's contents (row edited?)"}
	}
	return nil
}
