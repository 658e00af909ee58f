package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

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

// CreateOperation stores o, setting its ID, CreatedBy and CreatedAt,
// StartsAt to now when zero, AcceptHours to DefaultAcceptHours when zero,
// the creator as its coordinator when none is named, and its status to
// live (or planning when it starts later) when none is given. Requires
// PermManageOps. Returns EINVALID for a missing code or name, a bad status
// or an end before the start, ENOTFOUND for an unknown participating
// force, ECONFLICT if the code exists.
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
		if o.Status == "" {
			o.Status = safeguard.OpLive
			if o.StartsAt.After(tx.now) {
				o.Status = safeguard.OpPlanning
			}
		}
		if o.AcceptHours == 0 {
			o.AcceptHours = safeguard.DefaultAcceptHours
		}
		if len(o.Coordinators) == 0 {
			o.Coordinators = []string{a.Name}
		}
		if o.Forces, err = checkForces(tx, o.Forces); err != nil {
			return err
		}
		o.CreatedBy, o.CreatedAt = a.Label(), tx.now
		o.ID, err = tx.insert(`INSERT INTO operations (code, name, status, starts_at, ends_at, forces, coordinators,
			accept_hours, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			o.Code, o.Name, o.Status, o.StartsAt, o.EndsAt, jsonList(o.Forces), jsonList(o.Coordinators),
			o.AcceptHours, o.CreatedBy, tx.now)
		if safeguard.ErrorCode(err) == safeguard.ECONFLICT {
			return safeguard.WrapError(safeguard.ECONFLICT, err, "operation %s already exists", o.Code)
		} else if err != nil {
			return err
		}
		return tx.audit("operation.create", "operation", id(o.ID), "code="+o.Code+" status="+o.Status)
	})
}

// checkForces returns the force codes sorted and without repeats, or
// ENOTFOUND naming the first unknown one.
func checkForces(tx *Tx, codes []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			continue
		}
		if _, err := findForce(tx, c); err != nil {
			return nil, err
		}
		seen[c] = true
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}

// jsonList encodes a list of names for a TEXT column.
func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// UpdateOperation applies upd to the operation and returns it. Requires
// PermManageOps. Returns ENOTFOUND for an unknown operation or force,
// EINVALID for a bad status, acceptance time or end.
func (s *OperationService) UpdateOperation(ctx context.Context, code string, upd safeguard.OperationUpdate) (*safeguard.Operation, error) {
	var o *safeguard.Operation
	err := s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("operation.update", safeguard.PermManageOps); err != nil {
			return err
		}
		var err error
		if o, err = findOperation(tx, "code = $1", code); err != nil {
			return err
		}
		var changed []string
		if upd.Status != nil && *upd.Status != o.Status {
			if !safeguard.ValidOperationStatus(*upd.Status) {
				return safeguard.Errorf(safeguard.EINVALID, "unknown operation status %q (want planning, live or closed)", *upd.Status)
			}
			o.Status, changed = *upd.Status, append(changed, "status="+*upd.Status)
		}
		if upd.EndsAt != nil {
			o.EndsAt, changed = microPtr(upd.EndsAt), append(changed, "ends_at")
			if o.EndsAt.Before(o.StartsAt) {
				return safeguard.Errorf(safeguard.EINVALID, "operation ends before it starts")
			}
		}
		if upd.Forces != nil {
			if o.Forces, err = checkForces(tx, *upd.Forces); err != nil {
				return err
			}
			changed = append(changed, "forces="+strings.Join(o.Forces, ","))
		}
		if upd.Coordinators != nil {
			o.Coordinators, changed = *upd.Coordinators, append(changed, "coordinators")
		}
		if upd.AcceptHours != nil {
			o.AcceptHours, changed = *upd.AcceptHours, append(changed, fmt.Sprintf("accept_hours=%d", *upd.AcceptHours))
			if o.AcceptHours < 1 {
				return safeguard.Errorf(safeguard.EINVALID, "accept_hours must be between 1 and 8760, not %d", o.AcceptHours)
			}
		}
		if err := o.Validate(); err != nil {
			return err
		} else if len(changed) == 0 {
			return nil
		}
		if _, err := tx.exec(`UPDATE operations SET status = $1, ends_at = $2, forces = $3, coordinators = $4,
			accept_hours = $5 WHERE id = $6`, o.Status, o.EndsAt, jsonList(o.Forces), jsonList(o.Coordinators),
			o.AcceptHours, o.ID); err != nil {
			return err
		}
		return tx.audit("operation.update", "operation", id(o.ID), strings.Join(changed, " "))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

const operationColumns = `id, code, name, status, starts_at, ends_at, forces, coordinators, accept_hours, created_by, created_at`

func scanOperation(sc interface{ Scan(...any) error }) (*safeguard.Operation, error) {
	o := &safeguard.Operation{}
	var forces, coords string
	err := sc.Scan(&o.ID, &o.Code, &o.Name, &o.Status, timeCol{&o.StartsAt}, nullTimeCol{&o.EndsAt}, &forces, &coords,
		&o.AcceptHours, &o.CreatedBy, timeCol{&o.CreatedAt})
	if err != nil {
		return o, translate(err)
	}
	if err := json.Unmarshal([]byte(forces), &o.Forces); err != nil {
		return o, translate(err)
	}
	return o, translate(json.Unmarshal([]byte(coords), &o.Coordinators))
}

// findOperation returns the operation matching where ($1 = arg), or
// ENOTFOUND.
func findOperation(tx *Tx, where string, arg any) (*safeguard.Operation, error) {
	o, err := scanOperation(tx.tx.QueryRowContext(tx.ctx, tx.db.rebind(`SELECT `+operationColumns+` FROM operations WHERE `+where), arg))
	if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		if code, ok := arg.(string); ok {
			return nil, safeguard.Errorf(safeguard.ENOTFOUND, "no operation with code %q", code)
		}
		return nil, safeguard.Errorf(safeguard.ENOTFOUND, "no such operation")
	}
	return o, err
}

// FindOperationByCode returns the operation. Requires PermReadOperational,
// PermManageOps or PermReadReports. Returns ENOTFOUND if there is none.
func (s *OperationService) FindOperationByCode(ctx context.Context, code string) (*safeguard.Operation, error) {
	var o *safeguard.Operation
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("operation.read", safeguard.PermReadOperational, safeguard.PermManageOps, safeguard.PermReadReports); err != nil {
			return err
		}
		var err error
		o, err = findOperation(tx, "code = $1", code)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// FindOperations lists operations, newest first. Requires
// PermReadOperational, PermManageOps or PermReadReports.
func (s *OperationService) FindOperations(ctx context.Context) ([]*safeguard.Operation, error) {
	var ops []*safeguard.Operation
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("operation.list", safeguard.PermReadOperational, safeguard.PermManageOps, safeguard.PermReadReports); err != nil {
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
// the subject is allocated to when empty. It sets p's ID, status (sent),
// SentAt and AcceptBy (the operation's acceptance time from now).
//
// Deconfliction runs first: if the subject, any of its identifiers or its
// installation address is held by another force or another operation not
// closed, it returns a *safeguard.DeconflictionError (ECONFLICT) naming
// the holders, unless p.Coordinated confirms they have been contacted,
// which is audited (deconflict.confirm).
//
// Requires PermManageOps. Returns ENOTFOUND for an unknown operation,
// subject or force, EINVALID if no force is named or allocated, the force
// does not take part in the operation or the operation is closed.
func (s *OperationService) SendPackage(ctx context.Context, p *safeguard.Package) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("package.send", safeguard.PermManageOps)
		if err != nil {
			return err
		}
		op, err := findOperation(tx, "id = $1", p.OperationID)
		if err != nil {
			return err
		} else if op.Status == safeguard.OpClosed {
			return safeguard.Errorf(safeguard.EINVALID, "operation %s is closed: no more packages", op.Code)
		}
		subj, err := visibleSubject(tx, "id = $1", p.SubjectID)
		if err != nil {
			return err
		}
		if p.ForceCode == "" {
			p.ForceCode = subj.ForceCode
		}
		if p.ForceCode == "" {
			return safeguard.Errorf(safeguard.EINVALID, "the subject is not allocated to a force: name the force to send the package to")
		} else if _, err := findForce(tx, p.ForceCode); err != nil {
			return err
		} else if len(op.Forces) > 0 && !slices.Contains(op.Forces, p.ForceCode) {
			return safeguard.Errorf(safeguard.EINVALID, "force %s does not take part in operation %s (forces: %s)",
				p.ForceCode, op.Code, strings.Join(op.Forces, ", "))
		}
		hits, err := deconflict(tx, safeguard.DeconflictRequest{SubjectID: subj.ID, ForceCode: p.ForceCode, OperationID: op.ID})
		if err != nil {
			return err
		}
		if err := confirmCoordinated(tx, hits, p.Coordinated, "subject", id(subj.ID)); err != nil {
			return err
		}
		var addr any
		if subj.Address != "" {
			if addr, err = tx.blindIndex(&safeguard.Identifier{Kind: safeguard.IdentAddress, Value: subj.Address}, ""); err != nil {
				return err
			}
		}
		by := tx.now.Add(time.Duration(op.AcceptHours) * time.Hour)
		p.Status, p.SentAt, p.AcceptBy, p.AnsweredAt, p.AnswerNote = safeguard.PackageSent, tx.now, &by, nil, ""
		p.SubjectRef, p.SubjectBand, p.Overdue, p.OperationCode = subj.Ref, subj.Band, false, op.Code
		p.ID, err = tx.insert(`INSERT INTO packages (operation_id, subject_id, force_code, status, note, sent_by, sent_at,
			accept_by, address_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.OperationID, p.SubjectID, p.ForceCode, p.Status, p.Note, a.Label(), tx.now, by, addr)
		if err != nil {
			return err
		}
		return tx.audit("package.send", "package", id(p.ID),
			fmt.Sprintf("operation=%d subject=%d force=%s", p.OperationID, p.SubjectID, p.ForceCode))
	})
}

// confirmCoordinated stops on deconfliction hits unless the user confirmed
// coordination, which is then audited with the holders.
func confirmCoordinated(tx *Tx, hits []*safeguard.DeconflictHit, confirmed bool, objType, objID string) error {
	if len(hits) == 0 {
		return nil
	} else if !confirmed {
		return &safeguard.DeconflictionError{Hits: hits}
	}
	var held []string
	for _, h := range hits {
		if h.HeldBy == safeguard.HeldByPackage {
			held = append(held, fmt.Sprintf("%s:package=%d:%s", h.Match, h.PackageID, h.ForceCode))
		} else {
			held = append(held, fmt.Sprintf("%s:allocation=%s:%s", h.Match, h.SubjectRef, h.ForceCode))
		}
	}
	return tx.audit("deconflict.confirm", objType, objID, "coordinated with "+strings.Join(held, " "))
}

const packageColumns = `p.id, p.operation_id, o.code, p.subject_id, p.force_code, p.status, p.note, p.answer_note, p.sent_at,
	p.answered_at, p.accept_by, s.ref, s.band`

// packageFrom joins a package to its operation's code and its subject's
// pseudonymous reference and band, never to its personal data.
const packageFrom = ` FROM packages p JOIN subjects s ON s.id = p.subject_id JOIN operations o ON o.id = p.operation_id`

func scanPackage(tx *Tx, sc interface{ Scan(...any) error }) (*safeguard.Package, error) {
	p := &safeguard.Package{}
	var band string
	err := sc.Scan(&p.ID, &p.OperationID, &p.OperationCode, &p.SubjectID, &p.ForceCode, &p.Status, &p.Note, &p.AnswerNote,
		timeCol{&p.SentAt}, nullTimeCol{&p.AnsweredAt}, nullTimeCol{&p.AcceptBy}, &p.SubjectRef, &band)
	p.SubjectBand = safeguard.Band(band)
	p.Overdue = p.Status == safeguard.PackageSent && p.AcceptBy != nil && p.AcceptBy.Before(tx.now)
	return p, translate(err)
}

func errNoPackage() error { return safeguard.Errorf(safeguard.ENOTFOUND, "no such package") }

// visiblePackage returns the package if the actor's force may see it.
// Otherwise it returns ENOTFOUND, auditing the attempt as action+".denied"
// and marking the error so the transaction still commits.
func visiblePackage(tx *Tx, packageID int64, action string) (*safeguard.Package, error) {
	p, err := scanPackage(tx, tx.tx.QueryRowContext(tx.ctx, tx.db.rebind(`SELECT `+packageColumns+packageFrom+` WHERE p.id = $1`), packageID))
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

// AnswerPackage accepts or returns a sent package; a return needs a
// reason (note). Requires PermAcceptPackages; a force user may answer only
// their force's packages. Returns EINVALID for another status or a return
// without a reason, ENOTFOUND if there is no such package or the actor may
// not see it (audited as package.answer.denied), ECONFLICT if it has
// already been answered.
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
		} else if status == safeguard.PackageReturned && strings.TrimSpace(note) == "" {
			return safeguard.Errorf(safeguard.EINVALID, "a returned package needs a reason")
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
		detail := "status=" + status
		if p.Overdue {
			detail += " overdue"
		}
		p.Status, p.AnswerNote, p.AnsweredAt, p.Overdue = status, note, &now, false
		return tx.audit("package.answer", "package", id(p.ID), detail)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ReassignPackage moves a package to another force, for instance when the
// installation address turns out to be in its area. The move is kept in
// the package's history with the reason; the package is sent again, with a
// new acceptance deadline, and its actions stay with it. Requires
// PermManageOps. Returns EINVALID for no reason or the same force,
// ENOTFOUND for an unknown package or force.
func (s *OperationService) ReassignPackage(ctx context.Context, packageID int64, force, reason string) (*safeguard.Package, error) {
	var p *safeguard.Package
	err := s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("package.reassign", safeguard.PermManageOps)
		if err != nil {
			return err
		}
		if p, err = visiblePackage(tx, packageID, "package.reassign"); err != nil {
			return err
		} else if strings.TrimSpace(reason) == "" {
			return safeguard.Errorf(safeguard.EINVALID, "a re-assignment needs a reason")
		} else if force == p.ForceCode {
			return safeguard.Errorf(safeguard.EINVALID, "the package is already with %s", force)
		} else if _, err := findForce(tx, force); err != nil {
			return err
		}
		op, err := findOperation(tx, "id = $1", p.OperationID)
		if err != nil {
			return err
		} else if len(op.Forces) > 0 && !slices.Contains(op.Forces, force) {
			return safeguard.Errorf(safeguard.EINVALID, "force %s does not take part in operation %s", force, op.Code)
		}
		by := tx.now.Add(time.Duration(op.AcceptHours) * time.Hour)
		if _, err := tx.exec(`INSERT INTO package_assignments (package_id, from_force, to_force, reason, assigned_by, at)
			VALUES ($1, $2, $3, $4, $5, $6)`, p.ID, p.ForceCode, force, reason, a.Label(), tx.now); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE packages SET force_code = $1, status = $2, answer_note = '', answered_by = '',
			answered_at = NULL, accept_by = $3 WHERE id = $4`, force, safeguard.PackageSent, by, p.ID); err != nil {
			return err
		}
		from := p.ForceCode
		p.ForceCode, p.Status, p.AnswerNote, p.AnsweredAt, p.AcceptBy, p.Overdue = force, safeguard.PackageSent, "", nil, &by, false
		if p.History, err = packageHistory(tx, p.ID); err != nil {
			return err
		}
		return tx.audit("package.reassign", "package", id(p.ID), "from="+from+" to="+force)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// packageHistory lists a package's re-assignments, oldest first.
func packageHistory(tx *Tx, packageID int64) ([]*safeguard.PackageAssignment, error) {
	rows, err := tx.query(`SELECT from_force, to_force, reason, assigned_by, at FROM package_assignments
		WHERE package_id = $1 ORDER BY id`, packageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*safeguard.PackageAssignment
	for rows.Next() {
		h := &safeguard.PackageAssignment{}
		if err := rows.Scan(&h.FromForce, &h.ToForce, &h.Reason, &h.AssignedBy, timeCol{&h.At}); err != nil {
			return nil, translate(err)
		}
		out = append(out, h)
	}
	return out, translate(rows.Err())
}

// FindPackage returns one package with its re-assignment history and
// audits the read (package.read). Requires PermReadOperational or
// PermManageOps. Returns ENOTFOUND if there is no such package or the
// actor's force may not see it (audited as package.read.denied).
func (s *OperationService) FindPackage(ctx context.Context, packageID int64) (*safeguard.Package, error) {
	var p *safeguard.Package
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("package.read", safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		var err error
		if p, err = visiblePackage(tx, packageID, "package.read"); err != nil {
			return err
		}
		if p.History, err = packageHistory(tx, p.ID); err != nil {
			return err
		}
		return tx.audit("package.read", "package", id(p.ID), "")
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
		if _, err := tx.require("package.list", safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		if _, err := findOperation(tx, "id = $1", operationID); err != nil {
			return err
		}
		var err error
		if pkgs, err = visiblePackages(tx, operationID); err != nil {
			return err
		}
		return tx.audit("package.list", "operation", id(operationID), fmt.Sprintf("packages=%d", len(pkgs)))
	})
	if err != nil {
		return nil, err
	}
	return pkgs, nil
}

// visiblePackages lists the operation's packages the actor's force may see.
func visiblePackages(tx *Tx, operationID int64) ([]*safeguard.Package, error) {
	q, args := `SELECT `+packageColumns+packageFrom+` WHERE p.operation_id = $1`, []any{operationID}
	if a := tx.actor; a.Kind != safeguard.ActorSystem && a.Role.ForceScoped() {
		q, args = q+` AND p.force_code = $2`, append(args, a.ForceCode)
	}
	rows, err := tx.query(q+` ORDER BY p.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pkgs := []*safeguard.Package{}
	for rows.Next() {
		p, err := scanPackage(tx, rows)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, translate(rows.Err())
}

const actionColumns = `id, package_id, kind, count, at, officer, note, override_reason, supersedes, correction_note,
	idempotency_key, recorded_by, created_at`

func scanAction(sc interface{ Scan(...any) error }) (*safeguard.Action, error) {
	a := &safeguard.Action{}
	var supersedes sql.NullInt64
	var key sql.NullString
	if err := sc.Scan(&a.ID, &a.PackageID, &a.Kind, &a.Count, timeCol{&a.At}, &a.Officer, &a.Note, &a.OverrideReason,
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
