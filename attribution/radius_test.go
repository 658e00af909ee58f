package attribution

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"safeguard"
)

const fixtureRADIUSCSV = `Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name,Calling-Station-Id,NAS-IP-Address
2026-03-05T08:00:00Z,Start,S1,192.0.2.80,rita@example.com,00-00-5E-00-53-01,198.51.100.1
2026-03-05T09:00:00Z,Interim-Update,S1,192.0.2.80,rita@example.com,00-00-5E-00-53-01,198.51.100.1
2026-03-05T10:00:00Z,Stop,S1,192.0.2.80,rita@example.com,00-00-5E-00-53-01,198.51.100.1
2026-03-05T10:30:00+00:00,Start,S2,192.0.2.80,sam@example.com,00-00-5E-00-53-02,198.51.100.1
2026-03-05T11:00:00Z,Start,S3,2001:db8:99::/56,tess@example.com,,198.51.100.1
2026-03-05T12:00:00Z,Interim-Update,S3,2001:db8:99::/56,tess@example.com,,198.51.100.1
`

func TestReadRADIUSCSV(t *testing.T) {
	leases, err := ReadRADIUS(strings.NewReader(fixtureRADIUSCSV), "acct.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 3 {
		t.Fatalf("%d leases, want 3: %+v", len(leases), leases)
	}
	r := leases[0]
	if r.Subscriber.ID != "rita@example.com" || r.Subscriber.CallingStation != "00-00-5E-00-53-01" || r.OpenEnd ||
		!r.Start.Equal(time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)) || !r.End.Equal(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("paired session = %+v", r)
	}
	// sam's session has only a Start: what follows it is not known, so
	// its lease is marked open until the log's end. tess's Interim-Update
	// is the log's last record: her session is known up until then.
	if l := leases[1]; !l.OpenEnd || !l.Start.Equal(time.Date(2026, 3, 5, 10, 30, 0, 0, time.UTC)) || !l.End.Equal(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("session without a Stop = %+v, want open from its Start until the log's end", l)
	}
	if l := leases[2]; l.OpenEnd || !l.End.Equal(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("session seen up to the log's end = %+v, want known until its Interim-Update", l)
	}
	rv := NewResolver(NewIndex(leases), Options{})
	for _, tt := range []struct {
		ip, at, status, sub, reason string
	}{
		{"192.0.2.80", "2026-03-05T09:30:00Z", "confirmed", "rita@example.com", ReasonLeaseCovers},
		{"192.0.2.80", "2026-03-05T10:15:00Z", "unresolved", "", ReasonNoLease},
		{"192.0.2.80", "2026-03-05T11:30:00Z", "ambiguous", "", ReasonSessionEndUnknown},
		{"192.0.2.80", "2026-03-05T11:59:30Z", "ambiguous", "", ReasonNearBoundary},
		{"2001:db8:99:0:1::1", "2026-03-05T11:30:00Z", "confirmed", "tess@example.com", ReasonLeaseCovers},
	} {
		got, err := rv.Resolve(mustEvent(t, tt.ip, -1, tt.at))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tt.status || !got.Reasons.Has(tt.reason) || (tt.sub != "" && got.Subscriber.ID != tt.sub) {
			t.Errorf("%s at %s: %s %+v %s, want %s %s with %s", tt.ip, tt.at, got.Status, got.Subscriber, got.Reasons, tt.status, tt.sub, tt.reason)
		}
	}
}

func TestReadRADIUSPairs(t *testing.T) {
	in := `# detail export
Acct-Status-Type=Stop Acct-Session-Id="u 1" Framed-IP-Address=203.0.113.5 Event-Timestamp=1772712000 Acct-Session-Time=3600 User-Name="uma@example.com"
Acct-Status-Type=Start, Acct-Session-Id=u2, Framed-IP-Address=203.0.113.6, Event-Timestamp="2026-03-05T12:00:00+01:00", Calling-Station-Id=00-00-5E-00-53-09
Acct-Status-Type=Stop Acct-Session-Id=u2 Framed-IP-Address=203.0.113.6 Event-Timestamp=2026-03-05T14:00:00Z Calling-Station-Id=00-00-5E-00-53-09
`
	leases, err := ReadRADIUS(strings.NewReader(in), "detail.log")
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 2 {
		t.Fatalf("%d leases, want 2: %+v", len(leases), leases)
	}
	u := leases[0]
	if u.Subscriber.ID != "uma@example.com" || u.OpenStart || !u.Start.Equal(time.Unix(1772712000-3600, 0)) || u.Prefix != netip.MustParsePrefix("203.0.113.5/32") {
		t.Errorf("stop with session time = %+v", u)
	}
	v := leases[1]
	if v.Subscriber.ID != "00-00-5E-00-53-09" || !v.Start.Equal(time.Date(2026, 3, 5, 11, 0, 0, 0, time.UTC)) || v.OpenEnd {
		t.Errorf("calling-station session = %+v", v)
	}
	if v.Source != "detail.log:3" {
		t.Errorf("source = %q", v.Source)
	}
}

func TestReadRADIUSRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"time without offset", "Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2.1 Timestamp=\"2026-03-05 08:00:00\" User-Name=x\n", []string{"r.log:1", "12-hour"}},
		{"no session id", "Acct-Status-Type=Start Framed-IP-Address=192.0.2.1 Timestamp=2026-03-05T08:00:00Z User-Name=x\n", []string{"r.log:1", "Acct-Session-Id"}},
		{"bad status", "Acct-Status-Type=Maybe Acct-Session-Id=a Framed-IP-Address=192.0.2.1 Timestamp=2026-03-05T08:00:00Z User-Name=x\n", []string{"r.log:1", "Maybe"}},
		{"bad address", "Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2 Timestamp=2026-03-05T08:00:00Z User-Name=x\n", []string{"r.log:1", "Framed-IP-Address"}},
		{"no subscriber", "Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2.1 Timestamp=2026-03-05T08:00:00Z\n", []string{"r.log:1", "User-Name"}},
		{"unterminated quote", "Acct-Status-Type=Start Acct-Session-Id=\"a\n", []string{"r.log:1", "unterminated"}},
		{"second start", "Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2.1 Timestamp=2026-03-05T08:00:00Z User-Name=x\n" +
			"Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2.1 Timestamp=2026-03-05T09:00:00Z User-Name=x\n", []string{"r.log:2", "second Start"}},
		{"address changes", "Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2.1 Timestamp=2026-03-05T08:00:00Z User-Name=x\n" +
			"Acct-Status-Type=Stop Acct-Session-Id=a Framed-IP-Address=192.0.2.2 Timestamp=2026-03-05T09:00:00Z User-Name=x\n", []string{"r.log:2", "192.0.2.1"}},
		{"csv header without status", "Timestamp,Acct-Session-Id,Framed-IP-Address\n", []string{"r.log:1", "Acct-Status-Type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadRADIUS(strings.NewReader(tt.in), "r.log")
			if err == nil {
				t.Fatal("accepted")
			}
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Errorf("code %s", safeguard.ErrorCode(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func FuzzReadRADIUS(f *testing.F) {
	f.Add(fixtureRADIUSCSV)
	f.Add("Acct-Status-Type=Stop Acct-Session-Id=\"u 1\" Framed-IP-Address=203.0.113.5 Event-Timestamp=1772712000 Acct-Session-Time=3600 User-Name=u\n")
	f.Add("Acct-Status-Type=Interim-Update Acct-Session-Id=a Framed-IP-Address=2001:db8::/56 Timestamp=2026-03-05T08:00:00Z Calling-Station-Id=c\n")
	f.Fuzz(func(t *testing.T, in string) {
		leases, err := ReadRADIUS(strings.NewReader(in), "f.log")
		if err != nil {
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Fatalf("code %s: %v", safeguard.ErrorCode(err), err)
			}
			return
		}
		for _, l := range leases {
			if !l.Prefix.IsValid() || l.Subscriber.ID == "" {
				t.Fatalf("bad lease %+v", l)
			}
		}
		NewIndex(leases)
	})
}

func TestReadRADIUSDualStack(t *testing.T) {
	in := `Acct-Status-Type=Start Acct-Session-Id=d1 Framed-IP-Address=192.0.2.90 Event-Timestamp=2026-03-05T08:00:00Z User-Name=vic@example.com
Acct-Status-Type=Interim-Update Acct-Session-Id=d1 Framed-IP-Address=192.0.2.90 Delegated-IPv6-Prefix=2001:db8:90::/56 Event-Timestamp=2026-03-05T09:00:00Z User-Name=vic@example.com
Acct-Status-Type=Stop Acct-Session-Id=d1 Framed-IP-Address=192.0.2.90 Event-Timestamp=2026-03-05T10:00:00Z User-Name=vic@example.com
`
	leases, err := ReadRADIUS(strings.NewReader(in), "dual.log")
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) != 2 || leases[0].Prefix != netip.MustParsePrefix("192.0.2.90/32") || leases[1].Prefix != netip.MustParsePrefix("2001:db8:90::/56") {
		t.Fatalf("leases = %+v, want the IPv4 address and the IPv6 delegation", leases)
	}
	got, err := NewResolver(NewIndex(leases), Options{}).Resolve(mustEvent(t, "2001:db8:90:12::1", 443, "2026-03-05T09:30:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "confirmed" || got.Subscriber.ID != "vic@example.com" {
		t.Errorf("got %s %+v %s", got.Status, got.Subscriber, got.Reasons)
	}
}

func TestReadRADIUSStopWithoutStart(t *testing.T) {
	in := `Acct-Status-Type=Start Acct-Session-Id=w1 Framed-IP-Address=192.0.2.91 Event-Timestamp=2026-03-05T06:00:00Z User-Name=walt@example.com
Acct-Status-Type=Stop Acct-Session-Id=x1 Framed-IP-Address=192.0.2.92 Event-Timestamp=2026-03-05T10:00:00Z User-Name=xena@example.com
Acct-Status-Type=Stop Acct-Session-Id=w1 Framed-IP-Address=192.0.2.91 Event-Timestamp=2026-03-05T11:00:00Z User-Name=walt@example.com
`
	leases, err := ReadRADIUS(strings.NewReader(in), "nostart.log")
	if err != nil {
		t.Fatal(err)
	}
	var x Lease
	for _, l := range leases {
		if l.Subscriber.ID == "xena@example.com" {
			x = l
		}
	}
	for _, l := range leases {
		if l.Subscriber.ID == "xena@example.com" && l.OpenStart {
			x = l
		}
	}
	if !x.OpenStart || !x.Start.Equal(time.Date(2026, 3, 5, 6, 0, 0, 0, time.UTC)) || !x.End.Equal(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("stop without start = %+v, want open from the log's first time to the Stop", x)
	}
	// When xena's session began is not in the log: the address may have
	// been someone else's at 08:00, so the event is not confirmed.
	got, err := NewResolver(NewIndex(leases), Options{}).Resolve(mustEvent(t, "192.0.2.92", -1, "2026-03-05T08:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "ambiguous" || !got.Reasons.Has(ReasonLeaseOpenStart) || !got.Reasons.Has(ReasonSessionStartUnknown) ||
		len(got.Candidates) != 1 || got.Candidates[0].ID != "xena@example.com" {
		t.Errorf("got %s %+v %s, want ambiguous with %s and xena as the candidate", got.Status, got.Candidates, got.Reasons, ReasonSessionStartUnknown)
	}
}
