package safeguard

import (
	"context"
	"io"
	"time"
)

// Kinds of attribution import.
const (
	ImportISPCSV    = "isp_csv"    // ISP response CSV (ip, ports, start, end, subscriber, addresses)
	ImportRADIUS    = "radius"     // RADIUS-accounting session log
	ImportProxyList = "proxy_list" // known VPN, proxy and Tor exits
)

// ImportKinds lists the attribution import kinds.
var ImportKinds = []string{ImportISPCSV, ImportRADIUS, ImportProxyList}

// AttributionImport is one ISP response file or proxy list as imported:
// who imported it and when, and the SHA-256 of the file exactly as
// received.
type AttributionImport struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	FileName string `json:"file_name"`
	SHA256   string `json:"sha256"`
	Rows     int    `json:"rows"` // leases or proxy ranges stored
	// From and To span the imported leases; nil for a proxy list.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// SubjectsResolved counts the subjects re-resolved after the import
	// because their IP events fall in its span.
	SubjectsResolved int       `json:"subjects_resolved"`
	ImportedBy       string    `json:"imported_by"`
	CreatedAt        time.Time `json:"created_at"`
}

// AttributionReason is why an event or subject has its status: a stable
// snake_case code and a sentence for a person.
type AttributionReason struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// SubjectAttribution is a subject's stored attribution: the status from
// all its IP events together, the per-event attributions, and every warrant
// action recorded for it under an override.
type SubjectAttribution struct {
	SubjectID int64  `json:"subject_id"`
	Ref       string `json:"ref"`
	// Status is the subject's attribution_status.
	Status string `json:"status"`
	// SubscriberID, SubscriberName and InstallAddress are set when the
	// status is confirmed or corroborated.
	SubscriberID   string `json:"subscriber_id,omitempty"`
	SubscriberName string `json:"subscriber_name,omitempty"`
	InstallAddress string `json:"installation_address,omitempty"`
	BillingAddress string `json:"billing_address,omitempty"`
	// AddressFromInstallation is true when the subject's address and force
	// were set from the subscriber's installation address.
	AddressFromInstallation bool `json:"address_from_installation"`
	// AddressNote says what resolution did to the subject's address and
	// force, or why it left them alone.
	AddressNote string              `json:"address_note,omitempty"`
	Reasons     []AttributionReason `json:"reasons"`
	Events      []*Attribution      `json:"events"`
	Overrides   []*WarrantOverride  `json:"overrides"`
	ResolvedAt  *time.Time          `json:"resolved_at,omitempty"` // nil if never resolved
}

// WarrantOverride is a warrant action recorded for a subject whose
// attribution was not corroborated, on a supervisor's reason.
type WarrantOverride struct {
	ActionID          int64     `json:"action_id"`
	PackageID         int64     `json:"package_id"`
	Kind              string    `json:"kind"`
	Reason            string    `json:"reason"`
	By                string    `json:"by"`
	AttributionStatus string    `json:"attribution_at_the_time"`
	At                time.Time `json:"at"`
}

// AttributionService imports ISP records and resolves subjects' IP events
// against them. Every import, resolution and read is audited; a force user
// sees only their force's subjects.
type AttributionService interface {
	// ImportAttributionFile reads r as imp.Kind and stores it all or
	// nothing, then re-resolves the subjects whose IP events fall in the
	// imported span. It fills in imp's ID, SHA256, Rows, From, To,
	// SubjectsResolved, ImportedBy and CreatedAt. Requires PermAssess.
	// Returns EINVALID for an unknown kind or a bad file (the error names
	// the file and line), EFORBIDDEN without the permission.
	ImportAttributionFile(ctx context.Context, imp *AttributionImport, r io.Reader) error
	// FindAttributionImports lists imports, newest first. Requires
	// PermAssess.
	FindAttributionImports(ctx context.Context, limit int) ([]*AttributionImport, error)
	// ResolveSubject resolves the subject's IP events against the stored
	// leases, stores each event's attribution, sets the subject's
	// attribution status and, when confirmed or corroborated, its address
	// and force from the installation address (never the billing address,
	// and never over an address or force set otherwise). Requires
	// PermAssess. Returns ENOTFOUND for a subject the actor may not see.
	ResolveSubject(ctx context.Context, subjectID int64) (*SubjectAttribution, error)
	// FindSubjectAttribution returns the subject's stored attribution and
	// warrant overrides. Requires PermReadPersonal. Returns ENOTFOUND for
	// a subject the actor may not see (audited).
	FindSubjectAttribution(ctx context.Context, subjectID int64) (*SubjectAttribution, error)
}
