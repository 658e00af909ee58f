package store

import (
	"context"
	"database/sql"
	"fmt"

	"safeguard"
)

// OperationService stores operations, the packages they send to forces and
// the actions forces record. Force users see and act on only their own
// force's packages; actions are append-only (corrections are new rows);
// every change is audited.
type OperationService struct{ db *DB }

var _ safeguard.OperationService = (*OperationService)(nil)

// NewOperationService returns an OperationService over db.
func NewOperationService(db *DB) *OperationService { return &OperationService{db: db} }

// CreateOperation stores o, setting its ID, CreatedBy and CreatedAt, and
// StartsAt to now when zero. Requires PermManageOps. Returns EINVALID for
// a missing code or name or an end before the start, ECONFLICT if the code
// exists.
func (s *OperationService) CreateOperation(ctx context.Context, o *safeguard.Operation) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("operation.create", safeguard.PermManageOps)
		if err != nil {
			return err
		} else if err := o.Validate(); err != nil {
			return err
		}
		if o.StartsAt.IsZero() {
			o.StartsAt = tx.now
		}
		o.StartsAt, o.EndsAt = micro(o.StartsAt), microPtr(o.EndsAt)
		if o.EndsAt != nil && o.EndsAt.Before(o.StartsAt) {
			return safeguard.Errorf(safeguard.EINVALID, "operation ends before it starts")
		}
		o.CreatedBy, o.CreatedAt = a.Label(), tx.now
		o.ID, err = tx.insert(`INSERT INTO operations (code, name, starts_at, ends_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, o.Code, o.Name, o.StartsAt, o.EndsAt, o.CreatedBy, tx.now)
		if safeguard.ErrorCode(err) == safeguard.ECONFLICT {
			return safeguard.WrapError(safeguard.ECONFLICT, err, "operation %s already exists", o.Code)
		} else if err != nil {
			return err
		}
		return tx.audit("operation.create", "operation", id(o.ID), "code="+o.Code)
	})
}

const operationColumns = `id, code, name, starts_at, ends_at, created_by, created_at`

func scanOperation(sc interface{ Scan(...any) error }) (*safeguard.Operation, error) {
	o := &safeguard.Operation{}
	err := sc.Scan(&o.ID, &o.Code, &o.Name, timeCol{&o.StartsAt}, nullTimeCol{&o.EndsAt}, &o.CreatedBy, timeCol{&o.CreatedAt})
	return o, translate(err)
}

// FindOperationByCode returns the operation. Requires PermReadOperational
// or PermManageOps. Returns ENOTFOUND if there is none.
func (s *OperationService) FindOperationByCode(ctx context.Context, code string) (*safeguard.Operation, error) {
	var o *safeguard.Operation
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("operation.read", safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		var err error
		o, err = scanOperation(tx.tx.QueryRowContext(tx.ctx, `SELECT `+operationColumns+` FROM operations WHERE code = $1`, code))
		if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no operation with code %q", code)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// FindOperations lists operations, newest first. Requires
// PermReadOperational or PermManageOps.
func (s *OperationService) FindOperations(ctx context.Context) ([]*safeguard.Operation, error) {
	var ops []*safeguard.Operation
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("operation.list", safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT ` + operationColumns + ` FROM operations ORDER BY created_at DESC, id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		ops = ops[:0]
		for rows.Next() {
			o, err := scanOperation(rows)
			if err != nil {
				return err
			}
			ops = append(ops, o)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return ops, nil
}

// SendPackage hands a subject to a force: to p.ForceCode, or the force
// the subject is allocated to when empty. It sets p's ID, status (sent)
// and SentAt. Requires PermManageOps. Returns ENOTFOUND for an unknown
// operation, subject or force, EINVALID if no force is named or allocated.
func (s *OperationService) SendPackage(ctx context.Context, p *safeguard.Package) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("package.send", safeguard.PermManageOps)
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM operations WHERE id = $1`, []any{p.OperationID}, &n); err != nil {
			return err
		} else if n == 0 {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no such operation")
		}
		force, err := subjectForceCode(tx, p.SubjectID)
		if err != nil {
			return err
		}
		if p.ForceCode == "" {
			p.ForceCode = force
		}
		if p.ForceCode == "" {
			return safeguard.Errorf(safeguard.EINVALID, "the subject is not allocated to a force: name the force to send the package to")
		} else if _, err := findForce(tx, p.ForceCode); err != nil {
			return err
		}
		p.Status, p.SentAt, p.AnsweredAt, p.AnswerNote = safeguard.PackageSent, tx.now, nil, ""
		p.ID, err = tx.insert(`INSERT INTO packages (operation_id, subject_id, force_code, status, note, sent_by, sent_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.OperationID, p.SubjectID, p.ForceCode, p.Status, p.Note, a.Label(), tx.now)
		if err != nil {
			return err
		}
		return tx.audit("package.send", "package", id(p.ID),
			fmt.Sprintf("operation=%d subject=%d force=%s", p.OperationID, p.SubjectID, p.ForceCode))
	})
}

const packageColumns = `id, operation_id, subject_id, force_code, status, note, answer_note, sent_at, answered_at`

func scanPackage(sc interface{ Scan(...any) error }) (*safeguard.Package, error) {
	p := &safeguard.Package{}
	err := sc.Scan(&p.ID, &p.OperationID, &p.SubjectID, &p.ForceCode, &p.Status, &p.Note, &p.AnswerNote,
		timeCol{&p.SentAt}, nullTimeCol{&p.AnsweredAt})
	return p, translate(err)
}

func errNoPackage() error { return safeguard.Errorf(safeguard.ENOTFOUND, "no such package") }

// visiblePackage returns the package if the actor's force may see it.
// Otherwise it returns ENOTFOUND, auditing the attempt as action+".denied"
// and marking the error so the transaction still commits.
func visiblePackage(tx *Tx, packageID int64, action string) (*safeguard.Package, error) {
	p, err := scanPackage(tx.tx.QueryRowContext(tx.ctx, `SELECT `+packageColumns+` FROM packages WHERE id = $1`, packageID))
	if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		return nil, errNoPackage()
	} else if err != nil {
		return nil, err
	}
	if !seesForce(tx.actor, p.ForceCode) {
		if err := tx.audit(action+".denied", "package", id(p.ID), "force="+p.ForceCode); err != nil {
			return nil, err
		}
		return nil, commitThen(errNoPackage())
	}
	return p, nil
}

// AnswerPackage accepts or returns a sent package, with an optional note.
// Requires PermAcceptPackages; a force user may answer only their force's
// packages. Returns EINVALID for another status, ENOTFOUND if there is no
// such package or the actor may not see it (audited as
// package.answer.denied), ECONFLICT if it has already been answered.
func (s *OperationService) AnswerPackage(ctx context.Context, packageID int64, status, note string) (*safeguard.Package, error) {
	var p *safeguard.Package
	err := s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("package.answer", safeguard.PermAcceptPackages)
		if err != nil {
			return err
		} else if status != safeguard.PackageAccepted && status != safeguard.PackageReturned {
			return safeguard.Errorf(safeguard.EINVALID, "a package is answered %s or %s, not %q",
				safeguard.PackageAccepted, safeguard.PackageReturned, status)
		}
		if p, err = visiblePackage(tx, packageID, "package.answer"); err != nil {
			return err
		} else if p.Status != safeguard.PackageSent {
			return safeguard.Errorf(safeguard.ECONFLICT, "the package has already been %s", p.Status)
		}
		res, err := tx.exec(`UPDATE packages SET status = $1, answer_note = $2, answered_by = $3, answered_at = $4
			WHERE id = $5 AND status = $6`, status, note, a.Label(), tx.now, p.ID, safeguard.PackageSent)
		if err != nil {
			return err
		} else if n, err := res.RowsAffected(); err != nil {
			return translate(err)
		} else if n != 1 {
			return safeguard.Errorf(safeguard.ECONFLICT, "the package has already been answered")
		}
		now := tx.now
		p.Status, p.AnswerNote, p.AnsweredAt = status, note, &now
		return tx.audit("package.answer", "package", id(p.ID), "status="+status)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// FindPackages lists an operation's packages the actor may see, in the
// order they were sent: a force user sees only their force's. The listing
// is audited (package.list). Requires PermReadOperational or
// PermManageOps. Returns ENOTFOUND for an unknown operation.
func (s *OperationService) FindPackages(ctx context.Context, operationID int64) ([]*safeguard.Package, error) {
	var pkgs []*safeguard.Package
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("package.list", safeguard.PermReadOperational, safeguard.PermManageOps)
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM operations WHERE id = $1`, []any{operationID}, &n); err != nil {
			return err
		} else if n == 0 {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no such operation")
		}
		q, args := `SELECT `+packageColumns+` FROM packages WHERE operation_id = $1`, []any{operationID}
		if a.Kind != safeguard.ActorSystem && a.Role.ForceScoped() {
			q, args = q+` AND force_code = $2`, append(args, a.ForceCode)
		}
		rows, err := tx.query(q+` ORDER BY id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		pkgs = pkgs[:0]
		for rows.Next() {
			p, err := scanPackage(rows)
			if err != nil {
				return err
			}
			pkgs = append(pkgs, p)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("package.list", "operation", id(operationID), fmt.Sprintf("packages=%d", len(pkgs)))
	})
	if err != nil {
		return nil, err
	}
	return pkgs, nil
}

const actionColumns = `id, package_id, kind, count, at, note, override_reason, supersedes, correction_note,
	idempotency_key, recorded_by, created_at`

func scanAction(sc interface{ Scan(...any) error }) (*safeguard.Action, error) {
	a := &safeguard.Action{}
	var supersedes sql.NullInt64
	var key sql.NullString
	if err := sc.Scan(&a.ID, &a.PackageID, &a.Kind, &a.Count, timeCol{&a.At}, &a.Note, &a.OverrideReason,
		&supersedes, &a.CorrectionNote, &key, &a.RecordedBy, timeCol{&a.CreatedAt}); err != nil {
		return nil, translate(err)
	}
	if supersedes.Valid {
		a.Supersedes = &supersedes.Int64
	}
	a.IdempotencyKey = key.String
	return a, nil
}

// FindActions lists a package's actions in time order, corrections and
// the actions they supersede included, and audits the read (package.read).
// Requires PermReadOperational or
// PermManageOps. Returns ENOTFOUND if there is no such package or the
// actor's force may not see it (audited as package.read.denied).
func (s *OperationService) FindActions(ctx context.Context, packageID int64) ([]*safeguard.Action, error) {
	var actions []*safeguard.Action
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("package.read", safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		if _, err := visiblePackage(tx, packageID, "package.read"); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT `+actionColumns+` FROM actions WHERE package_id = $1 ORDER BY at, id`, packageID)
		if err != nil {
			return err
		}
		defer rows.Close()
		actions = actions[:0]
		for rows.Next() {
			a, err := scanAction(rows)
			if err != nil {
				return err
			}
			actions = append(actions, a)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("package.read", "package", id(packageID), fmt.Sprintf("actions=%d", len(actions)))
	})
	if err != nil {
		return nil, err
	}
	return actions, nil
}
