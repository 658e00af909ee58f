package attribution

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// fixtureISP is a fictional ISP response: documentation and CGNAT ranges,
// made-up people and places.
const fixtureISP = `ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address,shared
192.0.2.10,,,2026-03-01T00:00:00Z,2026-03-31T23:59:59Z,SUB-A,Alex Example,"1 Install Road, Exampletown EX1 1AA","PO Box 9, Billington BL9 9ZZ",
192.0.2.20,,,2026-03-01T00:00:00Z,2026-03-10T12:00:00Z,SUB-B,Bea Sample,"2 Sample Street, Exampletown EX1 2BB",,
192.0.2.20,,,2026-03-10T12:00:00Z,2026-03-20T00:00:00Z,SUB-C,Cal Demo,"3 Demo Lane, Exampletown EX1 3CC",,
100.64.1.1,1024,2047,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-D,Dee Test,"4 Test Close, Exampletown EX1 4DD",,
100.64.1.1,2048,3071,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-E,Eli Mock,"5 Mock Mews, Exampletown EX1 5EE",,
198.51.100.5,,,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-F,Fay Fake,"6 Fake Way, Exampletown EX1 6FF",,
198.51.100.0/24,,,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-G,Gus Corp,"7 Corp Park, Exampletown EX1 7GG",,
203.0.113.7,,,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-H,Hal Share,"8 Share Row, Exampletown EX1 8HH",,true
2001:db8:12:3400::/56,,,2026-03-01T00:00:00+00:00,2026-03-31T00:00:00+00:00,SUB-I,Ivy Six,"9 Six Avenue, Exampletown EX1 9II",,
192.0.2.30,,,2026-10-24T20:00:00Z,2026-10-25T01:00:00Z,SUB-J,Jo Before,"10 Before Street, Exampletown EX2 1JJ",,
192.0.2.30,,,2026-10-25T01:00:00Z,2026-10-25T06:00:00Z,SUB-K,Kit After,"11 After Street, Exampletown EX2 2KK",,
192.0.2.40,,,2026-06-15T09:00:00+01:00,2026-06-15T14:30:00+01:00,SUB-L,Lee Summer,"12 Summer Road, Exampletown EX2 3LL",,
192.0.2.40,,,2026-06-15T14:30:00+01:00,2026-06-15T20:00:00+01:00,SUB-M,Max Later,"13 Later Road, Exampletown EX2 4MM",,
192.0.2.50,,,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-N,Noa Billing,,"14 Accounts House, Billington BL1 4NN",
198.51.100.200,,,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-O,Oz Tunnel,"15 Tunnel Street, Exampletown EX2 5OO",,
`

const fixtureProxies = `# known exits (fictional)
198.51.100.192/26  vpn
203.0.113.99 tor
`

func mustResolver(tb testing.TB, opt Options) *Resolver {
	tb.Helper()
	leases, err := ReadISP(strings.NewReader(fixtureISP), "isp.csv")
	if err != nil {
		tb.Fatal(err)
	}
	if opt.Proxies == nil {
		opt.Proxies = &ProxyList{}
		if err := opt.Proxies.ReadProxies(strings.NewReader(fixtureProxies), "proxies.txt"); err != nil {
			tb.Fatal(err)
		}
	}
	return NewResolver(NewIndex(leases), opt)
}

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Skipf("no time-zone data for %s: %v", name, err)
	}
	return loc
}

// mustEvent builds an event from the time as a referral gave it.
func mustEvent(tb testing.TB, ip string, port int, text string) Event {
	tb.Helper()
	ev := Event{Ref: "e", IPEvent: safeguard.IPEvent{IP: netip.MustParseAddr(ip), TimeText: text}}
	if port >= 0 {
		ev.Port = &port
	}
	et, err := ParseEventTime(text)
	if err != nil {
		tb.Fatal(err)
	}
	if et.HasOffset {
		ev.At, ev.HasOffset = &et.At, true
	}
	return ev
}

func TestResolve(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	tests := []struct {
		name          string
		ip            string
		port          int // -1: none
		time          string
		zone          *time.Location
		possibleProxy bool
		status        string
		reasons       []string // all must be present
		not           []string // none may be present
		sub           string   // confirmed subscriber
		candidates    []string
	}{
		{name: "confirmed/whole address", ip: "192.0.2.10", port: -1, time: "2026-03-15T14:00:00Z",
			status: "confirmed", reasons: []string{ReasonLeaseCovers}, sub: "SUB-A"},
		{name: "confirmed/offset other than UTC", ip: "192.0.2.40", port: -1, time: "2026-06-15T14:00:00+01:00",
			status: "confirmed", sub: "SUB-L"},
		{name: "confirmed/CGNAT with port in block", ip: "100.64.1.1", port: 1500, time: "2026-03-15T14:00:00Z",
			status: "confirmed", sub: "SUB-D", not: []string{ReasonSharedNoPort}},
		{name: "confirmed/IPv6 prefix delegation", ip: "2001:db8:12:3456::1", port: -1, time: "2026-03-15T14:00:00Z",
			status: "confirmed", sub: "SUB-I"},
		{name: "unresolved/outside IPv6 delegation", ip: "2001:db8:12:3500::1", port: -1, time: "2026-03-15T14:00:00Z",
			status: "unresolved", reasons: []string{ReasonNoLease}},
		{name: "unresolved/no lease at address", ip: "192.0.2.99", port: -1, time: "2026-03-15T14:00:00Z",
			status: "unresolved", reasons: []string{ReasonNoLease}},
		{name: "unresolved/no lease at that time", ip: "192.0.2.10", port: -1, time: "2025-03-15T14:00:00Z",
			status: "unresolved", reasons: []string{ReasonNoLease}},
		{name: "ambiguous/time with no zone", ip: "192.0.2.10", port: -1, time: "2026-03-15 14:00:00",
			status: "ambiguous", reasons: []string{ReasonTimeWithoutOffset, ReasonZoneUnknown}, candidates: []string{"SUB-A"}},
		{name: "ambiguous/zone abbreviation is not an offset", ip: "192.0.2.10", port: -1, time: "2026-03-15 14:00:00 BST",
			status: "ambiguous", reasons: []string{ReasonTimeWithoutOffset}},
		{name: "confirmed/UTC named in words", ip: "192.0.2.10", port: -1, time: "2026-03-15 14:00:00 UTC",
			status: "confirmed", sub: "SUB-A"},
		{name: "ambiguous/time with no zone, zone supplied", ip: "192.0.2.10", port: -1, time: "2026-03-15T14:00:00", zone: london,
			status: "ambiguous", reasons: []string{ReasonTimeWithoutOffset, ReasonZoneSupplied}, not: []string{ReasonDSTAmbiguous}},
		{name: "ambiguous/an hour out across DST: summer time without offset", ip: "192.0.2.40", port: -1, time: "2026-06-15 14:15:00", zone: london,
			// Read as UTC it would be SUB-M's; in London it is 13:15Z, SUB-L's.
			status: "ambiguous", reasons: []string{ReasonTimeWithoutOffset, ReasonZoneSupplied}, candidates: []string{"SUB-L"}},
		{name: "ambiguous/DST fall back repeats the hour", ip: "192.0.2.30", port: -1, time: "2026-10-25 01:30:00", zone: london,
			status: "ambiguous", reasons: []string{ReasonTimeWithoutOffset, ReasonDSTAmbiguous, ReasonMultipleSubscribers}, candidates: []string{"SUB-J", "SUB-K"}},
		{name: "ambiguous/DST spring forward skips the hour", ip: "192.0.2.10", port: -1, time: "2026-03-29 01:30:00", zone: london,
			status: "ambiguous", reasons: []string{ReasonTimeWithoutOffset, ReasonDSTNonexistent}},
		{name: "ambiguous/lease boundary within skew", ip: "192.0.2.10", port: -1, time: "2026-03-31T23:59:30Z",
			status: "ambiguous", reasons: []string{ReasonNearBoundary}, not: []string{ReasonMultipleSubscribers}},
		{name: "ambiguous/lease start within skew", ip: "192.0.2.10", port: -1, time: "2026-03-01T00:00:59Z",
			status: "ambiguous", reasons: []string{ReasonNearBoundary}},
		{name: "confirmed/just outside skew of start", ip: "192.0.2.10", port: -1, time: "2026-03-01T00:01:00Z",
			status: "confirmed", sub: "SUB-A"},
		{name: "ambiguous/handover between subscribers within skew", ip: "192.0.2.20", port: -1, time: "2026-03-10T12:00:30Z",
			status: "ambiguous", reasons: []string{ReasonNearBoundary, ReasonMultipleSubscribers}, candidates: []string{"SUB-B", "SUB-C"}},
		{name: "confirmed/after handover beyond skew", ip: "192.0.2.20", port: -1, time: "2026-03-10T12:05:00Z",
			status: "confirmed", sub: "SUB-C"},
		{name: "ambiguous/CGNAT without port", ip: "100.64.1.1", port: -1, time: "2026-03-15T14:00:00Z",
			status: "ambiguous", reasons: []string{ReasonSharedNoPort, ReasonMultipleSubscribers}},
		{name: "ambiguous/CGNAT address with no lease, without port", ip: "100.64.9.9", port: -1, time: "2026-03-15T14:00:00Z",
			status: "unresolved", reasons: []string{ReasonSharedNoPort, ReasonNoLease}},
		{name: "ambiguous/ISP-marked shared range without port", ip: "203.0.113.7", port: -1, time: "2026-03-15T14:00:00Z",
			status: "ambiguous", reasons: []string{ReasonSharedNoPort}, candidates: []string{"SUB-H"}},
		{name: "ambiguous/shared range with port but lease without port block", ip: "203.0.113.7", port: 4000, time: "2026-03-15T14:00:00Z",
			status: "ambiguous", reasons: []string{ReasonSharedLeaseNoPorts}},
		{name: "ambiguous/port outside every block", ip: "100.64.1.1", port: 5000, time: "2026-03-15T14:00:00Z",
			status: "ambiguous", reasons: []string{ReasonPortOutside}},
		{name: "ambiguous/two subscribers (overlapping prefixes)", ip: "198.51.100.5", port: -1, time: "2026-03-15T14:00:00Z",
			status: "ambiguous", reasons: []string{ReasonMultipleSubscribers}, candidates: []string{"SUB-F", "SUB-G"}},
		{name: "confirmed/covering prefix alone", ip: "198.51.100.6", port: -1, time: "2026-03-15T14:00:00Z",
			status: "confirmed", sub: "SUB-G"},
		{name: "ambiguous/proxy list hit", ip: "198.51.100.200", port: -1, time: "2026-03-15T14:00:00Z",
			status: "ambiguous", reasons: []string{ReasonKnownProxy}},
		{name: "unresolved/proxy list hit without lease", ip: "203.0.113.99", port: -1, time: "2026-03-15T14:00:00Z",
			status: "unresolved", reasons: []string{ReasonKnownProxy, ReasonNoLease}},
		{name: "ambiguous/possibleProxy", ip: "192.0.2.10", port: -1, time: "2026-03-15T14:00:00Z", possibleProxy: true,
			status: "ambiguous", reasons: []string{ReasonPossibleProxy}},
		{name: "ambiguous/every reason at once", ip: "100.64.1.1", port: -1, time: "2026-03-15 14:00:00", possibleProxy: true,
			status: "ambiguous", reasons: []string{ReasonTimeWithoutOffset, ReasonSharedNoPort, ReasonMultipleSubscribers, ReasonPossibleProxy}},
		{name: "confirmed/no installation address, billing not used", ip: "192.0.2.50", port: -1, time: "2026-03-15T14:00:00Z",
			status: "confirmed", sub: "SUB-N", reasons: []string{ReasonNoInstallAddress}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := mustResolver(t, Options{Zone: tt.zone})
			ev := mustEvent(t, tt.ip, tt.port, tt.time)
			ev.PossibleProxy = tt.possibleProxy
			got, err := rv.Resolve(ev)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status {
				t.Errorf("status = %s, want %s (%s)", got.Status, tt.status, got.Reasons)
			}
			for _, c := range tt.reasons {
				if !got.Reasons.Has(c) {
					t.Errorf("no reason %s in %s", c, got.Reasons)
				}
			}
			for _, c := range tt.not {
				if got.Reasons.Has(c) {
					t.Errorf("unexpected reason %s in %s", c, got.Reasons)
				}
			}
			for _, r := range got.Reasons {
				if r.Text == "" {
					t.Errorf("reason %s has no sentence", r.Code)
				}
			}
			switch {
			case tt.status == "confirmed" && (got.Subscriber == nil || got.Subscriber.ID != tt.sub):
				t.Errorf("subscriber = %+v, want %s", got.Subscriber, tt.sub)
			case tt.status != "confirmed" && got.Subscriber != nil:
				t.Errorf("%s event names subscriber %s; only a confirmed one may", got.Status, got.Subscriber.ID)
			}
			if tt.candidates != nil {
				var ids []string
				for _, c := range got.Candidates {
					ids = append(ids, c.ID)
				}
				if !slices.Equal(ids, tt.candidates) {
					t.Errorf("candidates = %v, want %v", ids, tt.candidates)
				}
			}
		})
	}
}

func TestResolveBillingAndInstallationKeptApart(t *testing.T) {
	rv := mustResolver(t, Options{})
	got, err := rv.Resolve(mustEvent(t, "192.0.2.10", -1, "2026-03-15T14:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	s := got.Subscriber
	if s == nil {
		t.Fatalf("not confirmed: %s", got.Reasons)
	}
	if got, want := s.InstallAddress, "1 Install Road, Exampletown EX1 1AA"; got != want {
		t.Errorf("installation address = %q, want %q", got, want)
	}
	if got, want := s.BillingAddress, "PO Box 9, Billington BL9 9ZZ"; got != want {
		t.Errorf("billing address = %q, want %q", got, want)
	}
	if got, want := s.ForceAssignmentAddress(), s.InstallAddress; got != want {
		t.Errorf("force assignment address = %q, want the installation address %q", got, want)
	}

	// Billing only: nothing to assign a force by, and no fallback.
	got, err = rv.Resolve(mustEvent(t, "192.0.2.50", -1, "2026-03-15T14:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Subscriber == nil || got.Subscriber.ForceAssignmentAddress() != "" || got.Subscriber.BillingAddress == "" {
		t.Errorf("billing-only subscriber = %+v, want billing kept and no force assignment address", got.Subscriber)
	}
}

func TestResolveInstallationAddressConflict(t *testing.T) {
	leases, err := ReadISP(strings.NewReader(`192.0.2.60,,,2026-03-01T00:00:00Z,2026-03-15T00:00:00Z,SUB-P,Pat Mover,"16 Old Road, Exampletown EX3 1PP",
192.0.2.60,,,2026-03-15T00:00:00Z,2026-03-31T00:00:00Z,SUB-P,Pat Mover,"17 New Road, Exampletown EX3 2PP",
`), "move.csv")
	if err != nil {
		t.Fatal(err)
	}
	rv := NewResolver(NewIndex(leases), Options{})
	got, err := rv.Resolve(mustEvent(t, "192.0.2.60", -1, "2026-03-15T00:00:10Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "ambiguous" || !got.Reasons.Has(ReasonInstallAddressConflict) {
		t.Errorf("got %s %s, want ambiguous with %s", got.Status, got.Reasons, ReasonInstallAddressConflict)
	}
	// Well inside the second lease: one address, confirmed.
	got, _ = rv.Resolve(mustEvent(t, "192.0.2.60", -1, "2026-03-20T00:00:00Z"))
	if got.Status != "confirmed" || got.Subscriber.InstallAddress != "17 New Road, Exampletown EX3 2PP" {
		t.Errorf("got %s %+v", got.Status, got.Subscriber)
	}
}

func TestResolveRenewalSameSubscriber(t *testing.T) {
	// Back-to-back leases of one subscriber cover a boundary instant.
	leases, err := ReadISP(strings.NewReader(`192.0.2.70,,,2026-03-01T00:00:00Z,2026-03-15T00:00:00Z,SUB-Q,Quinn Renew,"18 Renew Road, Exampletown EX3 3QQ",
192.0.2.70,,,2026-03-15T00:00:00Z,2026-03-31T00:00:00Z,SUB-Q,Quinn Renew,"18 Renew Road, Exampletown EX3 3QQ",
`), "renew.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewResolver(NewIndex(leases), Options{}).Resolve(mustEvent(t, "192.0.2.70", -1, "2026-03-15T00:00:10Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "confirmed" {
		t.Errorf("status = %s (%s), want confirmed", got.Status, got.Reasons)
	}
}

func TestResolveSkewOption(t *testing.T) {
	ev := mustEvent(t, "192.0.2.10", -1, "2026-03-31T23:55:00Z") // 4m59s before the end
	for _, tt := range []struct {
		skew time.Duration
		want string
	}{{0, "confirmed"}, {5 * time.Minute, "ambiguous"}, {-1, "confirmed"}} {
		got, err := mustResolver(t, Options{Skew: tt.skew}).Resolve(ev)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tt.want {
			t.Errorf("skew %s: status = %s, want %s", tt.skew, got.Status, tt.want)
		}
	}
}

func TestResolveInvalidEvent(t *testing.T) {
	rv := mustResolver(t, Options{})
	bad := []Event{
		{IPEvent: safeguard.IPEvent{TimeText: "2026-03-15T14:00:00Z"}},
		{IPEvent: safeguard.IPEvent{IP: netip.MustParseAddr("192.0.2.10"), TimeText: "yesterday"}},
		{IPEvent: safeguard.IPEvent{IP: netip.MustParseAddr("192.0.2.10")}},
	}
	for _, ev := range bad {
		if _, err := rv.Resolve(ev); safeguard.ErrorCode(err) != safeguard.EINVALID {
			t.Errorf("Resolve(%+v) = %v, want EINVALID", ev, err)
		}
	}
}

func TestZoneInstants(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	w := func(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04", s); return t }
	for _, tt := range []struct {
		wall string
		want int
	}{{"2026-03-29 00:59", 1}, {"2026-03-29 01:00", 0}, {"2026-03-29 01:59", 0}, {"2026-03-29 02:00", 1},
		{"2026-10-25 00:59", 1}, {"2026-10-25 01:00", 2}, {"2026-10-25 01:59", 2}, {"2026-10-25 02:00", 1}} {
		if got := zoneInstants(w(tt.wall), london); len(got) != tt.want {
			t.Errorf("zoneInstants(%s) = %v, want %d instants", tt.wall, got, tt.want)
		}
	}
}
