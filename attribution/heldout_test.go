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
		"11/1/2026 1:30:00 AM",            // 1 November or 11 January, AM/PM or not
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
		{"offset without colon", ispHead + "192.0.2.1,,,2026-06-01T10:00:00+0100,2026-06-02T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 4 (start)", "no colon (write +01:00)"}},
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

func TestAttributionNearLeaseBoundary(t *testing.T) {
	// SUB-12's lease ends and SUB-21's begins at 13:30:00Z.
	rv := wrongDoorResolver(t, Options{})
	runResolveCases(t, rv, []resolveCase{
		{"at the change", "192.0.2.12", "", "2026-06-15T13:30:00Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers, ReasonNearBoundary}}},
		{"59 s before the change", "192.0.2.12", "", "2026-06-15T13:29:01Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers, ReasonNearBoundary}}},
		{"exactly the tolerance before", "192.0.2.12", "", "2026-06-15T13:29:00Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers, ReasonNearBoundary}}},
		{"one second beyond the tolerance", "192.0.2.12", "", "2026-06-15T13:28:59Z", outcome{confirmed, "SUB-12", []string{coverCode}}},
		{"after the change, beyond the tolerance", "192.0.2.12", "", "2026-06-15T13:31:01Z", outcome{confirmed, "SUB-21", []string{coverCode}}},
		{"within the tolerance, in fractions", "192.0.2.12", "", "2026-06-15T13:30:59.999Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers, ReasonNearBoundary}}},
		{"lease ending exactly at the event", "198.51.100.40", "", "2026-06-30T00:00:00Z", outcome{ambiguous, "", []string{ReasonNearBoundary}}},
		{"lease starting exactly at the event", "198.51.100.40", "", "2026-06-01T00:00:00Z", outcome{ambiguous, "", []string{ReasonNearBoundary}}},
		{"just after the last lease ended", "198.51.100.40", "", "2026-06-30T00:00:30Z", outcome{ambiguous, "", []string{ReasonNearBoundary}}},
		{"beyond every lease", "198.51.100.40", "", "2026-06-30T00:01:01Z", outcome{unresolved, "", []string{ReasonNoLease}}},
	})
	// A wider tolerance, as an examiner may set it.
	wide := wrongDoorResolver(t, Options{Skew: 5 * time.Minute})
	runResolveCases(t, wide, []resolveCase{
		{"within a 5 min tolerance", "192.0.2.12", "", "2026-06-15T13:26:00Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers, ReasonNearBoundary}}},
		{"beyond a 5 min tolerance", "192.0.2.12", "", "2026-06-15T13:24:59Z", outcome{confirmed, "SUB-12", []string{coverCode}}},
	})
}

func TestAttributionDaylightSaving(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	newYork := mustLoad(t, "America/New_York")
	// 203.0.113.50 changes hands at 01:00Z on 25 October 2026, while
	// London's 01:00-02:00 happens twice (BST, then GMT).
	lon := wrongDoorResolver(t, Options{Zone: london},
		"198.51.100.77,,,2026-03-28T00:00:00Z,2026-03-30T00:00:00Z,SUB-SPRING,Ivo Spring,\"7 Spring Road\",\n",
		"198.51.100.78,,,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,SUB-FALL,Jan Fall,\"8 Fall Road\",\n")
	runResolveCases(t, lon, []resolveCase{
		{"repeated hour in London", "203.0.113.50", "", "2026-10-25 01:30:00", outcome{ambiguous, "", []string{noOffset, ReasonDSTAmbiguous, ReasonMultipleSubscribers}}},
		{"repeated hour, 12-hour clock", "203.0.113.50", "", "2026-10-25 1:30:00 am", outcome{ambiguous, "", []string{noOffset, ReasonDSTAmbiguous, ReasonMultipleSubscribers}}},
		{"repeated hour, one subscriber still ambiguous", "198.51.100.40", "", "2026-06-15 14:00:00", outcome{ambiguous, "", []string{noOffset, ReasonZoneSupplied}}},
		{"skipped hour in London", "198.51.100.77", "", "2026-03-29 01:30", outcome{ambiguous, "", []string{noOffset, ReasonDSTNonexistent}}},
		{"skipped hour, US date order", "198.51.100.77", "", "3/29/2026 1:30:00", outcome{ambiguous, "", []string{noOffset, ReasonDSTNonexistent}}},
		{"repeated hour with an offset is one instant", "203.0.113.50", "", "2026-10-25T01:30:00+01:00", outcome{confirmed, "SUB-OCT1", []string{coverCode}}},
		{"second 01:30, GMT offset", "203.0.113.50", "", "2026-10-25T01:30:00+00:00", outcome{confirmed, "SUB-OCT2", []string{coverCode}}},
	})
	ny := wrongDoorResolver(t, Options{Zone: newYork},
		"198.51.100.77,,,2026-03-07T00:00:00Z,2026-03-10T00:00:00Z,SUB-SPRING,Ivo Spring,\"7 Spring Road\",\n",
		"198.51.100.78,,,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,SUB-FALL,Jan Fall,\"8 Fall Road\",\n")
	runResolveCases(t, ny, []resolveCase{
		{"repeated hour in New York", "198.51.100.78", "", "2026-11-01 1:30:00 AM", outcome{ambiguous, "", []string{noOffset, ReasonDSTAmbiguous}}},
		{"skipped hour in New York", "198.51.100.77", "", "2026-03-08 02:30", outcome{ambiguous, "", []string{noOffset, ReasonDSTNonexistent}}},
	})
	got, err := lon.Resolve(event(t, "203.0.113.50", "", "2026-10-25 01:30:00"))
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)}
	if !slices.EqualFunc(got.Instants, want, time.Time.Equal) || got.At != nil {
		t.Errorf("instants %v (at %v), want %v and no single instant", got.Instants, got.At, want)
	}
}

func TestAttributionMoreThanOneSubscriber(t *testing.T) {
	rv := wrongDoorResolver(t, Options{},
		// Two subscribers' leases overlap on one address.
		"192.0.2.70,,,2026-06-01T00:00:00Z,2026-06-20T00:00:00Z,SUB-X,Kai Overlap,\"70 Overlap Road\",\n",
		"192.0.2.70,,,2026-06-10T00:00:00Z,2026-06-30T00:00:00Z,SUB-Y,Lia Overlap,\"71 Overlap Road\",\n",
		// One subscriber on two overlapping leases: one subscriber.
		"192.0.2.71,,,2026-06-01T00:00:00Z,2026-06-20T00:00:00Z,SUB-Z,Mo Twice,\"72 Twice Road\",\"PO Box 72\"\n",
		"192.0.2.71,,,2026-06-10T00:00:00Z,2026-06-30T00:00:00Z,SUB-Z,Mo Twice,\"72 Twice Road\",\"PO Box 72\"\n",
		// One subscriber, two installation addresses at once.
		"192.0.2.72,,,2026-06-01T00:00:00Z,2026-06-20T00:00:00Z,SUB-W,Ned Moved,\"1 Old Road\",\n",
		"192.0.2.72,,,2026-06-10T00:00:00Z,2026-06-30T00:00:00Z,SUB-W,Ned Moved,\"2 New Road\",\n",
		// A /24 to a business and a /32 inside it to someone else.
		"198.51.100.0/24,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-CORP,Oak Corp,\"1 Corp Park\",\n",
		// A port block overlapping another subscriber's.
		"100.64.7.7,2000,2100,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-P3,Pia Overlap,\"3 Port Street\",\n",
		// One lease ending and the next starting an hour later: a gap.
		"192.0.2.73,,,2026-06-01T00:00:00Z,2026-06-10T00:00:00Z,SUB-G1,Quin Gap,\"1 Gap Road\",\n",
		"192.0.2.73,,,2026-06-10T01:00:00Z,2026-06-20T00:00:00Z,SUB-G2,Rae Gap,\"2 Gap Road\",\n")
	runResolveCases(t, rv, []resolveCase{
		{"overlapping leases of two subscribers", "192.0.2.70", "", "2026-06-15T12:00:00Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers}}},
		{"before the overlap", "192.0.2.70", "", "2026-06-05T12:00:00Z", outcome{confirmed, "SUB-X", []string{coverCode}}},
		{"same subscriber on two overlapping leases", "192.0.2.71", "", "2026-06-15T12:00:00Z", outcome{confirmed, "SUB-Z", []string{coverCode}}},
		{"same subscriber, boundary inside the other lease", "192.0.2.71", "", "2026-06-20T00:00:00Z", outcome{confirmed, "SUB-Z", []string{coverCode}}},
		{"same subscriber, two installation addresses", "192.0.2.72", "", "2026-06-15T12:00:00Z", outcome{ambiguous, "", []string{ReasonInstallAddressConflict}}},
		{"a prefix and an address inside it", "198.51.100.40", "", "2026-06-15T12:00:00Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers}}},
		{"a prefix alone", "198.51.100.41", "", "2026-06-15T12:00:00Z", outcome{confirmed, "SUB-CORP", []string{coverCode}}},
		{"overlapping port blocks", "100.64.7.7", "2050", "2026-06-15T12:00:00Z", outcome{ambiguous, "", []string{ReasonMultipleSubscribers}}},
		{"in a gap between leases", "192.0.2.73", "", "2026-06-10T00:30:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
	})
}

func TestAttributionKnownProxies(t *testing.T) {
	var pl ProxyList
	if err := pl.ReadProxies(strings.NewReader("\ufeff# exits (fictional)\r\n192.0.2.12 tor\r\n2001:db8:aa00:1::/64,vpn\r\n::ffff:198.51.100.40\r\n"), "exits.txt"); err != nil {
		t.Fatal(err)
	}
	rv := wrongDoorResolver(t, Options{Proxies: &pl})
	runResolveCases(t, rv, []resolveCase{
		{"known Tor exit with a lease", "192.0.2.12", "", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonKnownProxy}}},
		{"known VPN prefix in an IPv6 delegation", "2001:db8:aa00:1::99", "", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonKnownProxy}}},
		{"same delegation outside the VPN prefix", "2001:db8:aa00:2::99", "", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-V6", []string{coverCode}}},
		{"listed as IPv4-mapped, event in IPv4", "198.51.100.40", "", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonKnownProxy}}},
		{"event IPv4-mapped, listed in IPv4", "::ffff:192.0.2.12", "", "2026-06-10T12:00:00Z", outcome{ambiguous, "", []string{ReasonKnownProxy}}},
		{"known exit without a lease", "192.0.2.12", "", "2027-01-10T12:00:00Z", outcome{unresolved, "", []string{ReasonKnownProxy, ReasonNoLease}}},
	})
	ev := event(t, "100.64.7.7", "1500", "2026-06-10T12:00:00Z")
	ev.PossibleProxy = true
	got, err := rv.Resolve(ev)
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, got, outcome{ambiguous, "", []string{ReasonPossibleProxy}})
	rows, _, err := ReadEvents(strings.NewReader("event_id,ip,port,time,possibleProxy\ne1,100.64.7.7,1500,2026-06-10T12:00:00Z,TRUE\ne2,100.64.7.7,1500,2026-06-10T12:00:00Z,false\n"), "ev.csv")
	if err != nil || len(rows) != 2 || !rows[0].PossibleProxy || rows[1].PossibleProxy {
		t.Fatalf("possibleProxy column: %+v %v", rows, err)
	}
	if _, _, err := ReadEvents(strings.NewReader("event_id,ip,port,time,possible_proxy\ne1,100.64.7.7,1500,2026-06-10T12:00:00Z,maybe\n"), "ev.csv"); err == nil || !strings.Contains(err.Error(), "ev.csv:2: column 5 (possible_proxy)") {
		t.Errorf("possible_proxy maybe: %v", err)
	}
}

func TestAttributionIPv6Delegations(t *testing.T) {
	rv := wrongDoorResolver(t, Options{})
	runResolveCases(t, rv, []resolveCase{
		{"address inside the /56", "2001:db8:aa00:ff:1234::1", "", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-V6", []string{coverCode}}},
		{"written in full with leading zeros", "2001:0db8:aa00:00ff:0000:0000:0000:0001", "", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-V6", []string{coverCode}}},
		{"upper case", "2001:DB8:AA00::1", "", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-V6", []string{coverCode}}},
		{"first address past the /56", "2001:db8:aa00:100::1", "", "2026-06-10T12:00:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
	})
	checkISPRefusals(t, []ispRefusal{
		{"delegation with host bits set", ispHead + "2001:db8:bb00:1::/56,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 1 (ip)", "host bits", "2001:db8:bb00::/56"}},
		{"IPv4 prefix with host bits set", ispHead + "192.0.2.1/24,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 1 (ip)", "192.0.2.0/24"}},
		{"address with a zone", ispHead + "fe80::1%eth0,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 1 (ip)"}},
		{"prefix length past 128", ispHead + "2001:db8::/129,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 1 (ip)"}},
		{"IPv4 with leading zeros", ispHead + "192.000.002.001,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n", []string{"isp.csv:2", "column 1 (ip)"}},
	})
	// An IPv4-mapped delegation is read as the IPv4 prefix.
	ls, err := ReadISP(strings.NewReader(ispHead+"::ffff:192.0.2.0/120,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,,,\n"), "isp.csv")
	if err != nil || len(ls) != 1 || ls[0].Prefix != netip.MustParsePrefix("192.0.2.0/24") {
		t.Fatalf("mapped prefix: %+v %v", ls, err)
	}
}

func radiusResolver(tb testing.TB, log string) *Resolver {
	tb.Helper()
	leases, err := ReadLeases(strings.NewReader(log), "acct.log")
	if err != nil {
		tb.Fatal(err)
	}
	return NewResolver(NewIndex(leases), Options{})
}

func TestAttributionRADIUSSessions(t *testing.T) {
	t.Run("missing Stop", func(t *testing.T) {
		rv := radiusResolver(t, `Acct-Status-Type=Start Acct-Session-Id=m1 Framed-IP-Address=192.0.2.110 Event-Timestamp=2026-06-05T08:00:00Z User-Name=ada@example.com
Acct-Status-Type=Interim-Update Acct-Session-Id=m1 Framed-IP-Address=192.0.2.110 Event-Timestamp=2026-06-05T09:00:00Z User-Name=ada@example.com
Acct-Status-Type=Start Acct-Session-Id=m2 Framed-IP-Address=192.0.2.111 Event-Timestamp=2026-06-05T10:00:00Z User-Name=ben@example.com
Acct-Status-Type=Stop Acct-Session-Id=m2 Framed-IP-Address=192.0.2.111 Event-Timestamp=2026-06-05T12:00:00Z User-Name=ben@example.com
`)
		runResolveCases(t, rv, []resolveCase{
			{"between Start and the last Interim", "192.0.2.110", "", "2026-06-05T08:30:00Z", outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}}},
			{"after the last record", "192.0.2.110", "", "2026-06-05T10:00:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenEnd, ReasonSessionEndUnknown}}},
			{"within the tolerance of the last record", "192.0.2.110", "", "2026-06-05T08:59:30Z", outcome{ambiguous, "", []string{ReasonLeaseOpenEnd, ReasonSessionEndUnknown}}},
			{"after the log ends", "192.0.2.110", "", "2026-06-05T13:00:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
		})
	})
	t.Run("missing Stop, address given to another", func(t *testing.T) {
		rv := radiusResolver(t, `Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name
2026-06-05T08:00:00Z,Start,a1,192.0.2.112,ada@example.com
2026-06-05T11:00:00Z,Start,b1,192.0.2.112,ben@example.com
2026-06-05T11:45:00Z,Stop,b1,192.0.2.112,ben@example.com
2026-06-05T12:00:00Z,Start,c1,192.0.2.113,cy@example.com
`)
		runResolveCases(t, rv, []resolveCase{
			{"in the other's session", "192.0.2.112", "", "2026-06-05T11:30:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenEnd, ReasonSessionEndUnknown, ReasonMultipleSubscribers}}},
		})
	})
	t.Run("Stop before Start in the file", func(t *testing.T) {
		rv := radiusResolver(t, `Acct-Status-Type=Stop Acct-Session-Id=s1 Framed-IP-Address=192.0.2.114 Event-Timestamp=2026-06-05T12:00:00Z User-Name=ada@example.com
Acct-Status-Type=Start Acct-Session-Id=s1 Framed-IP-Address=192.0.2.114 Event-Timestamp=2026-06-05T08:00:00Z User-Name=ada@example.com
`)
		runResolveCases(t, rv, []resolveCase{
			{"records in time order pair", "192.0.2.114", "", "2026-06-05T10:00:00Z", outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}}},
		})
	})
	t.Run("Stop timed before its Start", func(t *testing.T) {
		rv := radiusResolver(t, `Acct-Status-Type=Start Acct-Session-Id=s2 Framed-IP-Address=192.0.2.115 Event-Timestamp=2026-06-05T12:00:00Z User-Name=ada@example.com
Acct-Status-Type=Stop Acct-Session-Id=s2 Framed-IP-Address=192.0.2.115 Event-Timestamp=2026-06-05T08:00:00Z User-Name=ada@example.com
Acct-Status-Type=Start Acct-Session-Id=t1 Framed-IP-Address=192.0.2.116 Event-Timestamp=2026-06-05T06:00:00Z User-Name=ben@example.com
Acct-Status-Type=Stop Acct-Session-Id=t1 Framed-IP-Address=192.0.2.116 Event-Timestamp=2026-06-05T14:00:00Z User-Name=ben@example.com
`)
		runResolveCases(t, rv, []resolveCase{
			{"before the Stop", "192.0.2.115", "", "2026-06-05T07:00:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenStart, ReasonSessionStartUnknown}}},
			{"between Stop and Start", "192.0.2.115", "", "2026-06-05T10:00:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
			{"after the Start", "192.0.2.115", "", "2026-06-05T13:00:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenEnd, ReasonSessionEndUnknown}}},
		})
	})
	t.Run("Interim records", func(t *testing.T) {
		rv := radiusResolver(t, `Acct-Status-Type=Start Acct-Session-Id=x0 Framed-IP-Address=192.0.2.119 Event-Timestamp=2026-06-05T06:00:00Z User-Name=dee@example.com
Acct-Status-Type=Interim-Update Acct-Session-Id=i1 Framed-IP-Address=192.0.2.117 Event-Timestamp=2026-06-05T09:00:00Z User-Name=ada@example.com
Acct-Status-Type=Interim-Update Acct-Session-Id=i1 Framed-IP-Address=192.0.2.117 Event-Timestamp=2026-06-05T10:00:00Z User-Name=ada@example.com
Acct-Status-Type=Stop Acct-Session-Id=i1 Framed-IP-Address=192.0.2.117 Event-Timestamp=2026-06-05T11:00:00Z User-Name=ada@example.com
Acct-Status-Type=Stop Acct-Session-Id=x0 Framed-IP-Address=192.0.2.119 Event-Timestamp=2026-06-05T12:00:00Z User-Name=dee@example.com
`)
		runResolveCases(t, rv, []resolveCase{
			{"between the first Interim and the Stop", "192.0.2.117", "", "2026-06-05T09:30:00Z", outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}}},
			{"before the first Interim, no Start", "192.0.2.117", "", "2026-06-05T08:00:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenStart, ReasonSessionStartUnknown}}},
		})
	})
	t.Run("Stop without Start, with and without Acct-Session-Time", func(t *testing.T) {
		rv := radiusResolver(t, `Acct-Status-Type=Start Acct-Session-Id=x0 Framed-IP-Address=192.0.2.119 Event-Timestamp=2026-06-05T06:00:00Z User-Name=dee@example.com
Acct-Status-Type=Stop Acct-Session-Id=d1 Framed-IP-Address=192.0.2.118 Event-Timestamp=2026-06-05T12:00:00Z Acct-Session-Time=7200 User-Name=ada@example.com
Acct-Status-Type=Stop Acct-Session-Id=d2 Framed-IP-Address=192.0.2.120 Event-Timestamp=2026-06-05T12:00:00Z User-Name=ben@example.com
`)
		runResolveCases(t, rv, []resolveCase{
			{"within Acct-Session-Time", "192.0.2.118", "", "2026-06-05T11:00:00Z", outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}}},
			{"before Acct-Session-Time", "192.0.2.118", "", "2026-06-05T09:00:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
			{"no Start, no session time", "192.0.2.120", "", "2026-06-05T11:00:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenStart, ReasonSessionStartUnknown}}},
		})
	})
	t.Run("duplicate session ids", func(t *testing.T) {
		rv := radiusResolver(t, `Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name,NAS-IP-Address
2026-06-05T08:00:00Z,Start,dup,192.0.2.121,ada@example.com,198.51.100.1
2026-06-05T08:00:00Z,Start,dup,192.0.2.121,ada@example.com,198.51.100.1
2026-06-05T08:00:00Z,Start,dup,192.0.2.122,ben@example.com,198.51.100.2
2026-06-05T10:00:00Z,Stop,dup,192.0.2.121,ada@example.com,198.51.100.1
2026-06-05T10:00:05Z,Stop,dup,192.0.2.121,ada@example.com,198.51.100.1
2026-06-05T10:00:00Z,Stop,dup,192.0.2.122,ben@example.com,198.51.100.2
2026-06-05T11:00:00Z,Start,dup,192.0.2.121,cy@example.com,198.51.100.1
2026-06-05T12:00:00Z,Stop,dup,192.0.2.121,cy@example.com,198.51.100.1
`)
		runResolveCases(t, rv, []resolveCase{
			{"same id on two NAS, first", "192.0.2.121", "", "2026-06-05T09:00:00Z", outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}}},
			{"same id on two NAS, second", "192.0.2.122", "", "2026-06-05T09:00:00Z", outcome{confirmed, "ben@example.com", []string{coverCode, noInstall}}},
			{"id reused after its Stop", "192.0.2.121", "", "2026-06-05T11:30:00Z", outcome{confirmed, "cy@example.com", []string{coverCode, noInstall}}},
			{"a repeated Stop makes no session", "192.0.2.121", "", "2026-06-05T10:30:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
		})
	})
	for _, tt := range []struct{ name, log, want string }{
		{"second Start without a Stop", "Acct-Status-Type=Start Acct-Session-Id=d Framed-IP-Address=192.0.2.1 Timestamp=2026-06-05T08:00:00Z User-Name=ada\n" +
			"Acct-Status-Type=Start Acct-Session-Id=d Framed-IP-Address=192.0.2.1 Timestamp=2026-06-05T09:00:00Z User-Name=ada\n", "acct.log:2"},
		{"one session, two subscribers", "Acct-Status-Type=Start Acct-Session-Id=d Framed-IP-Address=192.0.2.1 Timestamp=2026-06-05T08:00:00Z User-Name=ada\n" +
			"Acct-Status-Type=Stop Acct-Session-Id=d Framed-IP-Address=192.0.2.1 Timestamp=2026-06-05T09:00:00Z User-Name=ben\n", "acct.log:2"},
		{"12-hour timestamp", "Acct-Status-Type=Start Acct-Session-Id=d Framed-IP-Address=192.0.2.1 Timestamp=\"2026-06-05 08:00:00 PM\" User-Name=ada\n", "acct.log:1"},
		{"timestamp without offset", "Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name\n2026-06-05 18:00:00,Start,d,192.0.2.1,ada\n", "acct.log:2"},
		{"leading zeros in the address", "Acct-Status-Type=Start Acct-Session-Id=d Framed-IP-Address=192.000.002.001 Timestamp=2026-06-05T08:00:00Z User-Name=ada\n", "acct.log:1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLeases(strings.NewReader(tt.log), "acct.log")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want refused naming %s", err, tt.want)
			}
		})
	}
}

func TestAttributionCorroboration(t *testing.T) {
	rv := wrongDoorResolver(t, Options{})
	type ev struct{ ip, port, time string }
	for _, tt := range []struct {
		name   string
		minGap time.Duration
		events []ev
		want   outcome
	}{
		{"two events an hour apart, same subscriber", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-10T11:00:00Z"}},
			outcome{safeguard.AttrCorroborated, "SUB-12", []string{ReasonIndependentEvents, ReasonSameDay}}},
		{"two events on different days, address and port", 0, []ev{{"2001:db8:aa00::1", "", "2026-06-10T10:00:00Z"}, {"2001:db8:aa00:5::1", "443", "2026-06-12T10:00:00+02:00"}},
			outcome{safeguard.AttrCorroborated, "SUB-V6", []string{ReasonIndependentEvents, ReasonDifferentDays}}},
		{"one referral's events a minute apart", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-10T10:01:00Z"}},
			outcome{confirmed, "SUB-12", []string{ReasonNotIndependent}}},
		{"one second short of an hour", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-10T10:59:59Z"}},
			outcome{confirmed, "SUB-12", []string{ReasonNotIndependent}}},
		{"the same event twice", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-10T11:00:00+01:00"}},
			outcome{confirmed, "SUB-12", []string{ReasonNotIndependent}}},
		{"three events, the last two hours on", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-10T10:01:00Z"}, {"192.0.2.12", "", "2026-06-10T12:01:00Z"}},
			outcome{safeguard.AttrCorroborated, "SUB-12", []string{ReasonIndependentEvents, ReasonSameDay}}},
		{"a day apart with a two-day gap asked", 48 * time.Hour, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-11T10:00:00Z"}},
			outcome{confirmed, "SUB-12", []string{ReasonNotIndependent}}},
		{"confirmed events of two subscribers", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-20T10:00:00Z"}},
			outcome{ambiguous, "", []string{ReasonDifferentSubscribers}}},
		{"one confirmed, one without offset", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"192.0.2.12", "", "2026-06-10 14:00:00"}},
			outcome{confirmed, "SUB-12", []string{ReasonOnlyOneConfirmed, ReasonOtherEvents}}},
		{"one confirmed, one shared without port", 0, []ev{{"192.0.2.12", "", "2026-06-10T10:00:00Z"}, {"100.64.7.7", "", "2026-06-11T10:00:00Z"}},
			outcome{confirmed, "SUB-12", []string{ReasonOnlyOneConfirmed, ReasonOtherEvents}}},
		{"two ambiguous events", 0, []ev{{"100.64.7.7", "", "2026-06-10T10:00:00Z"}, {"100.64.7.7", "", "2026-06-11T10:00:00Z"}},
			outcome{ambiguous, "", []string{ReasonNoConfirmed}}},
		{"nothing covers", 0, []ev{{"192.0.2.250", "", "2026-06-10T10:00:00Z"}},
			outcome{unresolved, "", []string{ReasonNoConfirmed}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var results []Result
			for i, e := range tt.events {
				x := event(t, e.ip, e.port, e.time)
				x.Ref = fmt.Sprintf("e%d", i+1)
				r, err := rv.Resolve(x)
				if err != nil {
					t.Fatal(err)
				}
				results = append(results, r)
			}
			got := Corroborate("SG-1", results, tt.minGap)
			sub := ""
			if got.Subscriber != nil {
				sub = got.Subscriber.ID
			}
			codes := got.Reasons.Codes()
			slices.Sort(codes)
			want := slices.Clone(tt.want.codes)
			slices.Sort(want)
			if got.Status != tt.want.status || sub != tt.want.sub || !slices.Equal(codes, want) {
				t.Errorf("got %s %q %v, want %s %q %v", got.Status, sub, codes, tt.want.status, tt.want.sub, want)
			}
		})
	}
}

func TestAttributionFileFormats(t *testing.T) {
	const row = "192.0.2.12,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-1,\"Name, With Comma\",\"1 Road, Town\",\"2 Road, Town\""
	for _, tt := range []struct{ name, doc string }{
		{"CRLF", strings.ReplaceAll(ispHead+row+"\n", "\n", "\r\n")},
		{"BOM before the header", "\ufeff" + ispHead + row + "\n"},
		{"BOM before a quoted header", "\ufeff\"ip\",port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n" + row + "\n"},
		{"BOM and no header", "\ufeff" + row + "\n"},
		{"no header, shared written as a word", row + ",shared\n"},
		{"no final newline", ispHead + row},
		{"blank lines and comments", "# ISP reply\n\n" + ispHead + "\n" + row + "\n\n"},
		{"upper-case header with spaces", "IP, Port_Start, Port_End, Start, End, Subscriber_ID, Name, Installation_Address, Billing_Address\n" + row + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := ReadISP(strings.NewReader(tt.doc), "isp.csv")
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) != 1 || ls[0].Prefix != netip.MustParsePrefix("192.0.2.12/32") || ls[0].Subscriber.ID != "SUB-1" ||
				ls[0].Subscriber.Name != "Name, With Comma" || ls[0].Subscriber.InstallAddress != "1 Road, Town" || ls[0].Subscriber.BillingAddress != "2 Road, Town" {
				t.Errorf("leases = %+v", ls)
			}
		})
	}
	checkISPRefusals(t, []ispRefusal{
		{"empty file", "", []string{"isp.csv", "empty"}},
		{"header missing a column", "ip,port_start,port_end,start,subscriber_id\n192.0.2.1,,,2026-06-01T00:00:00Z,S1\n", []string{"isp.csv:1", `no "end" column`}},
		{"header with only aliases and no ip", "subscriber,installation_address,from,to\nS1,1 Road,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z\n", []string{"isp.csv:1", `no "ip" column`}},
		{"header naming the address column otherwise", "address,port_start,port_end,start,end,subscriber_id\n192.0.2.1,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1\n", []string{"isp.csv:1", `no "ip" column`}},
		{"column named twice", "ip,ip,port_start,port_end,start,end,subscriber_id\n", []string{"isp.csv:1", "twice"}},
		{"short row", ispHead + "192.0.2.1,,,2026-06-01T00:00:00Z\n", []string{"isp.csv:2", "end", "missing"}},
		{"unclosed quote", ispHead + "192.0.2.1,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,\"Open,,\n", []string{"isp.csv:2"}},
		{"empty subscriber", ispHead + "192.0.2.1,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z, ,,,\n", []string{"isp.csv:2", "column 6 (subscriber_id)"}},
		{"error on the third row", ispHead + row + "\r\n" + row + "\r\n192.0.2.1,,,2026-06-01T00:00:00,2026-06-30T00:00:00Z,S1,,,\r\n", []string{"isp.csv:4", "column 4 (start)"}},
	})
	// A header and no rows is an ISP that found nothing: no leases.
	if ls, err := ReadISP(strings.NewReader(ispHead), "isp.csv"); err != nil || len(ls) != 0 {
		t.Errorf("header only: %+v %v", ls, err)
	}

	// Events: CRLF, BOM, quoted cells, another column order.
	rows, hasSubject, err := ReadEvents(strings.NewReader("\ufeff\"time\",\"port\",\"ip\",\"event_id\",subject\r\n\"2026-06-10 10:00:00, BST\",,192.0.2.12,e1,SG-1\r\n2026-06-10T10:00:00+0100,,::ffff:192.0.2.12,e2,SG-1\r\n"), "ev.csv")
	if err == nil {
		t.Errorf("a comma inside a time was read: %+v", rows)
	}
	rows, hasSubject, err = ReadEvents(strings.NewReader("\ufeff\"time\",\"port\",\"ip\",\"event_id\",subject\r\n\"2026-06-10 10:00:00 BST\",,192.0.2.12,e1,SG-1\r\n2026-06-10T10:00:00+0100,,::ffff:192.0.2.12,e2,SG-1\r\n"), "ev.csv")
	if err != nil || !hasSubject || len(rows) != 2 || rows[0].Ref != "e1" || rows[0].TimeText != "2026-06-10 10:00:00 BST" || rows[0].HasOffset ||
		rows[1].At == nil || !rows[1].At.Equal(time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)) || rows[1].Subject != "SG-1" || rows[1].Line != 3 {
		t.Fatalf("events: %+v %v %v", rows, hasSubject, err)
	}
	for _, tt := range []struct{ name, doc, want string }{
		{"empty file", "", "ev.csv: empty"},
		{"header without ip", "event_id,addr,port,time\ne1,192.0.2.1,,2026-06-10T10:00:00Z\n", `ev.csv:1: header has no "ip" column`},
		{"header without time", "event_id,ip,port,timestamp\ne1,192.0.2.1,,2026-06-10T10:00:00Z\n", `ev.csv:1: header has no "time" column`},
		{"a time that is not one", "event_id,ip,port,time\ne1,192.0.2.1,,yesterday\n", "ev.csv:2: column 4 (time)"},
		{"a time only", "event_id,ip,port,time\ne1,192.0.2.1,,12:30:00\n", "ev.csv:2: column 4 (time)"},
		{"24:00", "event_id,ip,port,time\ne1,192.0.2.1,,2026-06-10 24:00\n", "ev.csv:2: column 4 (time)"},
		{"leap second", "event_id,ip,port,time\ne1,192.0.2.1,,2016-12-31T23:59:60Z\n", "ev.csv:2: column 4 (time)"},
		{"hour 13 PM", "event_id,ip,port,time\ne1,192.0.2.1,,2026-06-10 13:00 PM\n", "ev.csv:2: column 4 (time)"},
		{"offset +15:00", "event_id,ip,port,time\ne1,192.0.2.1,,2026-06-10T10:00:00+15:00\n", "ev.csv:2: column 4 (time)"},
		{"an address with a prefix length", "event_id,ip,port,time\ne1,192.0.2.1/32,,2026-06-10T10:00:00Z\n", "ev.csv:2: column 2 (ip)"},
		{"column named twice", "event_id,ip,port,time,ip\ne1,192.0.2.1,,2026-06-10T10:00:00Z,192.0.2.2\n", `ev.csv:1: column "ip" appears twice`},
		{"offset split into a cell of its own", "event_id,ip,port,time\ne1,192.0.2.1,,2026-06-10 10:00:00,+01:00\n", "ev.csv:2: column 5 (unnamed)"},
		{"a sixth cell without a header", "e1,192.0.2.1,,2026-06-10T10:00:00Z,SG-1,true\n", "ev.csv:1: column 6 (unnamed)"},
		{"duplicate event id", "event_id,ip,port,time\ne1,192.0.2.1,,2026-06-10T10:00:00Z\ne1,192.0.2.2,,2026-06-10T10:00:00Z\n", "ev.csv:3: column 1 (event_id)"},
	} {
		t.Run("events "+tt.name, func(t *testing.T) {
			_, _, err := ReadEvents(strings.NewReader(tt.doc), "ev.csv")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want refused naming %s", err, tt.want)
			}
		})
	}
}

// TestAttributionImpossibleOffsetFromCaller: a referral parser that let an
// impossible offset through (time.Parse reads +24:00 and +01:60) does not
// get an instant resolved from it.
func TestAttributionImpossibleOffsetFromCaller(t *testing.T) {
	rv := wrongDoorResolver(t, Options{})
	for _, text := range []string{"2026-06-10T10:00:00+24:00", "2026-06-10T10:00:00+01:60", "2026-06-10T10:00:00-13:00"} {
		at, err := time.Parse(time.RFC3339, text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		at = at.UTC()
		ev := Event{Ref: "e1", IPEvent: safeguard.IPEvent{IP: netip.MustParseAddr("192.0.2.12"), TimeText: text, At: &at, HasOffset: true}}
		if got, err := rv.Resolve(ev); err == nil || safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%s: %s %v, want refused as out of range", text, got.Status, err)
		}
	}
}

func TestAttributionRADIUSColumnNames(t *testing.T) {
	for _, head := range []string{
		"Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name",
		"timestamp,acct_status_type,acct_session_id,framed_ip_address,account",
		"\ufefftime,status,session_id,ip,subscriber_id",
		"Timestamp,Acct Status Type,Acct Session Id,Framed IP Address,Calling Station Id",
	} {
		t.Run(head, func(t *testing.T) {
			rv := radiusResolver(t, head+"\r\n2026-06-05T08:00:00Z,Start,c1,192.0.2.130,ada@example.com\r\n2026-06-05T10:00:00Z,Stop,c1,192.0.2.130,ada@example.com\r\n")
			got, err := rv.Resolve(event(t, "192.0.2.130", "", "2026-06-05T09:00:00Z"))
			if err != nil {
				t.Fatal(err)
			}
			checkOutcome(t, got, outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}})
		})
	}
}

func TestAttributionRADIUSDetailFile(t *testing.T) {
	at := func(s string) int64 {
		return time.Date(2026, 6, 5, 0, 0, 0, 0, time.UTC).Add(mustDuration(t, s)).Unix()
	}
	detail := fmt.Sprintf(`Fri Jun  5 09:00:00 2026
	Acct-Status-Type = Start
	Acct-Session-Id = "det-1"
	Framed-IP-Address = 192.0.2.140
	User-Name = "ada@example.com"
	Event-Timestamp = "Jun  5 2026 08:00:00 UTC"
	Timestamp = %d

Fri Jun  5 11:00:00 2026
	Acct-Status-Type = Stop
	Acct-Session-Id = "det-1"
	Framed-IP-Address = 192.0.2.140
	User-Name = "ada@example.com"
	Event-Timestamp = "Jun  5 2026 11:00:00 BST"
	Timestamp = %d
	Acct-Session-Time = 7200

`, at("8h"), at("10h"))
	rv := radiusResolver(t, detail)
	runResolveCases(t, rv, []resolveCase{
		{"inside the session", "192.0.2.140", "", "2026-06-05T09:00:00Z", outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}}},
		{"after its Stop", "192.0.2.140", "", "2026-06-05T10:30:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
	})
	for _, tt := range []struct{ name, doc, want string }{
		{"only a zone abbreviation", "Fri Jun  5 09:00:00 2026\n\tAcct-Status-Type = Start\n\tAcct-Session-Id = \"d\"\n\tFramed-IP-Address = 192.0.2.1\n\tUser-Name = \"ada\"\n\tEvent-Timestamp = \"Jun  5 2026 10:00:00 BST\"\n", "acct.log:1"},
		{"a record without its session id", "Fri Jun  5 09:00:00 2026\n\tAcct-Status-Type = Start\n\tFramed-IP-Address = 192.0.2.1\n\tUser-Name = ada\n\tTimestamp = 1780646400\n", "acct.log:1: no Acct-Session-Id"},
		{"an attribute outside a record", "Fri Jun  5 09:00:00 2026\n\tAcct-Status-Type = Start\n\tAcct-Session-Id = d\n\tFramed-IP-Address = 192.0.2.1\n\tUser-Name = ada\n\tTimestamp = 1780646400\n\nAcct-Session-Id = d\n", "acct.log:8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadLeases(strings.NewReader(tt.doc), "acct.log"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want refused naming %s", err, tt.want)
			}
		})
	}
}

func mustDuration(tb testing.TB, s string) time.Duration {
	tb.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// TestAttributionProxyListNarrowestEntry: an address in a listed /24 and a
// listed /32 is reported with the /32's line, every time.
func TestAttributionProxyListNarrowestEntry(t *testing.T) {
	var pl ProxyList
	if err := pl.ReadProxies(strings.NewReader("198.51.100.0/24 vpn\n198.51.100.0/25 vpn\n198.51.100.9 tor\n2001:db8::/32\n"), "exits.txt"); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		p, label, ok := pl.Lookup(netip.MustParseAddr("198.51.100.9"))
		if !ok || p != netip.MustParsePrefix("198.51.100.9/32") || label != "exits.txt:3" {
			t.Fatalf("lookup = %s %q %v, want 198.51.100.9/32 from exits.txt:3", p, label, ok)
		}
	}
}

// TestAttributionRADIUSStartAtLogEnd: a Start that is the log's last
// record still names its subscriber as a candidate, never confirmed.
func TestAttributionRADIUSStartAtLogEnd(t *testing.T) {
	rv := radiusResolver(t, `Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2.150 Event-Timestamp=2026-06-05T08:00:00Z User-Name=ada@example.com
Acct-Status-Type=Stop Acct-Session-Id=a Framed-IP-Address=192.0.2.150 Event-Timestamp=2026-06-05T09:00:00Z User-Name=ada@example.com
Acct-Status-Type=Start Acct-Session-Id=b Framed-IP-Address=192.0.2.150 Event-Timestamp=2026-06-05T10:00:00Z User-Name=ben@example.com
`)
	got, err := rv.Resolve(event(t, "192.0.2.150", "", "2026-06-05T10:00:20Z"))
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, got, outcome{ambiguous, "", []string{ReasonLeaseOpenEnd, ReasonSessionEndUnknown, ReasonNearBoundary}})
	if len(got.Candidates) != 1 || got.Candidates[0].ID != "ben@example.com" {
		t.Errorf("candidates = %+v, want ben", got.Candidates)
	}
}

// TestAttributionEventTimeVariants: times as referrals write them, read as the
// instant only when they carry an offset, else as the wall-clock reading.
func TestAttributionEventTimeVariants(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04:05.999999999", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		text      string
		hasOffset bool
		want      string // the instant (with an offset) or the wall reading, as UTC fields
		abbrev    string
	}{
		{"2026-06-10T10:00:00Z", true, "2026-06-10 10:00:00", ""},
		{"2026-06-10t10:00:00z", true, "2026-06-10 10:00:00", ""},
		{"2026-06-10T10:00:00-00:00", true, "2026-06-10 10:00:00", ""},
		{"2026-06-10T10:00:00.250+02:00", true, "2026-06-10 08:00:00.25", ""},
		{"2026-11-30T10:00:00+0100", true, "2026-11-30 09:00:00", ""},
		{"2026-11-30T10:00:00 -0530", true, "2026-11-30 15:30:00", ""},
		{"2026-11-30 10:00 pm +01:00", true, "2026-11-30 21:00:00", ""},
		{"2026-11-30 10:00:00 UTC", true, "2026-11-30 10:00:00", ""},
		{"Mon, 30 Nov 2026 10:00:00 +0000", true, "2026-11-30 10:00:00", ""},
		{"30 Nov 2026 10:00:00 -0500", true, "2026-11-30 15:00:00", ""},
		{"1780646400", true, "2026-06-05 08:00:00", ""},
		{"2026-06-10 12:30:00", false, "2026-06-10 12:30:00", ""},
		{"2026-06-10 12:30:00 PM", false, "2026-06-10 12:30:00", ""},
		{"2026-06-10 12:30:00 am", false, "2026-06-10 00:30:00", ""},
		{"2026-06-10 1:30 pm", false, "2026-06-10 13:30:00", ""},
		{"2026-06-10T10:00", false, "2026-06-10 10:00:00", ""},
		{"29/03/2026 01:30", false, "2026-03-29 01:30:00", ""},
		{"3/29/2026 1:30:00", false, "2026-03-29 01:30:00", ""},
		{"2026/03/29 01:30:00", false, "2026-03-29 01:30:00", ""},
		{"5/5/2026 10:00", false, "2026-05-05 10:00:00", ""},
		{"2026-06-10 10:00:00 BST", false, "2026-06-10 10:00:00", "BST"},
		{"2026-06-10 10:00:00 EDT", false, "2026-06-10 10:00:00", "EDT"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			et, err := ParseEventTime(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			got := et.Wall
			if et.HasOffset {
				got = et.At
			}
			if et.HasOffset != tt.hasOffset || !got.Equal(utc(tt.want)) || et.Abbrev != tt.abbrev {
				t.Errorf("got offset %v, %s, abbrev %q; want offset %v, %s, abbrev %q", et.HasOffset, got, et.Abbrev, tt.hasOffset, tt.want, tt.abbrev)
			}
		})
	}
	for _, text := range []string{"", "12:30:00", "12:30:00 PM", "2026-06-10", "2026-06-10 00:30 AM", "2026-06-10 13:30 PM",
		"2026-06-10 24:00", "2026-06-10 23:60", "2016-12-31T23:59:60Z", "2026-02-29 10:00", "2026-06-10T10:00:00+01",
		"2026-06-10T10:00:00+14:30", "2026-06-10T10:00:00-12:30", "4/3/2026 10:00", "0/5/2026 10:00", "13/13/2026 10:00", "2026-06-10 10:00 UTC+1", "1780646400000"} {
		if et, err := ParseEventTime(text); err == nil {
			t.Errorf("ParseEventTime(%q) = %+v, want refused", text, et)
		}
	}
}

// TestAttributionRADIUSTwelveHourClock: a RADIUS log whose many times,
// offsets and all, never show an hour past 12 cannot confirm; one in Unix
// seconds has no clock to doubt.
func TestAttributionRADIUSTwelveHourClock(t *testing.T) {
	var b, u strings.Builder
	b.WriteString("Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name\n")
	u.WriteString("Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name\n")
	for i := range 16 {
		start := time.Date(2026, 6, 1+i, 1+i%6, 0, 0, 0, time.UTC)
		stop := start.Add(5 * time.Hour)
		fmt.Fprintf(&b, "%s,Start,s%d,192.0.2.%d,u%d@example.com\n%s,Stop,s%d,192.0.2.%d,u%d@example.com\n",
			start.Format(time.RFC3339), i, 160+i, i, stop.Format(time.RFC3339), i, 160+i, i)
		fmt.Fprintf(&u, "%d,Start,s%d,192.0.2.%d,u%d@example.com\n%d,Stop,s%d,192.0.2.%d,u%d@example.com\n",
			start.Unix(), i, 160+i, i, stop.Unix(), i, 160+i, i)
	}
	got, err := radiusResolver(t, b.String()).Resolve(event(t, "192.0.2.160", "", "2026-06-01T03:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, got, outcome{ambiguous, "", []string{ReasonSuspectClock}})
	got, err = radiusResolver(t, u.String()).Resolve(event(t, "192.0.2.160", "", "2026-06-01T03:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, got, outcome{confirmed, "u0@example.com", []string{coverCode, noInstall}})
}

// FuzzParseEventTime: whatever a referral writes, a time is read as an
// instant only with an offset, and the instant reads back the same.
func FuzzParseEventTime(f *testing.F) {
	for _, s := range []string{"2026-06-10T10:00:00+0100", "Mon, 15 Jun 2026 14:00:00 BST", "3/29/2026 1:30:00", "29/03/2026 01:30 pm",
		"2026/03/29 01:30:00 +01:00", "2026-10-25 01:30:00", "1780646400", "0/0/2026 1:00", "Tue 15 Jun 2026 14:00:00 +0100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		et, err := ParseEventTime(s)
		if err != nil {
			return
		}
		if !et.HasOffset {
			if !et.At.IsZero() || et.Wall.IsZero() {
				t.Fatalf("%q: no offset but %+v", s, et)
			}
			return
		}
		back, err := ParseEventTime(et.At.Format(time.RFC3339Nano))
		if err != nil || !back.HasOffset || !back.At.Equal(et.At) {
			t.Fatalf("%q read as %s, which reads back as %+v %v", s, et.At, back, err)
		}
	})
}

// TestAttributionProxyListFormats: the lists as published: a plain list, a CSV
// with a header, Tor's exit-addresses; anything else refused by line.
func TestAttributionProxyListFormats(t *testing.T) {
	for _, tt := range []struct{ name, doc, addr string }{
		{"plain", "198.51.100.9\n", "198.51.100.9"},
		{"csv with a header", "\"ip\",\"kind\"\r\n\"198.51.100.9\",\"vpn\"\r\n", "198.51.100.9"},
		{"tor exit-addresses", "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2026-06-01 12:00:00\nLastStatus 2026-06-01 13:00:00\nExitAddress 198.51.100.9 2026-06-01 13:05:12\n", "198.51.100.9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var pl ProxyList
			if err := pl.ReadProxies(strings.NewReader(tt.doc), "exits.txt"); err != nil {
				t.Fatal(err)
			}
			if _, _, ok := pl.Lookup(netip.MustParseAddr(tt.addr)); !ok || pl.Len() != 1 {
				t.Errorf("%s not listed (%d entries)", tt.addr, pl.Len())
			}
		})
	}
	for _, tt := range []struct{ name, doc, want string }{
		{"a second header", "ip\n198.51.100.9\nip\n", "exits.txt:3"},
		{"a host name", "198.51.100.9\nexit.example.org\n", "exits.txt:2"},
		{"an address with a port", "198.51.100.9:443\n", "exits.txt:1"},
		{"leading zeros", "198.051.100.9\n", "exits.txt:1"},
		{"ExitAddress alone", "ExitAddress\n", "exits.txt:1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var pl ProxyList
			if err := pl.ReadProxies(strings.NewReader(tt.doc), "exits.txt"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want refused naming %s", err, tt.want)
			}
		})
	}
}

// TestAttributionRADIUSDelayTime: a record logged Acct-Delay-Time after
// its event is placed at the event (RFC 2866); an Event-Timestamp, the
// NAS's own time of the event, needs no correction.
func TestAttributionRADIUSDelayTime(t *testing.T) {
	rv := radiusResolver(t, `Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name,Acct-Delay-Time,Event-Timestamp
2026-06-05T08:00:00Z,Start,a,192.0.2.170,ada@example.com,0,
2026-06-05T10:05:00Z,Stop,a,192.0.2.170,ada@example.com,300,
2026-06-05T10:02:30Z,Start,b,192.0.2.170,ben@example.com,30,2026-06-05T10:02:00Z
2026-06-05T12:00:00Z,Stop,b,192.0.2.170,ben@example.com,0,
`)
	runResolveCases(t, rv, []resolveCase{
		{"after the delayed Stop's event", "192.0.2.170", "", "2026-06-05T10:03:30Z", outcome{confirmed, "ben@example.com", []string{coverCode, noInstall}}},
		{"before it", "192.0.2.170", "", "2026-06-05T09:58:00Z", outcome{confirmed, "ada@example.com", []string{coverCode, noInstall}}},
		{"between the two sessions", "192.0.2.170", "", "2026-06-05T10:01:00Z", outcome{ambiguous, "", []string{ReasonNearBoundary, ReasonMultipleSubscribers}}},
	})
	if _, err := ReadLeases(strings.NewReader("Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name,Acct-Delay-Time\n2026-06-05T08:00:00Z,Start,a,192.0.2.170,ada,soon\n"), "acct.csv"); err == nil || !strings.Contains(err.Error(), "acct.csv:2: column 6 (Acct-Delay-Time)") {
		t.Errorf("bad Acct-Delay-Time: %v", err)
	}
}

// TestAttributionRADIUSNASRestart: an Accounting-On from a NAS ends the
// sessions it had open; the address's next holder is then alone.
func TestAttributionRADIUSNASRestart(t *testing.T) {
	rv := radiusResolver(t, `Acct-Status-Type=Start Acct-Session-Id=a Framed-IP-Address=192.0.2.180 Event-Timestamp=2026-06-05T08:00:00Z User-Name=ada@example.com NAS-IP-Address=198.51.100.1
Acct-Status-Type=Interim-Update Acct-Session-Id=a Framed-IP-Address=192.0.2.180 Event-Timestamp=2026-06-05T09:00:00Z User-Name=ada@example.com NAS-IP-Address=198.51.100.1
Acct-Status-Type=Start Acct-Session-Id=c Framed-IP-Address=192.0.2.181 Event-Timestamp=2026-06-05T08:00:00Z User-Name=cy@example.com NAS-IP-Address=198.51.100.2
Acct-Status-Type=Accounting-On Event-Timestamp=2026-06-05T11:00:00Z NAS-IP-Address=198.51.100.1
Acct-Status-Type=Start Acct-Session-Id=b Framed-IP-Address=192.0.2.180 Event-Timestamp=2026-06-05T11:30:00Z User-Name=ben@example.com NAS-IP-Address=198.51.100.1
Acct-Status-Type=Stop Acct-Session-Id=b Framed-IP-Address=192.0.2.180 Event-Timestamp=2026-06-05T13:00:00Z User-Name=ben@example.com NAS-IP-Address=198.51.100.1
`)
	runResolveCases(t, rv, []resolveCase{
		{"before the restart, after the last record", "192.0.2.180", "", "2026-06-05T10:00:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenEnd, ReasonSessionEndUnknown}}},
		{"after the restart, before the next Start", "192.0.2.180", "", "2026-06-05T11:15:00Z", outcome{unresolved, "", []string{ReasonNoLease}}},
		{"the next holder's session", "192.0.2.180", "", "2026-06-05T12:00:00Z", outcome{confirmed, "ben@example.com", []string{coverCode, noInstall}}},
		{"another NAS's session is not ended", "192.0.2.181", "", "2026-06-05T12:00:00Z", outcome{ambiguous, "", []string{ReasonLeaseOpenEnd, ReasonSessionEndUnknown}}},
	})
}

// TestAttributionNonPublicAddress: an address no ISP leases on the
// internet (private, loopback, link-local, multicast, unspecified,
// reserved) is never confirmed, even when an ISP's file covers it (an
// ISP's own internal range): the source saw it inside some network.
// Documentation ranges and the shared CGNAT range are not caught by it.
func TestAttributionNonPublicAddress(t *testing.T) {
	rv := wrongDoorResolver(t, Options{},
		`10.1.2.0/24,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-10,Ivy Inside,"10 Inner Road, Exampletown EX6 1II",`+"\r\n",
		`fd00:1::/64,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,SUB-ULA,Jo Local,"7 Local Lane, Exampletown EX6 2JJ",`+"\r\n")
	notPublicCase := func(name, ip string, status string) resolveCase {
		codes := []string{ReasonNotPublic}
		if status == unresolved {
			codes = append(codes, ReasonNoLease)
		}
		return resolveCase{name, ip, "", "2026-06-10T12:00:00Z", outcome{status, "", codes}}
	}
	runResolveCases(t, rv, []resolveCase{
		notPublicCase("RFC 1918 address an ISP file covers", "10.1.2.3", ambiguous),
		notPublicCase("IPv6 unique local address an ISP file covers", "fd00:1::5", ambiguous),
		notPublicCase("RFC 1918 192.168", "192.168.1.20", unresolved),
		notPublicCase("RFC 1918 172.16", "172.20.0.1", unresolved),
		notPublicCase("loopback", "127.0.0.1", unresolved),
		notPublicCase("IPv6 loopback", "::1", unresolved),
		notPublicCase("link-local", "169.254.10.10", unresolved),
		notPublicCase("IPv6 link-local", "fe80::1", unresolved),
		notPublicCase("multicast", "224.0.0.251", unresolved),
		notPublicCase("unspecified", "0.0.0.0", unresolved),
		notPublicCase("reserved class E", "240.1.2.3", unresolved),
		notPublicCase("IPv4-mapped private address", "::ffff:10.1.2.3", ambiguous),
		{"documentation address is public", "192.0.2.12", "", "2026-06-10T12:00:00Z", outcome{confirmed, "SUB-12", []string{coverCode}}},
	})
}
