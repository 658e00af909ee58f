package safeguard

import (
	"context"
	"time"
)

// Referral sources.
const (
	SourceCyberTip = "cybertip" // NCMEC CyberTipline report
	SourceP2P      = "p2p"      // peer-to-peer detection
	SourceHotline  = "hotline"  // hotline report
)

// Referral is one incoming report, kept exactly as received beside its parsed
// facts. It is unique on (Source, SourceRef).
type Referral struct {
	ID             int64        `json:"id"`
	Source         string       `json:"source"`
	SourceRef      string       `json:"source_ref"` // the sender's own id, e.g. a CyberTip report id
	Format         string       `json:"format"`     // cybertip-xml, json, csv
	Document       []byte       `json:"-"`          // the original bytes, as received
	DocumentSHA256 string       `json:"document_sha256"`
	ReceivedAt     time.Time    `json:"received_at"`
	IncidentAt     *time.Time   `json:"incident_at,omitempty"`
	IncidentType   string       `json:"incident_type,omitempty"`
	Platform       string       `json:"platform,omitempty"`
	Escalated      bool         `json:"escalated"` // the sender marked it high priority
	Annotations    []string     `json:"annotations,omitempty"`
	ForceCode      string       `json:"force_code,omitempty"` // force whose area it falls in, once known
	SubjectID      *int64       `json:"subject_id,omitempty"`
	Identifiers    []Identifier `json:"identifiers,omitempty"`
	IPEvents       []IPEvent    `json:"ip_events,omitempty"`
	Files          []File       `json:"files,omitempty"`
	// Attachments are documents of the referral that its sender sent
	// apart from it (CyberTipline fileDetails), each kept as received.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment kinds.
const AttachFileDetails = "fileDetails" // a CyberTipline fileDetails document

// Attachment is a document that belongs to a referral but came on its own,
// before, with or after it: the CyberTipline reporting API sends each
// file's details as a fileDetails document naming its report. It is kept
// exactly as received, beside what it adds to the referral.
type Attachment struct {
	ID             int64     `json:"id"`
	Kind           string    `json:"kind"`
	Key            string    `json:"key"` // its id within the referral: a fileDetails' fileId
	Document       []byte    `json:"-"`   // the original bytes, as received
	DocumentSHA256 string    `json:"document_sha256"`
	ReceivedAt     time.Time `json:"received_at"`
	// What it adds to the referral: read when it is attached to a stored
	// referral; on a referral read back they are the referral's own.
	Files       []File       `json:"-"`
	IPEvents    []IPEvent    `json:"-"`
	Identifiers []Identifier `json:"-"`
}

// Attacher adds an attachment to a stored referral.
type Attacher interface {
	// AttachToReferral stores a, with the files, IP events and identifiers
	// it brings, on the referral (source, sourceRef), in one transaction.
	// The same document attached before is a duplicate and stores
	// nothing. Returns ENOTFOUND when no such referral is stored (or the
	// actor may not see it), ECONFLICT when a different document with the
	// same kind and key is attached already, EINVALID for a malformed one.
	AttachToReferral(ctx context.Context, source, sourceRef string, a *Attachment) (duplicate bool, err error)
}

// Validate returns EINVALID if the referral lacks what makes it unique.
func (r *Referral) Validate() error {
	switch r.Source {
	case SourceCyberTip, SourceP2P, SourceHotline:
	default:
		return Errorf(EINVALID, "unknown referral source %q (want cybertip, p2p or hotline)", r.Source)
	}
	if r.SourceRef == "" {
		return Errorf(EINVALID, "referral source reference required")
	}
	for i := range r.Identifiers {
		if err := r.Identifiers[i].Validate(); err != nil {
			return err
		}
	}
	for i := range r.IPEvents {
		if err := r.IPEvents[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}

// File is a file named in a referral: only its name, hashes and flags, never
// its content.
type File struct {
	ID             int64    `json:"id"`
	ReferralID     int64    `json:"referral_id"`
	Name           string   `json:"name,omitempty"`
	Size           int64    `json:"size,omitempty"`
	MD5            string   `json:"md5,omitempty"`
	SHA1           string   `json:"sha1,omitempty"`
	SHA256         string   `json:"sha256,omitempty"`
	PDQ            string   `json:"pdq,omitempty"`
	ViewedByESP    *bool    `json:"viewed_by_esp,omitempty"` // false: a warrant may be needed before viewing
	PubliclyAvail  *bool    `json:"publicly_available,omitempty"`
	Annotations    []string `json:"annotations,omitempty"`
	Classification string   `json:"industry_classification,omitempty"` // A1, A2, B1, B2
}

// ReferralFilter selects referrals to list.
type ReferralFilter struct {
	Source    string
	ForceCode string
	SubjectID *int64
	Offset    int
	Limit     int
}

// ReferralService stores and reads referrals. Reads write an audit event.
type ReferralService interface {
	// CreateReferral stores r with its identifiers, IP events and files in one
	// transaction. If (source, source_ref) already exists it returns the
	// existing referral and duplicate=true, and stores nothing.
	CreateReferral(ctx context.Context, r *Referral) (duplicate bool, err error)
	// FindReferralByID returns ENOTFOUND if there is none or the actor may not
	// see it.
	FindReferralByID(ctx context.Context, id int64) (*Referral, error)
	// FindReferrals returns referrals matching the filter and the total count.
	FindReferrals(ctx context.Context, filter ReferralFilter) ([]*Referral, int, error)
}
