package safeguard

import (
	"context"
	"time"
)

// BacklogItem is one open, assessed subject as a capacity forecast sees
// it: the force that holds it ("" for the national centre), its band and
// its due date. Nothing in it identifies anyone.
type BacklogItem struct {
	ForceCode string
	Band      Band
	DueAt     time.Time
}

// BacklogService reads the backlog for forecasts.
type BacklogService interface {
	// FindBacklog returns every open, assessed subject the actor may see
	// (a force user: their force's only). Requires PermReadReports or
	// PermReadOperational.
	FindBacklog(ctx context.Context) ([]BacklogItem, error)
}
