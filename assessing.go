package safeguard

import (
	"context"
	"time"
)

// FactFromAttribution marks a fact derived from the subject's attribution
// (its IP events resolved against ISP records).
const FactFromAttribution = "attribution"

// FactEntry is a fact an analyst recorded on a subject: a fact path of the
// risk policy (e.g. "access_to_children.occupation") and its JSON value
// (true, a count, or a word). Entries are never edited: a wrong one is
// retracted with a reason and stays in the history.
type FactEntry struct {
	ID            int64      `json:"id"`
	SubjectID     int64      `json:"subject_id"`
	Path          string     `json:"path"`
	Value         string     `json:"value"` // JSON
	Note          string     `json:"note,omitempty"`
	RecordedBy    string     `json:"recorded_by"`
	RecordedAt    time.Time  `json:"recorded_at"`
	RetractedBy   string     `json:"retracted_by,omitempty"`
	RetractedAt   *time.Time `json:"retracted_at,omitempty"`
	RetractReason string     `json:"retract_reason,omitempty"`
}

// BandOverride is a supervisor's change of a subject's band, with the
// reason. The computed band is still shown beside it, and a later fact that
// would raise the band above it still raises it.
type BandOverride struct {
	ID        int64      `json:"id"`
	SubjectID int64      `json:"subject_id"`
	Band      Band       `json:"band"`
	Reason    string     `json:"reason"`
	SetBy     string     `json:"set_by"`
	SetAt     time.Time  `json:"set_at"`
	EndedBy   string     `json:"ended_by,omitempty"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

// CPORTRecord is a CPORT score an investigator completed: the seven yes/no
// answers (nil for unknown), the total, and whether it is valid (not with
// more than one item missing).
type CPORTRecord struct {
	ID         int64     `json:"id"`
	SubjectID  int64     `json:"subject_id"`
	Answers    [7]*bool  `json:"answers"`
	Score      int       `json:"score"`
	Missing    int       `json:"missing"`
	Valid      bool      `json:"valid"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Risk policy statuses: a candidate is tried over the backlog before it is
// applied (active) or discarded; the policy it replaces is retired.
const (
	PolicyCandidate = "candidate"
	PolicyActive    = "active"
	PolicyRetired   = "retired"
	PolicyDiscarded = "discarded"
)

// RiskPolicy is a risk policy document as loaded.
type RiskPolicy struct {
	ID        int64      `json:"id"`
	Version   string     `json:"version"`
	Name      string     `json:"name"`
	Document  []byte     `json:"-"`
	SHA256    string     `json:"sha256"`
	Status    string     `json:"status"`
	LoadedBy  string     `json:"loaded_by"`
	LoadedAt  time.Time  `json:"loaded_at"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

// BandMove is one subject whose band a candidate policy would change.
type BandMove struct {
	SubjectRef string `json:"subject_ref"`
	ForceCode  string `json:"force_code"`
	From       Band   `json:"from"`
	To         Band   `json:"to"`
}

// PolicyWhatIf is what a candidate policy would do to the open backlog,
// computed without saving anything: how many subjects move between bands,
// per force, and which.
type PolicyWhatIf struct {
	Candidate string `json:"candidate"`
	Active    string `json:"active"`
	Subjects  int    `json:"subjects"` // assessed
	// Moves counts subjects by "from>to", e.g. "high>immediate".
	Moves map[string]int `json:"moves"`
	// ByForce counts moves per force ("" is the national centre).
	ByForce map[string]map[string]int `json:"by_force"`
	// Which lists the moved subjects, up to a limit.
	Which     []BandMove `json:"which"`
	Truncated bool       `json:"truncated"`
}

// RiskService keeps what assessments read and the policies they run under.
// Every change marks the subject for re-assessment; the assessor does it
// within a second.
type RiskService interface {
	// RecordFact stores an analyst's fact. Requires PermAssess. Returns
	// EINVALID for an unknown path or a value of the wrong kind, ENOTFOUND
	// for a subject the actor may not see.
	RecordFact(ctx context.Context, e *FactEntry) error
	// RetractFact retracts an entry with a reason. Requires PermAssess.
	RetractFact(ctx context.Context, id int64, reason string) error
	// FindFacts lists a subject's entries, retracted ones included.
	FindFacts(ctx context.Context, subjectID int64) ([]*FactEntry, error)
	// SetOverride sets a band override with a reason. Requires
	// PermOverrideBand. Returns EINVALID without a reason.
	SetOverride(ctx context.Context, subjectID int64, band Band, reason string) (*BandOverride, error)
	// EndOverride ends the subject's override. Requires PermOverrideBand.
	EndOverride(ctx context.Context, subjectID int64) error
	// FindOverrides lists a subject's overrides, newest first.
	FindOverrides(ctx context.Context, subjectID int64) ([]*BandOverride, error)
	// RecordCPORT scores and stores a CPORT. Requires PermAssess or
	// PermRecordActions (the investigator completes it).
	RecordCPORT(ctx context.Context, subjectID int64, answers [7]*bool) (*CPORTRecord, error)
	// FindCPORT lists a subject's CPORT scores, newest first.
	FindCPORT(ctx context.Context, subjectID int64) ([]*CPORTRecord, error)

	// LoadPolicy validates a policy document and stores it as a
	// candidate. Requires PermManagePolicies. Returns EINVALID with the
	// errors by path, ECONFLICT if the version exists.
	LoadPolicy(ctx context.Context, document []byte) (*RiskPolicy, error)
	// FindPolicies lists the policies, newest first.
	FindPolicies(ctx context.Context) ([]*RiskPolicy, error)
	// WhatIf runs a candidate over the open backlog without saving.
	WhatIf(ctx context.Context, version string, limit int) (*PolicyWhatIf, error)
	// ApplyPolicy makes a candidate the active policy and marks every
	// subject for re-assessment, which the assessor works through in the
	// background. Requires PermManagePolicies.
	ApplyPolicy(ctx context.Context, version string) error
	// DiscardPolicy discards a candidate. Requires PermManagePolicies.
	DiscardPolicy(ctx context.Context, version string) error
}
