package attribution

import "strings"

// Reason codes. They are stable: callers and stored attributions depend on
// them. Codes marked "ambiguous" make an event ambiguous (or keep it from
// being confirmed); the others explain.
const (
	// Per event.
	ReasonLeaseCovers            = "lease_covers_with_margin"           // confirmed
	ReasonNoLease                = "no_lease_covers"                    // unresolved
	ReasonTimeWithoutOffset      = "time_without_offset"                // ambiguous
	ReasonZoneSupplied           = "local_time_read_in_supplied_zone"   // explains
	ReasonZoneUnknown            = "time_zone_unknown"                  // explains
	ReasonDSTAmbiguous           = "dst_ambiguous_local_time"           // ambiguous
	ReasonDSTNonexistent         = "dst_nonexistent_local_time"         // ambiguous
	ReasonNearBoundary           = "near_lease_boundary"                // ambiguous
	ReasonSharedNoPort           = "shared_address_without_port"        // ambiguous
	ReasonSharedLeaseNoPorts     = "shared_address_lease_without_ports" // ambiguous
	ReasonPortOutside            = "port_outside_allocated_blocks"      // ambiguous
	ReasonMultipleSubscribers    = "multiple_subscribers"               // ambiguous
	ReasonKnownProxy             = "known_vpn_proxy_tor_exit"           // ambiguous
	ReasonPossibleProxy          = "possible_proxy"                     // ambiguous
	ReasonInstallAddressConflict = "installation_address_conflict"      // ambiguous
	ReasonNoInstallAddress       = "no_installation_address"            // explains
	ReasonLeaseOpenEnd           = "lease_open_until_log_end"           // explains
	ReasonLeaseOpenStart         = "lease_start_not_in_log"             // explains
	ReasonSuspectClock           = "isp_times_suspect_12_hour_clock"    // ambiguous
	ReasonSessionStartUnknown    = "session_start_unknown"              // ambiguous
	ReasonSessionEndUnknown      = "session_end_unknown"                // ambiguous
	ReasonPortZero               = "source_port_zero"                   // ambiguous
	ReasonNotPublic              = "address_not_public"                 // ambiguous

	// Per subject (Corroborate).
	ReasonIndependentEvents    = "independent_events_same_subscriber"     // corroborated
	ReasonDifferentDays        = "events_on_different_days"               // explains
	ReasonSameDay              = "events_on_same_day"                     // explains
	ReasonOnlyOneConfirmed     = "only_one_confirmed_event"               // not corroborated
	ReasonNotIndependent       = "confirmed_events_not_independent"       // not corroborated
	ReasonDifferentSubscribers = "confirmed_events_different_subscribers" // not corroborated
	ReasonNoConfirmed          = "no_confirmed_event"                     // not corroborated
	ReasonOtherEvents          = "other_events_not_confirmed"             // explains
)

// ambiguousCodes are the per-event codes that keep an event from being
// confirmed.
var ambiguousCodes = map[string]bool{
	ReasonTimeWithoutOffset:      true,
	ReasonDSTAmbiguous:           true,
	ReasonDSTNonexistent:         true,
	ReasonNearBoundary:           true,
	ReasonSharedNoPort:           true,
	ReasonSharedLeaseNoPorts:     true,
	ReasonPortOutside:            true,
	ReasonMultipleSubscribers:    true,
	ReasonKnownProxy:             true,
	ReasonPossibleProxy:          true,
	ReasonInstallAddressConflict: true,
	ReasonSuspectClock:           true,
	ReasonNotPublic:              true,
	ReasonSessionStartUnknown:    true,
	ReasonSessionEndUnknown:      true,
	ReasonPortZero:               true,
}

// Reason is why an event or subject has its status: a stable code and a
// sentence for a person.
type Reason struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// Reasons is a list of reasons in the order they were found.
type Reasons []Reason

// Has reports whether a reason with the code is in the list.
func (rs Reasons) Has(code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

// Codes returns the codes in order.
func (rs Reasons) Codes() []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

// Texts returns the sentences in order.
func (rs Reasons) Texts() []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	return out
}

// String joins the reasons as "code: text; code: text".
func (rs Reasons) String() string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Code + ": " + r.Text)
	}
	return b.String()
}

// add appends a reason once per code.
func (rs *Reasons) add(code, text string) {
	if !rs.Has(code) {
		*rs = append(*rs, Reason{Code: code, Text: text})
	}
}

// ReasonTimeUnreadable is stored for an event whose time cannot be read
// at all: it is unresolved, never guessed.
const ReasonTimeUnreadable = "time_unreadable"
