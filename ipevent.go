package safeguard

import (
	"net/netip"
	"time"
)

// IPEvent is an IP address seen at a time, as a source reported it. The time
// is kept exactly as received; a time without an offset is flagged, never
// silently taken as UTC.
type IPEvent struct {
	ID         int64      `json:"id,omitempty"`
	ReferralID int64      `json:"referral_id,omitempty"`
	IP         netip.Addr `json:"ip"`
	Port       *int       `json:"port,omitempty"`
	TimeText   string     `json:"time_text"`            // as received
	At         *time.Time `json:"at,omitempty"`         // the UTC instant, when the text could be read
	HasOffset  bool       `json:"has_offset"`           // the source gave a time-zone offset
	EventType  string     `json:"event_type,omitempty"` // login, upload, ...
	// PossibleProxy: the source flagged the address as possibly a proxy or
	// VPN, which makes an attribution ambiguous.
	PossibleProxy bool `json:"possible_proxy,omitempty"`
}

// Validate returns EINVALID for a missing address or an impossible port.
func (e *IPEvent) Validate() error {
	if !e.IP.IsValid() {
		return Errorf(EINVALID, "IP event without a valid address")
	} else if e.Port != nil && (*e.Port < 0 || *e.Port > 65535) {
		return Errorf(EINVALID, "port %d out of range 0-65535", *e.Port)
	} else if e.TimeText == "" {
		return Errorf(EINVALID, "IP event %s without a time", e.IP)
	}
	return nil
}

// CGNAT is the carrier-grade NAT range (RFC 6598): an address in it is shared
// and needs a source port to attribute.
var CGNAT = netip.MustParsePrefix("100.64.0.0/10")

// Attribution statuses.
const (
	AttrConfirmed    = "confirmed"
	AttrCorroborated = "corroborated" // at least two independent events, same subscriber
	AttrAmbiguous    = "ambiguous"
	AttrUnresolved   = "unresolved"
)

// Attribution is an IP event resolved against ISP records. Subscriber
// details are personal data, encrypted at rest. InstallAddress is the
// address used for force assignment; BillingAddress is kept apart and never
// used for it.
type Attribution struct {
	ID             int64               `json:"id"`
	IPEventID      int64               `json:"ip_event_id"`
	ReferralID     int64               `json:"referral_id"`
	IP             string              `json:"ip"`
	Port           *int                `json:"port,omitempty"`
	TimeText       string              `json:"time_raw"`           // as received
	At             *time.Time          `json:"time_utc,omitempty"` // only when the source gave an offset
	Status         string              `json:"status"`
	SubscriberID   string              `json:"subscriber_id,omitempty"` // set only when confirmed
	SubscriberName string              `json:"subscriber_name,omitempty"`
	InstallAddress string              `json:"installation_address,omitempty"`
	BillingAddress string              `json:"billing_address,omitempty"`
	Reasons        []AttributionReason `json:"reasons"`
	ImportIDs      []int64             `json:"import_ids"` // the imports whose leases were considered
	ResolvedAt     time.Time           `json:"resolved_at"`
}
