// Package attribution resolves IP events (an address, an optional source
// port and a time as a referral gave it) to ISP subscribers, from ISP
// response files (CSV), RADIUS-accounting session logs and lists of known
// VPN, proxy and Tor exits. Each event gets a status (confirmed, ambiguous,
// unresolved) with every reason that applies, as a stable snake_case code and
// a sentence; a subject's events together may be corroborated.
//
// Resolution errors have sent officers to the homes of people unconnected
// with an offence: a wrong time zone, an ISP's 12-hour clock, a shared
// carrier-grade NAT address without its port, the billing address instead
// of the installation address. So this package must never:
//
//   - guess a time zone silently: a time without an offset is never taken
//     as UTC; it is ambiguous, and when the caller names the source's zone
//     both candidate instants across a daylight-saving change are tried and
//     the change is reported;
//   - pick one subscriber when several fit: overlapping leases, leases of
//     different subscribers within the clock-skew tolerance, and shared
//     addresses without a port are reported as ambiguous with every
//     candidate, not narrowed to the longest prefix or the first match;
//   - use the billing address for force assignment: the installation and
//     billing addresses are kept in separate fields and only the
//     installation address is offered for force assignment, with no fallback
//     to the billing address when it is missing.
//
// Importers refuse rather than repair: an ISP time without an offset, or one
// that looks like a 12-hour clock without AM/PM, is an error naming the file,
// line and column. A file whose many times all have hours from 01 to 12,
// offsets or not, is read but its leases cannot confirm an event: that is
// how a 12-hour clock shows when AM/PM was dropped and an offset kept.
//
// Leases are indexed by prefix and start time (Index), so that a million
// events resolve in seconds; RADIUS Start and Stop records are paired into
// leases by session, and what a session's records do not show (before a
// missing Start, after a missing Stop) never confirms an event. Corroborate combines a subject's events: two confirmed
// events at least an hour apart (by default) resolving to one subscriber.
package attribution
