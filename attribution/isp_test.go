package attribution

import (
	"net/netip"
	"strings"
	"testing"

	"safeguard"
)

func TestReadISP(t *testing.T) {
	leases, err := ReadISP(strings.NewReader(fixtureISP), "isp.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(leases), 15; got != want {
		t.Fatalf("%d leases, want %d", got, want)
	}
	a := leases[0]
	if a.Prefix != netip.MustParsePrefix("192.0.2.10/32") || a.HasPorts || a.Subscriber.ID != "SUB-A" ||
		a.Subscriber.InstallAddress != "1 Install Road, Exampletown EX1 1AA" || a.Subscriber.BillingAddress != "PO Box 9, Billington BL9 9ZZ" {
		t.Errorf("first lease = %+v", a)
	}
	if a.Source != "isp.csv:2" {
		t.Errorf("source = %q, want isp.csv:2", a.Source)
	}
	d := leases[3]
	if !d.HasPorts || d.PortStart != 1024 || d.PortEnd != 2047 {
		t.Errorf("port block lease = %+v", d)
	}
	if !leases[7].Shared {
		t.Errorf("shared column not read: %+v", leases[7])
	}
	if got, want := leases[8].Prefix, netip.MustParsePrefix("2001:db8:12:3400::/56"); got != want {
		t.Errorf("IPv6 delegation = %s, want %s", got, want)
	}
	// Offsets other than Z are converted to the instant.
	if got, want := leases[11].Start.Format("2006-01-02T15:04:05Z07:00"), "2026-06-15T08:00:00Z"; got != want {
		t.Errorf("start = %s, want %s", got, want)
	}
}

func TestReadISPNoHeaderAndReorderedHeader(t *testing.T) {
	if ls, err := ReadISP(strings.NewReader("192.0.2.1,,,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,S1,N,I,B,true\n"), "x.csv"); err != nil || len(ls) != 1 || !ls[0].Shared {
		t.Fatalf("no header: %v %v", ls, err)
	}
	ls, err := ReadISP(strings.NewReader("subscriber_id,ip,start,end,port_start,port_end,billing_address,install_address\nS1,192.0.2.1,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,,,Bill St,Install St\n"), "x.csv")
	if err != nil || len(ls) != 1 || ls[0].Subscriber.InstallAddress != "Install St" || ls[0].Subscriber.BillingAddress != "Bill St" {
		t.Fatalf("reordered header: %+v %v", ls, err)
	}
}

func TestReadISPRefuses(t *testing.T) {
	const head = "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n"
	tests := []struct {
		name string
		row  string
		want []string // substrings of the error
	}{
		{"12-hour clock without AM/PM", "192.0.2.1,,,2026-03-01 07:15:00,2026-03-01 09:15:00,S1,N,I,B", []string{"x.csv:2", "column 4 (start)", "12-hour clock"}},
		{"12-hour clock with AM/PM", "192.0.2.1,,,2026-03-01T00:00:00Z,2026-03-01 07:15:00 PM,S1,N,I,B", []string{"x.csv:2", "column 5 (end)", "12-hour clock (PM)"}},
		{"time without offset", "192.0.2.1,,,2026-03-01T19:15:00,2026-03-01T20:00:00Z,S1,N,I,B", []string{"x.csv:2", "column 4", "no time-zone offset"}},
		{"not a time", "192.0.2.1,,,01/03/2026,2026-03-01T20:00:00Z,S1,N,I,B", []string{"column 4", "not RFC 3339"}},
		{"bad address", "192.0.2.300,,,2026-03-01T19:15:00Z,2026-03-01T20:00:00Z,S1,N,I,B", []string{"column 1 (ip)"}},
		{"prefix with host bits", "2001:db8::1/56,,,2026-03-01T19:15:00Z,2026-03-01T20:00:00Z,S1,N,I,B", []string{"column 1 (ip)", "host bits"}},
		{"one port only", "100.64.0.1,1024,,2026-03-01T19:15:00Z,2026-03-01T20:00:00Z,S1,N,I,B", []string{"column 2"}},
		{"port out of range", "100.64.0.1,1024,70000,2026-03-01T19:15:00Z,2026-03-01T20:00:00Z,S1,N,I,B", []string{"column 3 (port_end)"}},
		{"ports reversed", "100.64.0.1,2000,1000,2026-03-01T19:15:00Z,2026-03-01T20:00:00Z,S1,N,I,B", []string{"column 3"}},
		{"end before start", "192.0.2.1,,,2026-03-01T19:15:00Z,2026-03-01T18:00:00Z,S1,N,I,B", []string{"column 5 (end)", "before start"}},
		{"no subscriber", "192.0.2.1,,,2026-03-01T19:15:00Z,2026-03-01T20:00:00Z,,N,I,B", []string{"column 6 (subscriber_id)"}},
		{"short row", "192.0.2.1,,,2026-03-01T19:15:00Z", []string{"x.csv:2", "end"}},
		{"bad shared", "192.0.2.1,,,2026-03-01T19:15:00Z,2026-03-01T20:00:00Z,S1,N,I,B,maybe", []string{"x.csv:2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := head
			if strings.HasSuffix(tt.row, "maybe") {
				h = strings.TrimSuffix(head, "\n") + ",shared\n"
			}
			_, err := ReadISP(strings.NewReader(h+tt.row+"\n"), "x.csv")
			if err == nil {
				t.Fatal("accepted")
			}
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Errorf("code = %s, want EINVALID", safeguard.ErrorCode(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestReadISPLaterLine(t *testing.T) {
	in := "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n" +
		"192.0.2.1,,,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,S1,N,I,B\n" +
		"\n" +
		"192.0.2.2,,,2026-03-01T11:00:00,2026-03-02T00:00:00Z,S2,N,I,B\n"
	_, err := ReadISP(strings.NewReader(in), "late.csv")
	if err == nil || !strings.Contains(err.Error(), "late.csv:4: column 4 (start)") {
		t.Fatalf("err = %v, want late.csv:4: column 4 (start)", err)
	}
}

func TestParseISPTime(t *testing.T) {
	ok := []string{"2026-03-01T07:15:00Z", "2026-03-01T07:15:00+01:00", "2026-03-01 19:15:00-05:00", "2026-03-01T07:15:00.123Z"}
	for _, s := range ok {
		if _, err := ParseISPTime(s); err != nil {
			t.Errorf("ParseISPTime(%q): %v", s, err)
		}
	}
	bad := map[string]string{
		"2026-03-01 07:15:00":           "12-hour",
		"2026-03-01 12:00":              "12-hour",
		"2026-03-01 00:30:00":           "12-hour",
		"2026-03-01 07:15:00 AM":        "12-hour clock (AM)",
		"2026-03-01 07:15:00 pm +00:00": "12-hour clock (PM)",
		"2026-03-01T07:15:00PM+01:00":   "12-hour clock (PM)",
		"2026-03-01 13:15:00":           "no time-zone offset",
		"2026-03-01T25:15:00Z":          "not RFC 3339",
		"":                              "empty",
	}
	for s, want := range bad {
		if _, err := ParseISPTime(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseISPTime(%q) = %v, want an error saying %q", s, err, want)
		}
	}
}

func TestParseEventTime(t *testing.T) {
	tests := []struct {
		in        string
		hasOffset bool
		want      string // instant or wall clock, RFC 3339 in UTC
	}{
		{"2026-03-01T07:15:00Z", true, "2026-03-01T07:15:00Z"},
		{"2026-03-01T07:15:00+01:00", true, "2026-03-01T06:15:00Z"},
		{"1772349300", true, "2026-03-01T07:15:00Z"},
		{"2026-03-01 07:15:00", false, "2026-03-01T07:15:00Z"},
		{"2026-03-01T07:15", false, "2026-03-01T07:15:00Z"},
		{"2026-03-01 07:15:00 PM", false, "2026-03-01T19:15:00Z"},
		{"2026-03-01 12:15:00 AM", false, "2026-03-01T00:15:00Z"},
		{"2026-03-01 07:15:00 UTC", true, "2026-03-01T07:15:00Z"},
		{"2026-03-01 07:15:00 PM GMT", true, "2026-03-01T19:15:00Z"},
		{"2026-03-01T07:15:00+0100", true, "2026-03-01T06:15:00Z"},
		{"2026-03-01 07:15:00 -05:00", true, "2026-03-01T12:15:00Z"},
		{"2026-03-01 07:15:00 BST", false, "2026-03-01T07:15:00Z"},
	}
	for _, tt := range tests {
		got, err := ParseEventTime(tt.in)
		if err != nil {
			t.Errorf("ParseEventTime(%q): %v", tt.in, err)
			continue
		}
		v := got.Wall
		if got.HasOffset {
			v = got.At
		}
		if got.HasOffset != tt.hasOffset || v.Format("2006-01-02T15:04:05Z07:00") != tt.want {
			t.Errorf("ParseEventTime(%q) = %+v, want offset %v %s", tt.in, got, tt.hasOffset, tt.want)
		}
	}
	for _, s := range []string{"", "yesterday", "2026-02-30 10:00:00", "2026-03-01 13:00 PM", "2026-13-01T00:00:00", "2026-03-01 07:15:00 +25:00", "2026-03-01 07:15:00 Europe/London"} {
		if _, err := ParseEventTime(s); err == nil {
			t.Errorf("ParseEventTime(%q) accepted", s)
		}
	}
}

func TestReadProxies(t *testing.T) {
	var pl ProxyList
	err := pl.ReadProxies(strings.NewReader("# exits\n\n198.51.100.192/26 vpn\n203.0.113.99 # tor\n2001:db8:ff::/48\n"), "p.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"198.51.100.200", "203.0.113.99", "2001:db8:ff::5", "::ffff:203.0.113.99"} {
		if _, _, ok := pl.Lookup(netip.MustParseAddr(a)); !ok {
			t.Errorf("%s not found", a)
		}
	}
	for _, a := range []string{"198.51.100.1", "203.0.113.98", "2001:db8:fe::5"} {
		if _, _, ok := pl.Lookup(netip.MustParseAddr(a)); ok {
			t.Errorf("%s found", a)
		}
	}
	if _, label, _ := pl.Lookup(netip.MustParseAddr("203.0.113.99")); label != "p.txt:4" {
		t.Errorf("label = %q, want p.txt:4", label)
	}
	err = pl.ReadProxies(strings.NewReader("203.0.113.1\nnot-an-ip\n"), "bad.txt")
	if err == nil || !strings.Contains(err.Error(), "bad.txt:2") {
		t.Errorf("err = %v, want bad.txt:2", err)
	}
}

func FuzzReadISP(f *testing.F) {
	f.Add(fixtureISP)
	f.Add("192.0.2.1,1,2,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,S1,N,I,B\n")
	f.Add("ip,shared\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		leases, err := ReadISP(strings.NewReader(in), "f.csv")
		if err != nil {
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Fatalf("code %s: %v", safeguard.ErrorCode(err), err)
			}
			return
		}
		for _, l := range leases {
			if !l.Prefix.IsValid() || l.End.Before(l.Start) || l.Subscriber.ID == "" || (l.HasPorts && l.PortStart > l.PortEnd) {
				t.Fatalf("bad lease %+v", l)
			}
		}
		NewIndex(leases)
	})
}

func TestReadISPSuspectTwelveHourClock(t *testing.T) {
	var b strings.Builder
	b.WriteString("ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n")
	for i := 0; i < 16; i++ {
		// Every time has an offset, yet no hour is 00 or past 12.
		b.WriteString("192.0.2." + string(rune('1'+i%9)) + ",,,2026-03-0" + string(rune('1'+i%9)) + "T01:00:00+00:00,2026-03-0" + string(rune('1'+i%9)) + "T11:00:00+00:00,S1,N,I,B\n")
	}
	leases, err := ReadISP(strings.NewReader(b.String()), "twelve.csv")
	if err != nil {
		t.Fatal(err)
	}
	if leases[0].ClockWarning == "" {
		t.Fatal("no clock warning on a file whose hours are all 01-12")
	}
	got, err := NewResolver(NewIndex(leases), Options{}).Resolve(mustEvent(t, "192.0.2.1", -1, "2026-03-01T05:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "ambiguous" || !got.Reasons.Has(ReasonSuspectClock) {
		t.Errorf("got %s %s, want ambiguous with %s", got.Status, got.Reasons, ReasonSuspectClock)
	}
	// The fixture has midnights: no warning.
	leases, _ = ReadISP(strings.NewReader(fixtureISP), "isp.csv")
	if leases[0].ClockWarning != "" {
		t.Errorf("warning on a 24-hour file: %s", leases[0].ClockWarning)
	}
}

func TestProxyListEntries(t *testing.T) {
	var pl ProxyList
	if err := pl.ReadProxies(strings.NewReader("203.0.113.9\n192.0.2.0/28 tor\n2001:db8::/32\n192.0.2.0/28 again\n"), "p.txt"); err != nil {
		t.Fatal(err)
	}
	got := pl.Entries()
	want := []ProxyEntry{
		{netip.MustParsePrefix("192.0.2.0/28"), "p.txt:2"},
		{netip.MustParsePrefix("203.0.113.9/32"), "p.txt:1"},
		{netip.MustParsePrefix("2001:db8::/32"), "p.txt:3"},
	}
	if len(got) != len(want) {
		t.Fatalf("Entries = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, got[i], want[i])
		}
	}
}
