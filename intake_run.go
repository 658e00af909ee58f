package safeguard

import (
	"context"
	"time"
)

// Ingest run origins.
const (
	IngestCLI = "cli" // a `safeguard ingest` run
	IngestAPI = "api" // referrals posted to the API, one run a day and actor
)

// IngestRun is a batch of intake: one `safeguard ingest` run, or a day of
// one actor's API posts. FinishedAt is nil for a run that has not ended
// (or was killed: its referrals are still counted by the rerun).
type IngestRun struct {
	ID         int64      `json:"id"`
	Origin     string     `json:"origin"`
	Actor      string     `json:"actor"`
	Files      []string   `json:"files,omitempty"`
	Accepted   int        `json:"accepted"`
	Duplicates int        `json:"duplicates"`
	Rejected   int        `json:"rejected"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// IngestRejection is a document or record that was refused: the file (or
// the API route), where in it, and why. Error may quote the input.
type IngestRejection struct {
	ID        int64     `json:"id"`
	RunID     int64     `json:"run_id"`
	File      string    `json:"file"`
	Where     string    `json:"where"`
	Error     string    `json:"error"`
	CreatedAt time.Time `json:"created_at"`
}

// IngestRunService records intake runs for the intake page. Recording
// requires PermIntake, reading PermIntake too (the errors may quote
// personal data); it returns EFORBIDDEN otherwise.
type IngestRunService interface {
	// StartIngestRun stores a new run and sets its ID and StartedAt.
	StartIngestRun(ctx context.Context, run *IngestRun) error
	// FinishIngestRun stores the run's counts and rejections and ends it.
	// Returns ENOTFOUND for an unknown run.
	FinishIngestRun(ctx context.Context, run *IngestRun, rejected []IngestRejection) error
	// RecordAPIIngest counts one API post in the actor's run of the day:
	// accepted, a duplicate, or (rej non-nil) rejected.
	RecordAPIIngest(ctx context.Context, duplicate bool, rej *IngestRejection) error
	// FindIngestRuns returns the latest runs, newest first.
	FindIngestRuns(ctx context.Context, limit int) ([]*IngestRun, error)
	// FindIngestRejections returns the latest rejections, newest first.
	FindIngestRejections(ctx context.Context, limit int) ([]*IngestRejection, error)
}
