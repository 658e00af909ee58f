package safeguard

import (
	"fmt"
	"strings"
)

// DeconflictRequest asks who already holds a subject or any of a set of
// identifiers or an installation address. SubjectID (0 for none) brings
// the subject's own identifiers and address; ForceCode and OperationID,
// when set, name the holder asking, whose own holdings are no conflict.
type DeconflictRequest struct {
	SubjectID   int64        `json:"subject_id,omitempty"`
	Identifiers []Identifier `json:"identifiers,omitempty"`
	Address     string       `json:"address,omitempty"`
	ForceCode   string       `json:"force_code,omitempty"`
	OperationID int64        `json:"operation_id,omitempty"`
	// ExcludePackageID is the package the check is made for, which does
	// not conflict with itself.
	ExcludePackageID int64 `json:"-"`
}

// Validate returns EINVALID for a request naming nothing or holding a bad
// identifier.
func (r *DeconflictRequest) Validate() error {
	if r.SubjectID == 0 && len(r.Identifiers) == 0 && strings.TrimSpace(r.Address) == "" {
		return Errorf(EINVALID, "a deconfliction check needs a subject, identifiers or an address")
	} else if len(r.Identifiers) > 1000 {
		return Errorf(EINVALID, "at most 1000 identifiers per check, not %d", len(r.Identifiers))
	}
	for i := range r.Identifiers {
		if err := r.Identifiers[i].Validate(); err != nil {
			return Errorf(EINVALID, "identifiers[%d]: %s", i, ErrorMessage(err))
		}
	}
	return nil
}

// What a deconfliction hit matched on.
const (
	MatchSubject    = "subject"
	MatchIdentifier = "identifier"
	MatchAddress    = "address"
)

// How a hit's holder holds it.
const (
	HeldByPackage    = "package"    // a package of an operation not closed
	HeldByAllocation = "allocation" // a subject allocated to a force
)

// DeconflictHit is one holding that conflicts: a force, and the operation
// when it is a package. It carries no personal data: the subject by its
// pseudonymous reference, the identifier by its kind only.
type DeconflictHit struct {
	Match          string `json:"match"`                     // subject, identifier or address
	IdentifierKind string `json:"identifier_kind,omitempty"` // for an identifier match
	HeldBy         string `json:"held_by"`                   // package or allocation
	ForceCode      string `json:"force_code"`
	OperationCode  string `json:"operation_code,omitempty"`
	OperationState string `json:"operation_status,omitempty"`
	PackageID      int64  `json:"package_id,omitempty"`
	SubjectRef     string `json:"subject_ref"`
}

// String describes the hit for people, e.g. "email identifier: package 7
// of OP-LANTERN held by KNT (subject SG-2026-000001)".
func (h *DeconflictHit) String() string {
	what := h.Match
	if h.Match == MatchIdentifier {
		what = h.IdentifierKind + " identifier"
	}
	if h.HeldBy == HeldByPackage {
		return fmt.Sprintf("%s: package %d of %s (%s) held by %s (subject %s)", what, h.PackageID, h.OperationCode, h.OperationState, h.ForceCode, h.SubjectRef)
	}
	return fmt.Sprintf("%s: subject %s allocated to %s", what, h.SubjectRef, h.ForceCode)
}

// DeconflictionError stops a package or a warrant whose subject is held
// elsewhere until the user confirms the holders are coordinated. Its code
// is ECONFLICT.
type DeconflictionError struct {
	Hits []*DeconflictHit
}

// Error names the holders.
func (e *DeconflictionError) Error() string { return ECONFLICT + ": " + e.message() }

func (e *DeconflictionError) message() string {
	forces := map[string]bool{}
	var names []string
	for _, h := range e.Hits {
		if !forces[h.ForceCode] {
			forces[h.ForceCode] = true
			names = append(names, h.ForceCode)
		}
	}
	return fmt.Sprintf("deconfliction: already held by %s (%d holding(s)); confirm the holders are coordinated to go on",
		strings.Join(names, ", "), len(e.Hits))
}

// Unwrap gives the error its code and safe message for ErrorCode and
// ErrorMessage.
func (e *DeconflictionError) Unwrap() error { return Errorf(ECONFLICT, "%s", e.message()) }
