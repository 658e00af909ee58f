package attribution

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// Held-out-style wrong-door cases, one test per kind of mistake the
// oversight reports name. Every person, address and place is fictional;
// addresses are from the documentation and CGNAT ranges.

// wrongDoorISP holds 192.0.2.12 for SUB-12 until 14:30 BST on 15 June and
// for SUB-21 after; 100.64.7.7 is shared by two port blocks; 2001:db8:aa00::/56
// is delegated to SUB-V6; 198.51.100.40 is held by SUB-B with only a
// billing address.
const wrongDoorISP = "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\r\n" +
	`192.0.2.12,,,2026-06-01T00:00:00+01:00,2026-06-15T14:30:00+01:00,SUB-12,Ada Twelve,"12 Install Road, Exampletown EX1 1AA","PO Box 12, Billington BL1 2ZZ"` + "\r\n" +
	`192.0.2.12,,,2026-06-15T14:30:00+01:00,2026-06-30T00:00:00+01:00,SUB-21,Ben Twentyone,"21 Other Road, Exampletown EX2 1BB",` + "\r\n" +
	`100.64.7.7,1024,2047,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-P1,Cy Portone,"1 Port Street, Exampletown EX3 1CC",` + "\r\n" +
	`100.64.7.7,2048,4095,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-P2,Di Porttwo,"2 Port Street, Exampletown EX3 2DD",` + "\r\n" +
	`2001:db8:aa00::/56,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-V6,Ed Six,"6 Six Lane, Exampletown EX4 6EE",` + "\r\n" +
	`198.51.100.40,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-B,Flo Billing,,"40 Accounts House, Billington BL4 0FF"` + "\r\n" +
	`203.0.113.50,,,2026-10-20T00:00:00Z,2026-10-25T01:00:00Z,SUB-OCT1,Gil Before,"50 Before Road, Exampletown EX5 5GG",` + "\r\n" +
	`203.0.113.50,,,2026-10-25T01:00:00Z,2026-10-30T00:00:00Z,SUB-OCT2,Hob After,"51 After Road, Exampletown EX5 5HH",` + "\r\n"

func wrongDoorResolver(tb testing.TB, opt Options, extra ...string) *Resolver {
	tb.Helper()
	leases, err := ReadISP(strings.NewReader(wrongDoorISP+strings.Join(extra, "")), "isp.csv")
	if err != nil {
		tb.Fatal(err)
	}
	return NewResolver(NewIndex(leases), opt)
}

// outcome is what an event must come out as: the status, the confirmed
// subscriber ("" unless confirmed) and exactly these reason codes, in any
// order.
type outcome struct {
	status, sub string
	codes       []string
}

func checkOutcome(t *testing.T, got Result, want outcome) {
	t.Helper()
	sub := ""
	if got.Subscriber != nil {
		sub = got.Subscriber.ID
	}
	codes := slices.Clone(got.Reasons.Codes())
	wantCodes := slices.Clone(want.codes)
	slices.Sort(codes)
	slices.Sort(wantCodes)
	if got.Status != want.status || sub != want.sub || !slices.Equal(codes, wantCodes) {
		t.Errorf("got %s %q %v, want %s %q %v\n%s", got.Status, sub, got.Reasons.Codes(), want.status, want.sub, want.codes, got.Reasons)
	}
	if got.Status == safeguard.AttrConfirmed && (got.Subscriber == nil || len(got.Candidates) != 1) {
		t.Errorf("confirmed without exactly one candidate: %+v", got.Candidates)
	}
	if got.Status != safeguard.AttrConfirmed && got.Subscriber != nil {
		t.Errorf("%s with a subscriber %+v", got.Status, got.Subscriber)
	}
}

// event builds an event as ReadEvents would from the time as given; port
// "" is no port.
func event(tb testing.TB, ip, port, text string) Event {
	tb.Helper()
	ev := Event{Ref: "e", IPEvent: safeguard.IPEvent{IP: netip.MustParseAddr(ip), TimeText: text}}
	if port != "" {
		n, err := parsePort(port)
		if err != nil {
			tb.Fatal(err)
		}
		ev.Port = &n
	}
	et, err := ParseEventTime(text)
	if err != nil {
		tb.Fatalf("%q: %v", text, err)
	}
	if et.HasOffset {
		ev.At, ev.HasOffset = &et.At, true
	}
	return ev
}

type resolveCase struct {
	name           string
	ip, port, time string
	want           outcome
}

func runResolveCases(t *testing.T, rv *Resolver, cases []resolveCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rv.Resolve(event(t, tt.ip, tt.port, tt.time))
			if err != nil {
				t.Fatal(err)
			}
			checkOutcome(t, got, tt.want)
		})
	}
}

const (
	confirmed   = safeguard.AttrConfirmed
	ambiguous   = safeguard.AttrAmbiguous
	unresolved  = safeguard.AttrUnresolved
	noInstall   = ReasonNoInstallAddress
	coverCode   = ReasonLeaseCovers
	noOffset    = ReasonTimeWithoutOffset
	zoneUnknown = ReasonZoneUnknown
)

func TestAttributionWrongTimeZone(t *testing.T) {
	rv := wrongDoorResolver(t, Options{})
	runResolveCases(t, rv, []resolveCase{
		{"offset +01:00 read as the instant", "192.0.2.12", "", "2026-06-15T14:00:00+01:00", outcome{confirmed, "SUB-12", []string{coverCode}}},
		{"offset without colon +0100", "192.0.2.12", "", "2026-06-15T14:00:00+0100", outcome{confirmed, "SUB-12", []string{coverCode}}},
		{"offset after a space", "192.0.2.12", "", "2026-06-15 14:00:00 +01:00", outcome{confirmed, "SUB-12", []string{coverCode}}},
		{"same clock reading in UTC is another door", "192.0.2.12", "", "2026-06-15T14:00:00Z", outcome{confirmed, "SUB-21", []string{coverCode}}},
		{"RFC 1123 with numeric zone", "192.0.2.12", "", "Mon, 15 Jun 2026 14:00:00 +0100", outcome{confirmed, "SUB-12", []string{coverCode}}},
		{"RFC 1123 GMT", "192.0.2.12", "", "Mon, 15 Jun 2026 14:00:00 GMT", outcome{confirmed, "SUB-21", []string{coverCode}}},
		{"zone abbreviation BST is not an offset", "192.0.2.12", "", "2026-06-15 14:00:00 BST", outcome{ambiguous, "", []string{noOffset, zoneUnknown, ReasonMultipleSubscribers}}},
		{"RFC 1123 with an abbreviation", "192.0.2.12", "", "Mon, 15 Jun 2026 14:00:00 BST", outcome{ambiguous, "", []string{noOffset, zoneUnknown, ReasonMultipleSubscribers}}},
		{"no offset, no zone", "192.0.2.12", "", "2026-06-15 14:00:00", outcome{ambiguous, "", []string{noOffset, zoneUnknown, ReasonMultipleSubscribers}}},
		{"Unix seconds are absolute", "192.0.2.12", "", fmt.Sprint(time.Date(2026, 6, 15, 13, 0, 0, 0, time.UTC).Unix()), outcome{confirmed, "SUB-12", []string{coverCode}}},
	})
	london := mustLoad(t, "Europe/London")
	runResolveCases(t, wrongDoorResolver(t, Options{Zone: london}), []resolveCase{
		// The caller's zone is a hint, never proof: still ambiguous.
		{"no offset, zone supplied", "192.0.2.12", "", "2026-06-15 14:00:00", outcome{ambiguous, "", []string{noOffset, ReasonZoneSupplied}}},
		{"US slash date, zone supplied", "192.0.2.12", "", "6/15/2026 2:00:00 PM", outcome{ambiguous, "", []string{noOffset, ReasonZoneSupplied}}},
		{"an offset wins over the supplied zone", "192.0.2.12", "", "2026-06-15T14:00:00Z", outcome{confirmed, "SUB-21", []string{coverCode}}},
	})
}

func TestAttributionTransposedDigit(t *testing.T) {
	rv := wrongDoorResolver(t, Options{})
	runResolveCases(t, rv, []resolveCase{
		{"address with two digits swapped", "192.0.2.21", "", "2026-06-10T12:00:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
	})
	for _, s := range []string{
		"2026-06-51T12:00:00Z",            // day 51
		"2026-13-10T12:00:00Z",            // month 13
		"Tue, 15 Jun 2026 14:00:00 +0100", // 15 June 2026 is a Monday
		"15/15/2026 12:00",                // neither is a month
		"6/5/2026 12:00",                  // 6 May or 5 June: never guessed
	} {
		if _, err := ParseEventTime(s); err == nil {
			t.Errorf("ParseEventTime(%q) accepted", s)
		}
	}
	// Leading zeros are never read as octal or as another address.
	for _, s := range []string{"192.000.002.012", "192.0.2.012", "0300.0.2.12", "3221226124"} {
		if _, err := ParsePrefix(s); err == nil {
			t.Errorf("ParsePrefix(%q) accepted", s)
		}
		_, _, err := ReadEvents(strings.NewReader("event_id,ip,port,time\ne1,"+s+",,2026-06-10T12:00:00Z\n"), "ev.csv")
		if err == nil || !strings.Contains(err.Error(), "ev.csv:2: column 2 (ip)") {
			t.Errorf("event address %q: %v, want refused naming ev.csv:2 column 2", s, err)
		}
	}
}

// ispRefusal is an ISP file that must be refused, naming where.
type ispRefusal struct {
	name, doc string
	want      []string // substrings of the error
}

func checkISPRefusals(t *testing.T, cases []ispRefusal) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := ReadISP(strings.NewReader(tt.doc), "isp.csv")
			if err == nil {
				t.Fatalf("accepted: %+v", ls)
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

const ispHead = "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n"

func TestReadISPTwelveHourClock(t *testing.T) {
	checkISPRefusals(t, []ispRefusal{
		{"hour 07 without AM/PM or offset", ispHead + "192.0.2.1,,,2026-06-01 07:15:00,2026-06-01T19:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)", "12-hour"}},
		{"hour 12 without AM/PM or offset", ispHead + "192.0.2.1,,,2026-06-01T09:00:00Z,2026-06-01 12:30,S1,,,\n", []string{"isp.csv:2", "column 5 (end)", "12-hour"}},
		{"PM with an offset", ispHead + "192.0.2.1,,,2026-06-01 07:15:00 PM +00:00,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)", "12-hour clock (PM)"}},
		{"lower-case pm", ispHead + "192.0.2.1,,,2026-06-01 7:15 pm,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "12-hour clock (PM)"}},
		{"AM glued to the seconds", ispHead + "192.0.2.1,,,2026-06-01T07:15:00AM+00:00,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "12-hour"}},
		{"US date with AM", ispHead + "192.0.2.1,,,6/1/2026 7:15:00 AM,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "12-hour"}},
		// 11 AM to 1 PM written without AM/PM ends before it starts.
		{"end before start", ispHead + "192.0.2.1,,,2026-06-01T11:00:00+01:00,2026-06-01T01:00:00+01:00,S1,,,\n", []string{"isp.csv:2", "column 5 (end)", "before start"}},
		{"hour 13 without offset", ispHead + "192.0.2.1,,,2026-06-01 13:15:00,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "no time-zone offset"}},
		{"24:00", ispHead + "192.0.2.1,,,2026-06-01T00:00:00Z,2026-06-01T24:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 5 (end)"}},
		{"leap second", ispHead + "192.0.2.1,,,2016-12-31T23:59:60Z,2017-01-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)"}},
		{"offset without colon", ispHead + "192.0.2.1,,,2026-06-01T10:00:00+0100,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)"}},
		{"offset minutes 60", ispHead + "192.0.2.1,,,2026-06-01T10:00:00+01:60,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)", "out of range"}},
		{"offset +24:00", ispHead + "192.0.2.1,,,2026-06-01T10:00:00+24:00,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)", "out of range"}},
		{"RFC 1123 date", ispHead + "192.0.2.1,,,\"Mon, 01 Jun 2026 10:00:00 +0000\",2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)"}},
	})

	// Every time with an offset, but every hour from 01 to 12 over many
	// rows: AM/PM was dropped and an offset kept. Read, never confirming.
	var b strings.Builder
	b.WriteString(ispHead)
	for i := range 20 {
		fmt.Fprintf(&b, "192.0.2.%d,,,2026-06-%02dT%02d:00:00+01:00,2026-06-%02dT%02d:30:00+01:00,S%d,,%d Clock Road,\n", i+1, i+1, i%12+1, i+2, (i+5)%12+1, i, i)
	}
	leases, err := ReadISP(strings.NewReader(b.String()), "clock.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewResolver(NewIndex(leases), Options{}).Resolve(event(t, "192.0.2.1", "", "2026-06-01T18:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, got, outcome{ambiguous, "", []string{ReasonSuspectClock}})
}

func TestAttributionBillingNotInstallationAddress(t *testing.T) {
	rv := wrongDoorResolver(t, Options{})
	got, err := rv.Resolve(event(t, "198.51.100.40", "", "2026-06-10T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, got, outcome{confirmed, "SUB-B", []string{coverCode, noInstall}})
	if a := got.Subscriber.ForceAssignmentAddress(); a != "" {
		t.Errorf("force assignment address = %q, want none: the billing address is never used", a)
	}
	if got.Subscriber.BillingAddress != "40 Accounts House, Billington BL4 0FF" || got.Subscriber.InstallAddress != "" {
		t.Errorf("addresses = %+v", got.Subscriber)
	}
	got, _ = rv.Resolve(event(t, "192.0.2.12", "", "2026-06-10T12:00:00Z"))
	if s := got.Subscriber; s == nil || s.ForceAssignmentAddress() != "12 Install Road, Exampletown EX1 1AA" || s.BillingAddress != "PO Box 12, Billington BL1 2ZZ" {
		t.Errorf("installation and billing = %+v", s)
	}

	// Columns in another order, and a file whose only address column is
	// "address": which address it is is unknown, so it is not used.
	ls, err := ReadISP(strings.NewReader("billing_address,install_address,subscriber_id,end,start,port_end,port_start,ip\r\n"+
		"\"Bill House, Billington\",\"Home Street, Exampletown\",S9,2026-06-30T00:00:00Z,2026-06-01T00:00:00Z,,,192.0.2.99\r\n"), "swap.csv")
	if err != nil || len(ls) != 1 || ls[0].Subscriber.InstallAddress != "Home Street, Exampletown" || ls[0].Subscriber.BillingAddress != "Bill House, Billington" {
		t.Fatalf("reordered columns: %+v %v", ls, err)
	}
	ls, err = ReadISP(strings.NewReader("ip,port_start,port_end,start,end,subscriber_id,address\n192.0.2.98,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S8,\"1 Which Road\"\n"), "addr.csv")
	if err != nil || len(ls) != 1 || ls[0].Subscriber.ForceAssignmentAddress() != "" {
		t.Fatalf("an unnamed address column: %+v %v", ls, err)
	}
}

func TestAttributionSharedAddressAndPorts(t *testing.T) {
	leases, err := ReadISP(strings.NewReader(wrongDoorISP), "isp.csv")
	if err != nil {
		t.Fatal(err)
	}
	shared, err := ReadISP(strings.NewReader("ip,start,end,subscriber_id,port_start,port_end,shared\n"+
		"203.0.113.60,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-S,,,yes\n"), "shared.csv")
	if err != nil {
		t.Fatal(err)
	}
	rv := NewResolver(NewIndex(append(leases, shared...)), Options{})
	runResolveCases(t, rv, []resolveCase{
		{"CGNAT address without its port", "100.64.7.7", "", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonSharedNoPort, ReasonMultipleSubscribers}}},
		{"CGNAT address with a port in one block", "100.64.7.7", "1500", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-P1", []string{coverCode}}},
		{"first port of a block", "100.64.7.7", "2048", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-P2", []string{coverCode}}},
		{"last port of a block", "100.64.7.7", "2047", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-P1", []string{coverCode}}},
		{"port outside every block", "100.64.7.7", "65535", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonPortOutside}}},
		{"port below every block", "100.64.7.7", "80", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonPortOutside}}},
		{"port 0 is a lost port", "100.64.7.7", "0", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonPortZero, ReasonMultipleSubscribers}}},
		{"IPv4-mapped CGNAT address without port", "::ffff:100.64.7.7", "", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonSharedNoPort, ReasonMultipleSubscribers}}},
		{"CGNAT address with no lease", "100.64.9.9", "", "2026-06-10T12:00:00Z", outcome{unresolved, "", []string{ReasonSharedNoPort, ReasonNoLease}}},
		{"range the ISP marks shared, no port", "203.0.113.60", "", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonSharedNoPort}}},
		{"range the ISP marks shared, lease without ports", "203.0.113.60", "5000", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonSharedLeaseNoPorts}}},
		{"not shared: the port does not matter", "192.0.2.12", "0", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-12", []string{coverCode}}},
	})
	checkISPRefusals(t, []ispRefusal{
		{"port 65536", ispHead + "100.64.7.8,1024,65536,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 3 (port_end)"}},
		{"negative port", ispHead + "100.64.7.8,-1,100,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 2 (port_start)"}},
		{"only one port column", ispHead + "100.64.7.8,1024,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "port_start"}},
		{"a shared flag past the header's columns", ispHead + "203.0.113.61,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,,true\n", []string{"isp.csv:2", "column 10", "in no column"}},
		{"an eleventh cell without a header", "203.0.113.61,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,,true,Extra Road\n", []string{"isp.csv:1", "column 11"}},
		{"block upside down", ispHead + "100.64.7.8,2047,1024,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "below port_start"}},
	})
	for _, tt := range []struct{ port, want string }{{"65536", "ev.csv:2: column 3 (port)"}, {"-1", "ev.csv:2: column 3 (port)"}, {"80a", "ev.csv:2: column 3 (port)"}} {
		if _, _, err := ReadEvents(strings.NewReader("event_id,ip,port,time\ne1,100.64.7.7,"+tt.port+",2026-06-10T12:00:00Z\n"), "ev.csv"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("event port %q: %v, want refused naming %s", tt.port, err, tt.want)
		}
	}
	// An empty port cell and a missing port column are both no port.
	for _, doc := range []string{"event_id,ip,port,time\ne1,100.64.7.7,,2026-06-10T12:00:00Z\n", "event_id,ip,time\ne1,100.64.7.7,2026-06-10T12:00:00Z\n", "event_id,ip,port,time\ne1,100.64.7.7, ,2026-06-10T12:00:00Z\n"} {
		rows, _, err := ReadEvents(strings.NewReader(doc), "ev.csv")
		if err != nil || len(rows) != 1 || rows[0].Port != nil {
			t.Fatalf("%q: %+v %v", doc, rows, err)
		}
		got, _ := rv.Resolve(rows[0].Event)
		checkOutcome(t, got, outcome{ambiguous, "", []string{ReasonSharedNoPort, ReasonMultipleSubscribers}})
	}
}
