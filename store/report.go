package store

import (
	"context"
	"fmt"
	"strings"

	"safeguard"
)

// OperationReport computes an operation's report over the packages the
// actor may see (a force user: their force's), from recorded actions only,
// and audits the read (operation.report). Requires PermReadOperational,
// PermManageOps or PermReadReports; a reader with only PermReadReports
// (an auditor) gets no free-text notes. Returns ENOTFOUND for an unknown
// operation.
func (s *OperationService) OperationReport(ctx context.Context, code string) (*safeguard.OperationReport, error) {
	var r *safeguard.OperationReport
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("operation.report", safeguard.PermReadOperational, safeguard.PermManageOps, safeguard.PermReadReports)
		if err != nil {
			return err
		}
		op, err := findOperation(tx, "code = $1", code)
		if err != nil {
			return err
		}
		pkgs, err := visiblePackages(tx, op.ID)
		if err != nil {
			return err
		}
		actions, err := operationActions(tx, op.ID)
		if err != nil {
			return err
		}
		if !a.Can(safeguard.PermReadOperational) && !a.Can(safeguard.PermManageOps) {
			for _, p := range pkgs {
				p.Note, p.AnswerNote = "", ""
			}
			for _, ac := range actions {
				ac.Note, ac.OverrideReason, ac.CorrectionNote = "", "", ""
			}
		}
		r = safeguard.BuildReport(op, pkgs, actions, tx.now)
		return tx.audit("operation.report", "operation", id(op.ID), fmt.Sprintf("packages=%d actions=%d", len(pkgs), len(actions)))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// operationActions lists every action of the operation's packages the
// actor may see, corrections and superseded ones included.
func operationActions(tx *Tx, operationID int64) ([]*safeguard.Action, error) {
	cols := "a." + strings.Join(strings.Fields(strings.ReplaceAll(actionColumns, ",", " ")), ", a.")
	q, args := `SELECT `+cols+` FROM actions a JOIN packages p ON p.id = a.package_id WHERE p.operation_id = $1`, []any{operationID}
	if a := tx.actor; a.Kind != safeguard.ActorSystem && a.Role.ForceScoped() {
		q, args = q+` AND p.force_code = $2`, append(args, a.ForceCode)
	}
	rows, err := tx.query(q+` ORDER BY a.at, a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*safeguard.Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// FindActionFeed lists up to limit actions with an id above afterID, in id
// order, of one operation (0 for every operation), that the actor may see:
// a force user only their force's. It feeds the live picture, which polls
// it, so it is not audited: an event holds no notes and no personal data,
// only the kind, count, time, package and force. Requires
// PermReadOperational or PermManageOps.
func (s *OperationService) FindActionFeed(ctx context.Context, operationID, afterID int64, limit int) ([]*safeguard.ActionEvent, error) {
	var out []*safeguard.ActionEvent
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("action.feed", safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		q := `SELECT a.id, p.operation_id, o.code, a.package_id, p.force_code, a.kind, a.count, a.at, a.supersedes
			FROM actions a JOIN packages p ON p.id = a.package_id JOIN operations o ON o.id = p.operation_id
			WHERE a.id > $1`
		args := []any{afterID}
		if operationID != 0 {
			args = append(args, operationID)
			q += fmt.Sprintf(` AND p.operation_id = $%d`, len(args))
		}
		if a := tx.actor; a.Kind != safeguard.ActorSystem && a.Role.ForceScoped() {
			args = append(args, a.ForceCode)
			q += fmt.Sprintf(` AND p.force_code = $%d`, len(args))
		}
		rows, err := tx.query(q+fmt.Sprintf(` ORDER BY a.id LIMIT %d`, pageLimit(limit)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			e := &safeguard.ActionEvent{}
			var sup *int64
			if err := rows.Scan(&e.ID, &e.OperationID, &e.OperationCode, &e.PackageID, &e.ForceCode, &e.Kind, &e.Count,
				timeCol{&e.At}, &sup); err != nil {
				return translate(err)
			}
			e.Supersedes = sup
			out = append(out, e)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
