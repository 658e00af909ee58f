package safeguard

import (
	"context"
	"time"
)

// Possible link statuses.
const (
	LinkOpen      = "open"      // waiting for an analyst
	LinkConfirmed = "confirmed" // an analyst merged the two subjects
	LinkRejected  = "rejected"  // an analyst kept them apart; never offered again
)

// PossibleLinkSplit is the kind of the rejected possible link a split
// records between the two parts, so that linking never merges them again
// on its own. PossibleLinkBridge is the kind of a strong identifier that
// joins two subjects linking may not merge by itself (an analyst kept them
// apart, or they are allocated to different forces).
const (
	PossibleLinkSplit  = "split"
	PossibleLinkBridge = "bridge"
)

// LinkSummary says what a linking pass did.
type LinkSummary struct {
	Linked   int `json:"linked"`   // referrals linked to a subject
	Created  int `json:"created"`  // subjects formed
	Merged   int `json:"merged"`   // subjects merged into another by a bridging referral
	Possible int `json:"possible"` // possible links recorded for review
}

// Add adds o's counts to s.
func (s *LinkSummary) Add(o LinkSummary) {
	s.Linked, s.Created, s.Merged, s.Possible = s.Linked+o.Linked, s.Created+o.Created, s.Merged+o.Merged, s.Possible+o.Possible
}

// PossibleLink is a match between two subjects that does not link them on
// its own (a shared IP address, a common name, a value that could not be
// normalised) or a strong one that linking may not act on by itself. An
// analyst confirms it (the subjects are merged) or rejects it (it is kept,
// and not offered again). Masked shows the value only in part.
type PossibleLink struct {
	ID             int64      `json:"id"`
	SubjectRef     string     `json:"subject_ref"`
	OtherRef       string     `json:"other_ref"`
	Kind           string     `json:"kind"` // identifier kind, "ip", "bridge" or "split"
	Masked         string     `json:"masked"`
	Reason         string     `json:"reason"`
	Referrals      []int64    `json:"referrals"` // some referrals carrying it
	Status         string     `json:"status"`
	DecidedBy      string     `json:"decided_by,omitempty"`
	DecisionReason string     `json:"decision_reason,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// LinkService links referrals into subjects and lets an analyst correct
// the result. Linking runs as a national actor: every method returns
// EFORBIDDEN for a force user, and EUNAUTHORIZED without an actor.
type LinkService interface {
	// LinkPending links every referral that has no subject yet (at most
	// max; 0 means all), oldest first, each to the subject whose referrals
	// share a strong identifier with it or to a new subject. A referral
	// bridging subjects merges them unless an analyst kept them apart or
	// they belong to different forces; then it records a possible link.
	LinkPending(ctx context.Context, max int) (LinkSummary, error)
	// LinkReferral links one referral if it has no subject yet. Returns
	// ENOTFOUND for an unknown referral.
	LinkReferral(ctx context.Context, referralID int64) (LinkSummary, error)
	// MergeSubjects moves every referral of from into into, keeping the
	// history of links, and marks from as merged. Returns EINVALID without
	// a reason or for a subject merged already, ENOTFOUND for either.
	MergeSubjects(ctx context.Context, into, from string, reason string) (*Subject, error)
	// SplitSubject moves the chosen referrals of a subject to a new
	// subject, which it returns, and records that the two are not to be
	// merged again by linking. Returns EINVALID without a reason, for a
	// referral not linked to the subject, or to split off all of them.
	SplitSubject(ctx context.Context, ref string, referralIDs []int64, reason string) (*Subject, error)
	// FindPossibleLinks returns a subject's possible links (both sides
	// resolved through merges), open ones first.
	FindPossibleLinks(ctx context.Context, ref string) ([]*PossibleLink, error)
	// DecidePossibleLink confirms (merging the subjects) or rejects an
	// open possible link. Returns ENOTFOUND for an unknown one, ECONFLICT
	// for one decided already, EINVALID without a reason.
	DecidePossibleLink(ctx context.Context, id int64, confirm bool, reason string) (*PossibleLink, error)
	// FindLinkHistory returns every link a subject's referrals had to it,
	// ended ones included (EndedAt set), oldest first.
	FindLinkHistory(ctx context.Context, ref string) ([]SubjectLink, error)
	// MergedInto returns the reference of the subject ref was merged into,
	// or "" if it was not.
	MergedInto(ctx context.Context, ref string) (string, error)
}
