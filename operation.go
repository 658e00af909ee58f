package safeguard

import (
	"context"
	"time"
)

// Operation groups packages sent to forces under one national code.
type Operation struct {
	ID        int64      `json:"id"`
	Code      string     `json:"code"` // e.g. OP-LANTERN
	Name      string     `json:"name"`
	StartsAt  time.Time  `json:"starts_at"`
	EndsAt    *time.Time `json:"ends_at,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// Validate returns EINVALID for a missing code or name.
func (o *Operation) Validate() error {
	if o.Code == "" || o.Name == "" {
		return Errorf(EINVALID, "operation needs a code and a name")
	}
	return nil
}

// Package statuses.
const (
	PackageSent     = "sent"
	PackageAccepted = "accepted"
	PackageReturned = "returned"
)

// Package hands a subject to a force within an operation.
type Package struct {
	ID          int64      `json:"id"`
	OperationID int64      `json:"operation_id"`
	SubjectID   int64      `json:"subject_id"`
	ForceCode   string     `json:"force_code"`
	Status      string     `json:"status"`
	Note        string     `json:"note,omitempty"`        // the sender's
	AnswerNote  string     `json:"answer_note,omitempty"` // the force's, when it accepts or returns
	SentAt      time.Time  `json:"sent_at"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// Action kinds.
const (
	ActWarrantApplied      = "warrant_applied"
	ActWarrantGranted      = "warrant_granted"
	ActWarrantRefused      = "warrant_refused"
	ActWarrantExecuted     = "warrant_executed"
	ActArrest              = "arrest"
	ActVoluntaryInterview  = "voluntary_interview"
	ActSearch              = "search"
	ActDevicesSeized       = "devices_seized"
	ActChildrenSafeguarded = "children_safeguarded"
	ActSocialCareReferral  = "social_care_referral"
	ActNoFurtherAction     = "no_further_action"
	ActCharge              = "charge"
)

// ActionKinds lists every action kind.
var ActionKinds = []string{ActWarrantApplied, ActWarrantGranted, ActWarrantRefused,
	ActWarrantExecuted, ActArrest, ActVoluntaryInterview, ActSearch, ActDevicesSeized,
	ActChildrenSafeguarded, ActSocialCareReferral, ActNoFurtherAction, ActCharge}

// IsWarrant reports whether the kind is a warrant action, which needs a
// corroborated attribution or an audited override.
func IsWarrant(kind string) bool {
	return kind == ActWarrantApplied || kind == ActWarrantGranted || kind == ActWarrantExecuted
}

// Action is something a force did for a package. Actions are never edited:
// a correction is a new action that supersedes the old one, with a reason.
type Action struct {
	ID             int64     `json:"id"`
	PackageID      int64     `json:"package_id"`
	Kind           string    `json:"kind"`
	Count          int       `json:"count,omitempty"` // devices seized, children safeguarded
	At             time.Time `json:"at"`
	Note           string    `json:"note,omitempty"`
	OverrideReason string    `json:"override_reason,omitempty"`
	Supersedes     *int64    `json:"supersedes,omitempty"`
	CorrectionNote string    `json:"correction_reason,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	RecordedBy     string    `json:"recorded_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// Validate returns EINVALID for an unknown kind, a missing count where one
// is needed, or a correction without a reason.
func (a *Action) Validate() error {
	known := false
	for _, k := range ActionKinds {
		known = known || k == a.Kind
	}
	if !known {
		return Errorf(EINVALID, "unknown action kind %q", a.Kind)
	} else if (a.Kind == ActDevicesSeized || a.Kind == ActChildrenSafeguarded) && a.Count < 1 {
		return Errorf(EINVALID, "%s needs a count of at least 1", a.Kind)
	} else if a.Supersedes != nil && a.CorrectionNote == "" {
		return Errorf(EINVALID, "a correction needs a reason")
	} else if a.At.IsZero() {
		return Errorf(EINVALID, "action needs a time")
	}
	return nil
}

// OperationService manages operations, packages and actions. Force users see
// only their own force's packages.
type OperationService interface {
	// CreateOperation requires PermManageOps. ECONFLICT if the code exists.
	CreateOperation(ctx context.Context, o *Operation) error
	// FindOperationByCode returns ENOTFOUND if none.
	FindOperationByCode(ctx context.Context, code string) (*Operation, error)
	// FindOperations lists operations, newest first.
	FindOperations(ctx context.Context) ([]*Operation, error)
	// SendPackage hands a subject to a force. Requires PermManageOps.
	SendPackage(ctx context.Context, p *Package) error
	// AnswerPackage accepts or returns a package. Requires PermAcceptPackages
	// and the package's force.
	AnswerPackage(ctx context.Context, id int64, status, note string) (*Package, error)
	// FindPackages lists an operation's packages visible to the actor.
	FindPackages(ctx context.Context, operationID int64) ([]*Package, error)
	// RecordAction stores a. A warrant action on a subject whose attribution
	// is not corroborated returns EINVALID unless a.OverrideReason is given.
	// A repeated IdempotencyKey returns the first action and stores nothing.
	RecordAction(ctx context.Context, a *Action) (*Action, error)
	// FindActions lists a package's actions in time order, corrections
	// included.
	FindActions(ctx context.Context, packageID int64) ([]*Action, error)
}
