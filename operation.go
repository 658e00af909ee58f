package safeguard

import (
	"context"
	"time"
)

// Operation statuses: planned, running (its packages count as held for
// deconfliction) and closed.
const (
	OpPlanning = "planning"
	OpLive     = "live"
	OpClosed   = "closed"
)

// DefaultAcceptHours is how long a force has to accept a package when the
// operation does not say.
const DefaultAcceptHours = 24

// Operation groups packages sent to forces under one national code.
type Operation struct {
	ID           int64      `json:"id"`
	Code         string     `json:"code"` // e.g. OP-LANTERN
	Name         string     `json:"name"`
	Status       string     `json:"status"` // planning, live or closed
	StartsAt     time.Time  `json:"starts_at"`
	EndsAt       *time.Time `json:"ends_at,omitempty"`
	Forces       []string   `json:"forces"`       // participating forces' codes
	Coordinators []string   `json:"coordinators"` // account names of its coordinators
	AcceptHours  int        `json:"accept_hours"` // a force has this long to accept a package
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
}

// ValidOperationStatus reports whether s is an operation status.
func ValidOperationStatus(s string) bool { return s == OpPlanning || s == OpLive || s == OpClosed }

// Validate returns EINVALID for a missing code or name, an unknown status
// or a negative acceptance time.
func (o *Operation) Validate() error {
	if o.Code == "" || o.Name == "" {
		return Errorf(EINVALID, "operation needs a code and a name")
	} else if o.Status != "" && !ValidOperationStatus(o.Status) {
		return Errorf(EINVALID, "unknown operation status %q (want planning, live or closed)", o.Status)
	} else if o.AcceptHours < 0 || o.AcceptHours > 24*365 {
		return Errorf(EINVALID, "accept_hours must be between 1 and 8760, not %d", o.AcceptHours)
	}
	return nil
}

// OperationUpdate holds the fields of an operation that may change.
type OperationUpdate struct {
	Status       *string    `json:"status,omitempty"`
	EndsAt       *time.Time `json:"ends_at,omitempty"`
	Forces       *[]string  `json:"forces,omitempty"`
	Coordinators *[]string  `json:"coordinators,omitempty"`
	AcceptHours  *int       `json:"accept_hours,omitempty"`
}

// Package statuses.
const (
	PackageSent     = "sent"
	PackageAccepted = "accepted"
	PackageReturned = "returned"
)

// Package hands a subject to a force within an operation.
type Package struct {
	ID            int64      `json:"id"`
	OperationID   int64      `json:"operation_id"`
	OperationCode string     `json:"operation_code"`
	SubjectID     int64      `json:"subject_id"`
	ForceCode     string     `json:"force_code"`
	Status        string     `json:"status"`
	Note          string     `json:"note,omitempty"`        // the sender's
	AnswerNote    string     `json:"answer_note,omitempty"` // the force's, when it accepts or returns
	SentAt        time.Time  `json:"sent_at"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	// AcceptBy is when the force must have answered; a package still sent
	// after it is Overdue and flagged to the coordinator.
	AcceptBy    *time.Time `json:"accept_by,omitempty"`
	Overdue     bool       `json:"overdue"`
	SubjectRef  string     `json:"subject_ref"`            // pseudonymous; no personal data
	SubjectBand Band       `json:"subject_band,omitempty"` // latest assessment's band
	// Coordinated confirms, when sending, that holders found by
	// deconfliction have been contacted; it is audited, never stored.
	Coordinated bool `json:"coordinated,omitempty"`
	// History lists re-assignments between forces, oldest first.
	History []*PackageAssignment `json:"history,omitempty"`
}

// PackageAssignment records a package moved from one force to another.
type PackageAssignment struct {
	FromForce  string    `json:"from_force"`
	ToForce    string    `json:"to_force"`
	Reason     string    `json:"reason"`
	AssignedBy string    `json:"assigned_by"`
	At         time.Time `json:"at"`
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
	Officer        string    `json:"officer,omitempty"` // who did it: a name or collar number
	Note           string    `json:"note,omitempty"`
	OverrideReason string    `json:"override_reason,omitempty"`
	Supersedes     *int64    `json:"supersedes,omitempty"`
	CorrectionNote string    `json:"correction_reason,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	RecordedBy     string    `json:"recorded_by"`
	CreatedAt      time.Time `json:"created_at"`
	// Coordinated confirms, for a warrant, that holders found by
	// deconfliction have been contacted; it is audited, never stored.
	Coordinated bool `json:"coordinated,omitempty"`
	// OperationCode, when set, is the operation the package must belong to.
	OperationCode string `json:"-"`
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
	// AnswerPackage accepts or returns a package (a return needs a reason).
	// Requires PermAcceptPackages and the package's force.
	AnswerPackage(ctx context.Context, id int64, status, note string) (*Package, error)
	// UpdateOperation changes an operation's status, end, forces,
	// coordinators or acceptance time. Requires PermManageOps.
	UpdateOperation(ctx context.Context, code string, upd OperationUpdate) (*Operation, error)
	// ReassignPackage moves a package to another force with a reason, kept
	// in its history; it is sent again with a new deadline. Requires
	// PermManageOps.
	ReassignPackage(ctx context.Context, id int64, force, reason string) (*Package, error)
	// FindPackage returns one package with its history; ENOTFOUND if none
	// or not visible to the actor.
	FindPackage(ctx context.Context, id int64) (*Package, error)
	// Deconflict reports who already holds the subject, its identifiers or
	// its installation address.
	Deconflict(ctx context.Context, req DeconflictRequest) ([]*DeconflictHit, error)
	// OperationReport returns the figures of an operation over the
	// packages visible to the actor.
	OperationReport(ctx context.Context, code string) (*OperationReport, error)
	// FindActionFeed lists actions with an id above afterID, in id order,
	// of one operation (0 for all) visible to the actor.
	FindActionFeed(ctx context.Context, operationID, afterID int64, limit int) ([]*ActionEvent, error)
	// Trends returns figures across operations and over time.
	Trends(ctx context.Context) (*Trends, error)
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
