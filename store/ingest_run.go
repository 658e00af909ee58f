package store

import (
	"context"
	"fmt"
	"strings"

	"safeguard"
)

// ctxRejectionError seals a rejection's error, which may quote the input.
const ctxRejectionError = "ingest_rejection.error"

// maxRunRejections bounds the rejections one run stores; the command's
// summary still lists them all.
const maxRunRejections = 1000

// IngestRunService records intake runs and their rejections.
type IngestRunService struct{ db *DB }

var _ safeguard.IngestRunService = (*IngestRunService)(nil)

// NewIngestRunService returns an IngestRunService over db.
func NewIngestRunService(db *DB) *IngestRunService { return &IngestRunService{db: db} }

// StartIngestRun stores a new run by the actor and sets its ID, Actor and
// StartedAt. Requires PermIntake.
func (s *IngestRunService) StartIngestRun(ctx context.Context, run *safeguard.IngestRun) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("ingest.start", safeguard.PermIntake)
		if err != nil {
			return err
		}
		if run.Origin == "" {
			run.Origin = safeguard.IngestCLI
		}
		run.Actor, run.StartedAt = a.Label(), tx.now
		if run.ID, err = tx.insert(`INSERT INTO ingest_runs (origin, actor, files, started_at) VALUES ($1, $2, $3, $4)`,
			run.Origin, run.Actor, strings.Join(run.Files, "\n"), tx.now); err != nil {
			return err
		}
		return tx.audit("ingest.start", "ingest_run", id(run.ID), fmt.Sprintf("origin=%s files=%d", run.Origin, len(run.Files)))
	})
}

// FinishIngestRun stores the run's counts and (up to maxRunRejections)
// rejections, their errors sealed, and ends it. Requires PermIntake;
// returns ENOTFOUND for an unknown run.
func (s *IngestRunService) FinishIngestRun(ctx context.Context, run *safeguard.IngestRun, rejected []safeguard.IngestRejection) error {
	return s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("ingest.finish", safeguard.PermIntake); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE ingest_runs SET accepted = $1, duplicates = $2, rejected = $3, finished_at = $4 WHERE id = $5`,
			run.Accepted, run.Duplicates, run.Rejected, tx.now, run.ID)
		if err != nil {
			return err
		} else if n, _ := res.RowsAffected(); n == 0 {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no ingest run %d", run.ID)
		}
		now := tx.now
		run.FinishedAt = &now
		for i, r := range rejected {
			if i == maxRunRejections {
				break
			}
			if err := insertRejection(tx, run.ID, r); err != nil {
				return err
			}
		}
		return tx.audit("ingest.finish", "ingest_run", id(run.ID), fmt.Sprintf("accepted=%d duplicates=%d rejected=%d",
			run.Accepted, run.Duplicates, run.Rejected))
	})
}

func insertRejection(tx *Tx, runID int64, r safeguard.IngestRejection) error {
	enc, err := tx.sealString(r.Error, ctxRejectionError)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO ingest_rejections (run_id, file, location, error_enc, created_at) VALUES ($1, $2, $3, $4, $5)`,
		runID, r.File, r.Where, enc, tx.now)
	return err
}

// RecordAPIIngest counts one API post in the actor's run of the day (UTC),
// storing the rejection when rej is set. Requires PermIntake.
func (s *IngestRunService) RecordAPIIngest(ctx context.Context, duplicate bool, rej *safeguard.IngestRejection) error {
	return s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("ingest.api", safeguard.PermIntake)
		if err != nil {
			return err
		}
		acc, dup, bad := 0, 0, 0
		switch {
		case rej != nil:
			bad = 1
		case duplicate:
			dup = 1
		default:
			acc = 1
		}
		key := "api:" + tx.now.Format("2006-01-02") + ":" + a.Label()
		var runID int64
		if err := tx.queryRow(`INSERT INTO ingest_runs (origin, actor, api_key, accepted, duplicates, rejected, started_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (api_key) DO UPDATE SET accepted = ingest_runs.accepted + $4,
				duplicates = ingest_runs.duplicates + $5, rejected = ingest_runs.rejected + $6
			RETURNING id`, []any{safeguard.IngestAPI, a.Label(), key, acc, dup, bad, tx.now}, &runID); err != nil {
			return err
		}
		if rej == nil {
			return nil // the referral's own audit event records it
		}
		if err := insertRejection(tx, runID, *rej); err != nil {
			return err
		}
		return tx.audit("ingest.reject", "ingest_run", id(runID), "where="+rej.Where)
	})
}

// FindIngestRuns returns the latest runs, newest first (at most 1000).
// Requires PermIntake.
func (s *IngestRunService) FindIngestRuns(ctx context.Context, limit int) ([]*safeguard.IngestRun, error) {
	var out []*safeguard.IngestRun
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("ingest.list", safeguard.PermIntake); err != nil {
			return err
		}
		rows, err := tx.query(fmt.Sprintf(`SELECT id, origin, actor, files, accepted, duplicates, rejected, started_at, finished_at
			FROM ingest_runs ORDER BY started_at DESC, id DESC LIMIT %d`, pageLimit(limit)))
		if err != nil {
			return err
		}
		for rows.Next() {
			r := &safeguard.IngestRun{}
			var files string
			if err := rows.Scan(&r.ID, &r.Origin, &r.Actor, &files, &r.Accepted, &r.Duplicates, &r.Rejected,
				timeCol{&r.StartedAt}, nullTimeCol{&r.FinishedAt}); err != nil {
				rows.Close()
				return translate(err)
			}
			if files != "" {
				r.Files = strings.Split(files, "\n")
			}
			out = append(out, r)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		return tx.audit("ingest.list", "ingest_run", "", fmt.Sprintf("runs=%d", len(out)))
	})
	return out, err
}

// FindIngestRejections returns the latest rejections, newest first (at
// most 1000), their errors opened. Requires PermIntake.
func (s *IngestRunService) FindIngestRejections(ctx context.Context, limit int) ([]*safeguard.IngestRejection, error) {
	var out []*safeguard.IngestRejection
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("ingest.rejections", safeguard.PermIntake); err != nil {
			return err
		}
		rows, err := tx.query(fmt.Sprintf(`SELECT id, run_id, file, location, error_enc, created_at
			FROM ingest_rejections ORDER BY created_at DESC, id DESC LIMIT %d`, pageLimit(limit)))
		if err != nil {
			return err
		}
		for rows.Next() {
			r := &safeguard.IngestRejection{}
			var enc []byte
			if err := rows.Scan(&r.ID, &r.RunID, &r.File, &r.Where, &enc, timeCol{&r.CreatedAt}); err != nil {
				rows.Close()
				return translate(err)
			}
			if r.Error, err = tx.openString(enc, ctxRejectionError); err != nil {
				rows.Close()
				return err
			}
			out = append(out, r)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		return tx.audit("ingest.rejections", "ingest_run", "", fmt.Sprintf("rejections=%d", len(out)))
	})
	return out, err
}
