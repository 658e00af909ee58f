package attribution

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"safeguard"
)

// Defaults for Options.
const (
	DefaultSkew   = 60 * time.Second
	DefaultMinGap = time.Hour
)

// Options tune resolution.
type Options struct {
	// Skew is the clock-skew tolerance: a lease confirms an event only when
	// it covers the instant with this margin on both sides. Zero means
	// DefaultSkew; a negative value means no margin.
	Skew time.Duration

	// Zone is the source's time zone, as the caller knows it (an IANA
	// name loaded with time.LoadLocation). It is used only for times
	// without an offset, which stay ambiguous whatever it says; it lets
	// the candidate instants and a daylight-saving change be reported.
	Zone *time.Location

	// Proxies are known VPN, proxy and Tor exits.
	Proxies *ProxyList
}

func (o Options) skew() time.Duration {
	switch {
	case o.Skew == 0:
		return DefaultSkew
	case o.Skew < 0:
		return 0
	}
	return o.Skew
}

// Event is an IP event to resolve, with the caller's reference for it and
// whether the source flagged the address as a possible proxy.
type Event struct {
	Ref string
	safeguard.IPEvent
	PossibleProxy bool
}

// Result is an event resolved against the leases.
type Result struct {
	Ref     string
	IP      netip.Addr
	Port    *int
	TimeRaw string
	At      *time.Time // the instant, only when the source gave an offset

	// Instants are the candidate instants tried for a time without an
	// offset when the caller supplied the zone (none, one or two).
	Instants []time.Time

	Status string

	// Subscriber is set only when Status is confirmed. Its
	// InstallAddress is the address for force assignment.
	Subscriber *Subscriber

	// Candidates are the distinct subscribers whose leases fit, in order
	// of first fit; for an ambiguous event they are who it might be.
	Candidates []Subscriber

	// Leases are the leases considered (matching address, port and time
	// within the skew tolerance).
	Leases []Lease

	Reasons Reasons
}

// Resolver resolves events against an index of leases.
type Resolver struct {
	ix  *Index
	opt Options
}

// NewResolver returns a resolver over ix.
func NewResolver(ix *Index, opt Options) *Resolver {
	if ix == nil {
		ix = NewIndex(nil)
	}
	return &Resolver{ix: ix, opt: opt}
}

// span is an interval of candidate instants: from == to for one instant.
type span struct{ from, to time.Time }

// Resolve resolves one event. It returns EINVALID for an event without a
// valid address, with an impossible port, or whose time cannot be read.
func (rv *Resolver) Resolve(ev Event) (Result, error) {
	if err := ev.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Ref: ev.Ref, IP: ev.IP, Port: ev.Port, TimeRaw: ev.TimeText}
	addr := ev.IP.Unmap()
	skew := rv.opt.skew()

	spans, err := rv.instants(ev, &res)
	if err != nil {
		return Result{}, err
	}

	if p, label, ok := rv.opt.Proxies.Lookup(addr); ok {
		res.Reasons.add(ReasonKnownProxy, fmt.Sprintf("%s is a known VPN, proxy or Tor exit (%s, listed at %s): whoever used it is not necessarily the subscriber", addr, p, label))
	}
	if ev.PossibleProxy {
		res.Reasons.add(ReasonPossibleProxy, fmt.Sprintf("the source flagged %s as a possible proxy", addr))
	}
	if what := notPublic(addr); what != "" {
		res.Reasons.add(ReasonNotPublic, fmt.Sprintf("%s is %s, not an address on the internet: the source saw it inside some network, and no ISP lease can say who used it", addr, what))
	}

	// Leases at the address within the skew of any candidate instant,
	// visited in place: most of a shared address's port blocks are not
	// the event's and need not be copied.
	shared := safeguard.CGNAT.Contains(addr) || rv.ix.Shared(addr)
	markedShared := false
	// Port 0 is no source port a connection can have: a source that
	// writes it has most likely lost the port. It picks out no port block.
	portZero := ev.Port != nil && *ev.Port == 0
	var kept, outside []Lease
	nOutside := 0
	for _, s := range spans {
		rv.ix.visit(addr, s.from.Add(-skew), s.to.Add(skew), func(l *Lease) {
			shared = shared || l.Shared || l.HasPorts
			markedShared = markedShared || l.Shared
			if ev.Port != nil && !portZero && !l.coversPort(*ev.Port) {
				nOutside++
				return
			}
			kept = append(kept, *l)
		})
	}
	if len(kept) == 0 && nOutside > 0 {
		// Only now are the other blocks worth copying, to name them.
		for _, s := range spans {
			rv.ix.visit(addr, s.from.Add(-skew), s.to.Add(skew), func(l *Lease) {
				if len(outside) < 16 {
					outside = append(outside, *l)
				}
			})
		}
	}
	if len(spans) > 1 {
		kept, outside = dedupe(kept), dedupe(outside)
	}
	slices.SortStableFunc(kept, func(a, b Lease) int { return a.Start.Compare(b.Start) })
	res.Leases = kept
	if shared && portZero {
		res.Reasons.add(ReasonPortZero, fmt.Sprintf("%s is shared and the event's source port is 0, which no connection uses: the port was most likely lost, so it cannot tell the address's users apart", addr))
	}
	if shared && ev.Port == nil {
		why := "is in a range the ISP marks as shared"
		if safeguard.CGNAT.Contains(addr) {
			why = "is in the carrier-grade NAT range 100.64.0.0/10"
		} else if !rv.ix.Shared(addr) && !markedShared {
			why = "is shared by port blocks"
		}
		res.Reasons.add(ReasonSharedNoPort, fmt.Sprintf("%s %s and the event has no source port: many subscribers share it", addr, why))
	}
	if shared && ev.Port != nil && !portZero {
		for _, l := range kept {
			if !l.HasPorts {
				res.Reasons.add(ReasonSharedLeaseNoPorts, fmt.Sprintf("%s is shared but the lease to %s (%s) gives no port block, so port %d cannot tell its users apart", addr, l.Subscriber.ID, l.Source, *ev.Port))
				break
			}
		}
	}
	if ev.Port != nil && len(kept) == 0 && len(outside) > 0 {
		var blocks []string
		for _, l := range outside {
			blocks = append(blocks, fmt.Sprintf("%d-%d", l.PortStart, l.PortEnd))
		}
		res.Reasons.add(ReasonPortOutside, fmt.Sprintf("port %d is outside every port block allocated on %s at that time (%s)", *ev.Port, addr, strings.Join(blocks, ", ")))
		res.Leases = outside
	}

	res.Candidates = candidates(kept)
	if len(res.Candidates) > 1 {
		ids := make([]string, len(res.Candidates))
		for i, c := range res.Candidates {
			ids[i] = c.ID
		}
		res.Reasons.add(ReasonMultipleSubscribers, fmt.Sprintf("%d subscribers' leases fit %s at that time: %s", len(ids), addr, strings.Join(ids, ", ")))
	}
	for _, s := range spans {
		if s.from.Equal(s.to) {
			rv.checkMargin(s.from, kept, &res)
		}
	}
	for _, l := range kept {
		if l.OpenEnd {
			res.Reasons.add(ReasonLeaseOpenEnd, fmt.Sprintf("session in %s has no Stop in the log: taken as open until the log's last record at %s", l.Source, l.End.Format(time.RFC3339)))
			res.Reasons.add(ReasonSessionEndUnknown, fmt.Sprintf("the session of %s in %s was last seen at %s and has no Stop: it may have ended, and %s gone to someone else, before the event", l.Subscriber.ID, l.Source, l.Start.Format(time.RFC3339), addr))
		}
		if l.ClockWarning != "" {
			res.Reasons.add(ReasonSuspectClock, l.ClockWarning)
		}
		if l.OpenStart {
			res.Reasons.add(ReasonLeaseOpenStart, fmt.Sprintf("session in %s has no Start in the log: taken as beginning at %s", l.Source, l.Start.Format(time.RFC3339)))
			res.Reasons.add(ReasonSessionStartUnknown, fmt.Sprintf("the session of %s in %s was first seen at %s and has no Start: it may have begun, and %s been someone else's, after the event", l.Subscriber.ID, l.Source, l.End.Format(time.RFC3339), addr))
		}
	}

	switch {
	case len(kept) == 0 && !res.Reasons.Has(ReasonPortOutside):
		res.Status = safeguard.AttrUnresolved
		res.Reasons.add(ReasonNoLease, fmt.Sprintf("no lease covers %s at %s", addr, describeSpans(spans)))
	case rv.ambiguous(res.Reasons):
		res.Status = safeguard.AttrAmbiguous
	default:
		rv.confirm(&res, skew)
	}
	return res, nil
}

func (rv *Resolver) ambiguous(rs Reasons) bool {
	for _, r := range rs {
		if ambiguousCodes[r.Code] {
			return true
		}
	}
	return false
}

// confirm fills in the single subscriber, keeping the installation and
// billing addresses apart.
func (rv *Resolver) confirm(res *Result, skew time.Duration) {
	sub := res.Candidates[0]
	var installs, bills []string
	for _, l := range res.Leases {
		if a := l.Subscriber.InstallAddress; a != "" && !slices.Contains(installs, a) {
			installs = append(installs, a)
		}
		if a := l.Subscriber.BillingAddress; a != "" && !slices.Contains(bills, a) {
			bills = append(bills, a)
		}
		if sub.Name == "" {
			sub.Name = l.Subscriber.Name
		}
	}
	if len(installs) > 1 {
		res.Status = safeguard.AttrAmbiguous
		res.Reasons.add(ReasonInstallAddressConflict, fmt.Sprintf("the leases of %s that fit give different installation addresses: %s", sub.ID, strings.Join(installs, " | ")))
		return
	}
	sub.InstallAddress, sub.BillingAddress = "", ""
	if len(installs) == 1 {
		sub.InstallAddress = installs[0]
	} else {
		res.Reasons.add(ReasonNoInstallAddress, fmt.Sprintf("the ISP gave no installation address for %s; the billing address is never used for force assignment", sub.ID))
	}
	if len(bills) == 1 {
		sub.BillingAddress = bills[0]
	}
	res.Status = safeguard.AttrConfirmed
	res.Subscriber = &sub
	res.Reasons = append(Reasons{{Code: ReasonLeaseCovers, Text: fmt.Sprintf("one subscriber, %s, holds %s at %s, with at least %s to the lease's ends (%s)", sub.ID, res.IP.Unmap(), res.At.Format(time.RFC3339), skew, res.Leases[0].Source)}}, res.Reasons...)
}

// checkMargin adds near_lease_boundary when, for some subscriber whose
// lease meets [t-skew, t+skew], that subscriber's leases do not cover the
// whole window: the instant may fall outside the lease.
func (rv *Resolver) checkMargin(t time.Time, kept []Lease, res *Result) {
	skew := rv.opt.skew()
	from, to := t.Add(-skew), t.Add(skew)
	var done []string // subscribers checked; few, so a slice beats a map
	for i := range kept {
		id := kept[i].Subscriber.ID
		if !kept[i].overlaps(from, to) || slices.Contains(done, id) {
			continue
		}
		done = append(done, id)
		var ls []Lease
		for _, l := range kept[i:] {
			if l.Subscriber.ID == id && l.overlaps(from, to) {
				ls = append(ls, l)
			}
		}
		if covers(ls, from, to) {
			continue
		}
		b := nearestBoundary(ls, t)
		res.Reasons.add(ReasonNearBoundary, fmt.Sprintf("%s is within %s of a boundary of the lease to %s (%s at %s): clock skew could put it outside", t.Format(time.RFC3339), skew, id, b.what, b.at.Format(time.RFC3339)))
	}
}

type boundary struct {
	what string
	at   time.Time
}

func nearestBoundary(ls []Lease, t time.Time) boundary {
	best := boundary{}
	var d time.Duration = -1
	for _, l := range ls {
		for _, b := range []boundary{{"start", l.Start}, {"end", l.End}} {
			x := b.at.Sub(t).Abs()
			if d < 0 || x < d {
				d, best = x, b
			}
		}
	}
	return best
}

// covers reports whether the union of the leases' intervals covers [from, to].
func covers(ls []Lease, from, to time.Time) bool {
	// ls is sorted by start (Resolve sorts kept).
	cur := from
	for _, l := range ls {
		if l.Start.After(cur) {
			return false
		}
		if l.End.After(cur) {
			cur = l.End
		}
		if !cur.Before(to) {
			return true
		}
	}
	return !cur.Before(to)
}

func candidates(ls []Lease) []Subscriber {
	var out []Subscriber
	for _, l := range ls {
		if !slices.ContainsFunc(out, func(s Subscriber) bool { return s.ID == l.Subscriber.ID }) {
			out = append(out, l.Subscriber)
		}
	}
	return out
}

func dedupe(ls []Lease) []Lease {
	seen := map[Lease]bool{}
	out := ls[:0]
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

func describeSpans(spans []span) string {
	var parts []string
	for _, s := range spans {
		if s.from.Equal(s.to) {
			parts = append(parts, s.from.Format(time.RFC3339))
		} else {
			parts = append(parts, "any time from "+s.from.Format(time.RFC3339)+" to "+s.to.Format(time.RFC3339))
		}
	}
	if len(parts) == 0 {
		return "any instant"
	}
	return strings.Join(parts, " or ")
}

// instants works out when the event may have happened: one instant for a
// time with an offset; for one without, the instants the supplied zone
// allows (reporting a daylight-saving change), or without a zone every
// instant the world's offsets allow (UTC-12 to UTC+14).
func (rv *Resolver) instants(ev Event, res *Result) ([]span, error) {
	if ev.HasOffset && ev.At != nil {
		// A caller's parser may have let through an offset no zone has
		// (time.Parse reads +24:00 and +01:60): that instant is no reading.
		if _, err := ParseEventTime(ev.TimeText); errors.Is(err, errOffsetRange) {
			return nil, safeguard.WrapError(safeguard.EINVALID, err, "event %s: %v", ev.Ref, err)
		}
		at := ev.At.UTC()
		res.At = &at
		return []span{{at, at}}, nil
	}
	et, err := ParseEventTime(ev.TimeText)
	switch {
	case err == nil && et.HasOffset:
		res.At = &et.At
		return []span{{et.At, et.At}}, nil
	case err != nil && ev.At == nil:
		return nil, safeguard.WrapError(safeguard.EINVALID, err, "event %s: %v", ev.Ref, err)
	case err != nil:
		a := ev.At.UTC()
		et.Wall = time.Date(a.Year(), a.Month(), a.Day(), a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), time.UTC)
	}
	wall := et.Wall
	if et.Abbrev != "" {
		res.Reasons.add(ReasonTimeWithoutOffset, fmt.Sprintf("the time %q names the zone %q, an abbreviation that is not an offset (it may mean different zones, and says nothing of summer time); it is never assumed to be UTC", ev.TimeText, et.Abbrev))
	}
	res.Reasons.add(ReasonTimeWithoutOffset, fmt.Sprintf("the time %q has no time-zone offset; it is never assumed to be UTC", ev.TimeText))
	loc := rv.opt.Zone
	if loc == nil {
		from, to := wall.Add(-14*time.Hour), wall.Add(12*time.Hour)
		res.Reasons.add(ReasonZoneUnknown, fmt.Sprintf("no source time zone was given, so leases from %s to %s (every offset from UTC-12 to UTC+14) were considered", from.Format(time.RFC3339), to.Format(time.RFC3339)))
		return []span{{from, to}}, nil
	}
	local := wall.Format("2006-01-02 15:04:05")
	ins := zoneInstants(wall, loc)
	res.Instants = ins
	var spans []span
	switch len(ins) {
	case 0:
		// A skipped hour: the source's clock or zone is wrong. Try the
		// reading under the offsets either side of the change.
		_, before := wall.Add(-48 * time.Hour).In(loc).Zone()
		_, after := wall.Add(48 * time.Hour).In(loc).Zone()
		for _, off := range []int{before, after} {
			t := wall.Add(-time.Duration(off) * time.Second)
			spans = append(spans, span{t, t})
			res.Instants = append(res.Instants, t)
		}
		res.Reasons.add(ReasonDSTNonexistent, fmt.Sprintf("%s does not exist in %s: the clocks went forward over it, so the source's clock or zone is wrong; tried %s and %s", local, loc, res.Instants[0].Format(time.RFC3339), res.Instants[1].Format(time.RFC3339)))
	case 1:
		spans = append(spans, span{ins[0], ins[0]})
		res.Reasons.add(ReasonZoneSupplied, fmt.Sprintf("read as %s in %s, on the caller's word, which is %s", local, loc, ins[0].Format(time.RFC3339)))
	default:
		for _, t := range ins {
			spans = append(spans, span{t, t})
		}
		res.Reasons.add(ReasonDSTAmbiguous, fmt.Sprintf("%s happens twice in %s (the clocks went back): it is %s or %s, an hour apart", local, loc, ins[0].Format(time.RFC3339), ins[1].Format(time.RFC3339)))
	}
	return spans, nil
}

// reserved4 are IPv4 ranges that are neither public nor covered by
// netip's own tests: "this network", the IETF protocol assignments and
// the reserved class E block with the limited broadcast address.
var reserved4 = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("240.0.0.0/4")}

// notPublic says what kind of address addr is when no ISP can have leased
// it to a subscriber on the internet ("" when it can): private (RFC 1918,
// IPv6 unique local), loopback, link-local, multicast, unspecified or
// reserved. The documentation ranges count as public (Safeguard's own
// examples use them) and the carrier-grade NAT range is shared, not
// private: ISPs lease it with port blocks.
func notPublic(addr netip.Addr) string {
	switch {
	case addr.IsPrivate():
		return "a private address (RFC 1918 or an IPv6 unique local address)"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsMulticast():
		return "a multicast address"
	case addr.IsUnspecified():
		return "the unspecified address"
	}
	for _, p := range reserved4 {
		if p.Contains(addr) {
			return "a reserved address (" + p.String() + ")"
		}
	}
	return ""
}
