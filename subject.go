package safeguard

import (
	"context"
	"fmt"
	"time"
)

// Subject is a person of interest, formed by linking referrals that share
// identifiers. Name and Address are personal data, encrypted at rest.
type Subject struct {
	ID                int64         `json:"id"`
	Ref               string        `json:"ref"` // pseudonymous, e.g. SG-2026-000123
	Name              string        `json:"name,omitempty"`
	Address           string        `json:"address,omitempty"`
	ForceCode         string        `json:"force_code,omitempty"` // force it is allocated to
	AttributionStatus string        `json:"attribution_status"`
	Band              Band          `json:"band,omitempty"` // latest assessment's band
	DueAt             *time.Time    `json:"due_at,omitempty"`
	Score             float64       `json:"score"`  // latest assessment's score: the tie-break in the queue
	Status            string        `json:"status"` // SubjectOpen or SubjectClosed
	CreatedAt         time.Time     `json:"created_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
	Links             []SubjectLink `json:"links,omitempty"`
}

// SubjectRef formats the pseudonymous reference of a subject.
func SubjectRef(year int, seq int64) string {
	return fmt.Sprintf("SG-%04d-%06d", year, seq)
}

// Subject statuses: open while waiting for action, closed when done with.
const (
	SubjectOpen   = "open"
	SubjectClosed = "closed"
)

// Overdue reports whether the subject is open and past its due date at now.
func (s *Subject) Overdue(now time.Time) bool {
	return s.Status != SubjectClosed && s.DueAt != nil && s.DueAt.Before(now)
}

// SubjectLink ties a referral to a subject, with the evidence for the link.
type SubjectLink struct {
	SubjectID  int64     `json:"subject_id"`
	ReferralID int64     `json:"referral_id"`
	Evidence   string    `json:"evidence"` // e.g. "linked to SG-2026-000123 by e-mail a…@example.com in referrals 12 and 40"
	CreatedAt  time.Time `json:"created_at"`
	// EndedAt is set when a merge or split moved the referral to another
	// subject; the link is kept as history, with why it ended.
	EndedAt     *time.Time `json:"ended_at,omitempty"`
	EndedReason string     `json:"ended_reason,omitempty"`
}

// SubjectFilter selects subjects to list. Sort is one of "queue", "due",
// "band", "ref", "created"; a leading "-" reverses it. The queue order is
// the most urgent band first, then the earliest due (so the overdue first),
// then the highest score.
type SubjectFilter struct {
	ForceCode         string
	Band              Band
	Status            string // SubjectOpen, SubjectClosed or "" for both
	AttributionStatus string
	Overdue           bool // open and past due at the request's time
	Sort              string
	Offset            int
	Limit             int
	// CountUpTo, when positive, stops counting the total there: lists of a
	// million subjects need their first page fast, not an exact count.
	CountUpTo int
}

// SubjectUpdate holds the fields of a subject that may change.
type SubjectUpdate struct {
	Name              *string
	Address           *string
	ForceCode         *string
	AttributionStatus *string
	Status            *string // SubjectOpen or SubjectClosed
}

// SubjectService stores subjects. Every read writes an audit event, and a
// force user asking for another force's subject gets ENOTFOUND (audited).
type SubjectService interface {
	// CreateSubject stores s and assigns its Ref.
	CreateSubject(ctx context.Context, s *Subject) error
	// FindSubjectByID returns ENOTFOUND if none or not visible to the actor.
	FindSubjectByID(ctx context.Context, id int64) (*Subject, error)
	// FindSubjectByRef is FindSubjectByID by pseudonymous reference.
	FindSubjectByRef(ctx context.Context, ref string) (*Subject, error)
	// FindSubjects returns the visible subjects matching the filter and the
	// total count.
	FindSubjects(ctx context.Context, filter SubjectFilter) ([]*Subject, int, error)
	// UpdateSubject applies upd. Requires PermAssess or PermAllocate.
	UpdateSubject(ctx context.Context, id int64, upd SubjectUpdate) (*Subject, error)
	// LinkReferral ties a referral to a subject with the evidence.
	LinkReferral(ctx context.Context, link SubjectLink) error
	// FindSubjectsByIdentifier returns the subjects linked to referrals that
	// carry an identifier equal (by blind index) to id.
	FindSubjectsByIdentifier(ctx context.Context, id Identifier) ([]*Subject, error)
}
