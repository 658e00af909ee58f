package safeguard

import (
	"context"
	"regexp"
)

// Force is a police force that receives packages from the national centre.
type Force struct {
	ID             int64    `json:"id"`
	Code           string   `json:"code"` // short upper-case code, e.g. "KNT"
	Name           string   `json:"name"`
	Areas          []string `json:"areas"`           // postcode prefixes it covers
	WeeklyCapacity int      `json:"weekly_capacity"` // packages it can take a week
	// BandCapacity, when set, is the weekly capacity per band instead.
	BandCapacity map[Band]int `json:"band_capacity,omitempty"`
	Synthetic    bool         `json:"synthetic"` // made-up demo data, not real figures
}

var forceCodeRE = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,9}$`)

// Validate returns EINVALID if a field is missing or malformed.
func (f *Force) Validate() error {
	if !forceCodeRE.MatchString(f.Code) {
		return Errorf(EINVALID, "force code %q must be 2-10 upper-case letters or digits", f.Code)
	} else if f.Name == "" {
		return Errorf(EINVALID, "force name required")
	}
	return ValidCapacity(f.WeeklyCapacity, f.BandCapacity)
}

// ValidCapacity returns EINVALID for a negative capacity or an unknown band.
func ValidCapacity(weekly int, perBand map[Band]int) error {
	if weekly < 0 {
		return Errorf(EINVALID, "weekly capacity must not be negative")
	}
	for b, n := range perBand {
		if !b.Valid() {
			return Errorf(EINVALID, "capacity for unknown band %q", b)
		} else if n < 0 {
			return Errorf(EINVALID, "capacity for band %s must not be negative", b)
		}
	}
	return nil
}

// ForceService manages forces.
type ForceService interface {
	// CreateForce stores a new force. Returns ECONFLICT if the code exists,
	// EFORBIDDEN unless the actor may manage users.
	CreateForce(ctx context.Context, f *Force) error
	// FindForceByCode returns ENOTFOUND if there is no such force.
	FindForceByCode(ctx context.Context, code string) (*Force, error)
	// FindForces returns every force, ordered by name.
	FindForces(ctx context.Context) ([]*Force, error)
	// SetForceCapacity sets a force's weekly capacity and, if perBand is
	// not empty, its capacity per band. Requires PermManageOps or
	// PermManageUsers. Returns ENOTFOUND for an unknown force and EINVALID
	// for a negative capacity.
	SetForceCapacity(ctx context.Context, code string, weekly int, perBand map[Band]int) (*Force, error)
}
