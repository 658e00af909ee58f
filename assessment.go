package safeguard

import (
	"context"
	"time"
)

// Band is a risk band; each is tied to how soon to act.
type Band string

// Bands, most urgent first.
const (
	BandImmediate Band = "immediate"
	BandHigh      Band = "high"
	BandMedium    Band = "medium"
	BandLow       Band = "low"
)

// Bands lists the bands most urgent first.
var Bands = []Band{BandImmediate, BandHigh, BandMedium, BandLow}

// Rank orders bands: 0 for immediate up to 3 for low, 4 for none.
func (b Band) Rank() int {
	for i, v := range Bands {
		if b == v {
			return i
		}
	}
	return len(Bands)
}

// Valid reports whether b is a defined band.
func (b Band) Valid() bool { return b.Rank() < len(Bands) }

// RuleFired is one line of an assessment's trace.
type RuleFired struct {
	Rule   string `json:"rule"`
	Effect string `json:"effect"` // e.g. "band>=high", "+2"
	Reason string `json:"reason"`
}

// Assessment is a subject's band and due date under a policy version, with
// the trace of every rule that fired. An override needs a reason.
type Assessment struct {
	ID             int64       `json:"id"`
	SubjectID      int64       `json:"subject_id"`
	Band           Band        `json:"band"`
	Score          float64     `json:"score"`
	DueAt          time.Time   `json:"due_at"`
	PolicyVersion  string      `json:"policy_version"`
	Trace          []RuleFired `json:"trace"`
	OverrideReason string      `json:"override_reason,omitempty"`
	// ComputedBand is the band the policy gave, kept beside Band when an
	// override stands; "" for assessments made before it was kept.
	ComputedBand Band      `json:"computed_band,omitempty"`
	AssessedBy   string    `json:"assessed_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate returns EINVALID for an unknown band or a missing policy version.
func (a *Assessment) Validate() error {
	if !a.Band.Valid() {
		return Errorf(EINVALID, "unknown band %q", a.Band)
	} else if a.PolicyVersion == "" {
		return Errorf(EINVALID, "assessment needs a policy version")
	} else if a.DueAt.IsZero() {
		return Errorf(EINVALID, "assessment needs a due date")
	}
	return nil
}

// AssessmentService records assessments. The latest one sets the subject's
// band and due date.
type AssessmentService interface {
	// CreateAssessment stores a and updates the subject. Requires PermAssess.
	CreateAssessment(ctx context.Context, a *Assessment) error
	// FindAssessments returns a subject's assessments, newest first.
	FindAssessments(ctx context.Context, subjectID int64) ([]*Assessment, error)
}
