package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Fictional ISP data: documentation and CGNAT ranges, made-up people.
const attributeISP = `ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address
192.0.2.10,,,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-A,Alex Example,"1 Install Road, Exampletown EX1 1AA","PO Box 9, Billington BL9 9ZZ"
100.64.1.1,1024,2047,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-D,Dee Test,"4 Test Close, Exampletown EX1 4DD",
100.64.1.1,2048,3071,2026-03-01T00:00:00Z,2026-03-31T00:00:00Z,SUB-E,Eli Mock,"5 Mock Mews, Exampletown EX1 5EE",
192.0.2.30,,,2026-10-24T20:00:00Z,2026-10-25T01:00:00Z,SUB-J,Jo Before,"10 Before Street, Exampletown EX2 1JJ",
192.0.2.30,,,2026-10-25T01:00:00Z,2026-10-25T06:00:00Z,SUB-K,Kit After,"11 After Street, Exampletown EX2 2KK",
`

const attributeRADIUS = `Acct-Status-Type=Start Acct-Session-Id=r1 Framed-IP-Address=203.0.113.20 Event-Timestamp=2026-03-05T08:00:00Z User-Name=rita@example.com
Acct-Status-Type=Stop Acct-Session-Id=r1 Framed-IP-Address=203.0.113.20 Event-Timestamp=2026-03-05T20:00:00Z User-Name=rita@example.com
`

const attributeEvents = `event_id,ip,port,time,subject
e1,192.0.2.10,,2026-03-15T10:00:00Z,SG-1
e2,192.0.2.10,,2026-03-15T12:00:00+00:00,SG-1
e3,100.64.1.1,,2026-03-15T10:00:00Z,SG-2
e4,100.64.1.1,1500,2026-03-15T10:00:00Z,SG-2
e5,192.0.2.30,,2026-10-25 01:30:00,SG-3
e6,198.51.100.77,,2026-03-15T10:00:00Z,SG-3
e7,203.0.113.20,,2026-03-05T12:00:00Z,SG-4
e8,192.0.2.10,,2026-03-15T10:05:00Z,SG-5
e9,192.0.2.10,,2026-03-15T10:15:00Z,SG-5
e10,198.51.100.200,,2026-03-15T10:00:00Z,
`

func writeAttributeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func hasCode(m map[string]any, code string) bool {
	rs, _ := m["reasons"].([]any)
	for _, r := range rs {
		if r == code {
			return true
		}
	}
	return false
}

func TestAttributeCommand(t *testing.T) {
	dir := writeAttributeFiles(t, map[string]string{
		"isp.csv": attributeISP, "acct.log": attributeRADIUS, "events.csv": attributeEvents,
		"proxies.txt": "# fictional exits\n198.51.100.192/26 vpn\n",
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	out, _, err := runCLI(t, nil, "attribute", "--leases", p("isp.csv"), "--leases", p("acct.log"),
		"--proxies", p("proxies.txt"), "--zone", "Europe/London", "--events", p("events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := decodeLines(t, out)
	if got, want := len(lines), 10+5; got != want {
		t.Fatalf("%d lines, want %d:\n%s", got, want, out)
	}
	byID := map[string]map[string]any{}
	for _, l := range lines {
		if id, ok := l["event_id"].(string); ok {
			byID[id] = l
		} else {
			byID["subject "+l["subject"].(string)] = l
		}
	}
	for _, tt := range []struct {
		id, status, sub, reason string
	}{
		{"e1", "confirmed", "SUB-A", "lease_covers_with_margin"},
		{"e3", "ambiguous", "", "shared_address_without_port"},
		{"e4", "confirmed", "SUB-D", "lease_covers_with_margin"},
		{"e5", "ambiguous", "", "dst_ambiguous_local_time"},
		{"e6", "unresolved", "", "no_lease_covers"},
		{"e7", "confirmed", "rita@example.com", "lease_covers_with_margin"},
		{"e10", "unresolved", "", "known_vpn_proxy_tor_exit"},
		{"subject SG-1", "corroborated", "SUB-A", "independent_events_same_subscriber"},
		{"subject SG-2", "confirmed", "SUB-D", "only_one_confirmed_event"},
		{"subject SG-3", "ambiguous", "", "no_confirmed_event"},
		{"subject SG-4", "confirmed", "rita@example.com", "only_one_confirmed_event"},
		{"subject SG-5", "confirmed", "SUB-A", "confirmed_events_not_independent"},
	} {
		l := byID[tt.id]
		if l == nil {
			t.Errorf("%s: no line", tt.id)
			continue
		}
		if l["status"] != tt.status || !hasCode(l, tt.reason) {
			t.Errorf("%s: %v %v, want %s with %s", tt.id, l["status"], l["reasons"], tt.status, tt.reason)
		}
		switch sub := l["subscriber_id"]; {
		case tt.sub == "" && sub != nil:
			t.Errorf("%s: subscriber_id = %v, want null", tt.id, sub)
		case tt.sub != "" && sub != tt.sub:
			t.Errorf("%s: subscriber_id = %v, want %s", tt.id, sub, tt.sub)
		}
	}
	e1 := byID["e1"]
	if e1["port"] != nil || e1["time_raw"] != "2026-03-15T10:00:00Z" || e1["time_utc"] != "2026-03-15T10:00:00Z" {
		t.Errorf("e1 = %v", e1)
	}
	if e1["installation_address"] != "1 Install Road, Exampletown EX1 1AA" || e1["force_assignment_address"] != e1["installation_address"] ||
		e1["billing_address"] != "PO Box 9, Billington BL9 9ZZ" {
		t.Errorf("e1 addresses: installation %v, billing %v", e1["installation_address"], e1["billing_address"])
	}
	if e5 := byID["e5"]; e5["time_utc"] != nil || e5["time_raw"] != "2026-10-25 01:30:00" || !hasCode(e5, "time_without_offset") || !hasCode(e5, "multiple_subscribers") {
		t.Errorf("e5 = %v", e5)
	}
	if e4 := byID["e4"]; e4["port"] != float64(1500) {
		t.Errorf("e4 port = %v", e4["port"])
	}
	for _, l := range lines {
		if rs, ts := l["reasons"].([]any), l["reason_text"].([]any); len(rs) == 0 || len(rs) != len(ts) {
			t.Errorf("reasons %v, texts %v", rs, ts)
		}
	}
}

func TestAttributeCommandNoSubjectColumn(t *testing.T) {
	dir := writeAttributeFiles(t, map[string]string{"isp.csv": attributeISP,
		"events.csv": "event_id,ip,port,time\ne1,192.0.2.10,,2026-03-15T10:00:00Z\ne2,192.0.2.10,,2026-03-15 10:00:00\n"})
	out, _, err := runCLI(t, nil, "attribute", "--events", filepath.Join(dir, "events.csv"), "--leases", filepath.Join(dir, "isp.csv"), "--skew", "30s", "--min-gap", "2h")
	if err != nil {
		t.Fatal(err)
	}
	lines := decodeLines(t, out)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (no subject lines):\n%s", len(lines), out)
	}
	if l := lines[1]; l["status"] != "ambiguous" || !hasCode(l, "time_without_offset") || !hasCode(l, "time_zone_unknown") || l["time_utc"] != nil {
		t.Errorf("no-offset event without --zone = %v", l)
	}
}

func TestAttributeCommandErrors(t *testing.T) {
	dir := writeAttributeFiles(t, map[string]string{
		"isp.csv":        attributeISP,
		"twelve.csv":     "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n192.0.2.1,,,2026-03-01 07:15:00,2026-03-01 09:15:00,S1,N,I,B\n",
		"events.csv":     attributeEvents,
		"bad-events.csv": "event_id,ip,port,time\ne1,192.0.2.10,,2026-03-15T10:00:00Z\ne2,192.0.2.999,,2026-03-15T10:00:00Z\n",
		"bad-port.csv":   "event_id,ip,port,time\ne1,192.0.2.10,99999,2026-03-15T10:00:00Z\n",
		"bad-time.csv":   "event_id,ip,port,time\ne1,192.0.2.10,,last Tuesday\n",
		"dup.csv":        "event_id,ip,port,time\ne1,192.0.2.10,,2026-03-15T10:00:00Z\ne1,192.0.2.10,,2026-03-15T11:00:00Z\n",
		"bad-proxy.txt":  "198.51.100.1\nexit-node\n",
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"12-hour ISP response", []string{"--leases", p("twelve.csv"), "--events", p("events.csv")}, []string{"twelve.csv:2", "column 4 (start)", "12-hour"}},
		{"bad event address", []string{"--leases", p("isp.csv"), "--events", p("bad-events.csv")}, []string{"bad-events.csv:3", "column 2 (ip)"}},
		{"bad event port", []string{"--leases", p("isp.csv"), "--events", p("bad-port.csv")}, []string{"bad-port.csv:2", "port"}},
		{"bad event time", []string{"--leases", p("isp.csv"), "--events", p("bad-time.csv")}, []string{"bad-time.csv:2", "time"}},
		{"duplicate event id", []string{"--leases", p("isp.csv"), "--events", p("dup.csv")}, []string{"dup.csv:3", "already used at line 2"}},
		{"bad proxy list", []string{"--leases", p("isp.csv"), "--proxies", p("bad-proxy.txt"), "--events", p("events.csv")}, []string{"bad-proxy.txt:2"}},
		{"missing file", []string{"--leases", p("nope.csv"), "--events", p("events.csv")}, []string{"nope.csv"}},
		{"no leases", []string{"--events", p("events.csv")}, []string{"--leases"}},
		{"no events", []string{"--leases", p("isp.csv")}, []string{"--events"}},
		{"bad zone", []string{"--leases", p("isp.csv"), "--events", p("events.csv"), "--zone", "Mars/Olympus"}, []string{"Mars/Olympus"}},
		{"bad skew", []string{"--leases", p("isp.csv"), "--events", p("events.csv"), "--skew", "-5s"}, []string{"skew"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCLI(t, nil, append([]string{"attribute"}, tt.args...)...)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if exitCode(err) == 0 {
				t.Errorf("exit code 0")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if out != "" {
				t.Errorf("output on bad input:\n%s", out)
			}
		})
	}
}

func TestAttributeCommandHelp(t *testing.T) {
	out, _, err := runCLI(t, nil, "attribute", "--help")
	if err != errHelp {
		t.Fatalf("err = %v, want errHelp", err)
	}
	for _, w := range []string{"--leases", "--events", "--zone", "--skew", "--min-gap", "--proxies", "installation_address"} {
		if !strings.Contains(out, strings.TrimPrefix(w, "--")) {
			t.Errorf("help does not mention %s", w)
		}
	}
}

// Held-out-style wrong-door cases through the command: the files as an
// examiner would write them (CRLF, a byte-order mark, quoted cells,
// columns in another order), every status and reason code exact.
const wrongDoorISPFile = "\ufeffsubscriber_id,ip,port_start,port_end,start,end,name,billing_address,install_address\r\n" +
	`SUB-12,192.0.2.12,,,2026-06-01T00:00:00+01:00,2026-06-15T14:30:00+01:00,Ada Twelve,"PO Box 12, Billington","12 Install Road, Exampletown"` + "\r\n" +
	`SUB-21,192.0.2.12,,,2026-06-15T14:30:00+01:00,2026-06-30T00:00:00+01:00,Ben Twentyone,,"21 Other Road, Exampletown"` + "\r\n" +
	`SUB-P1,100.64.7.7,1024,2047,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,Cy Portone,,"1 Port Street"` + "\r\n" +
	`SUB-P2,100.64.7.7,2048,4095,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,Di Porttwo,,"2 Port Street"` + "\r\n" +
	`SUB-B,198.51.100.40,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,Flo Billing,"40 Accounts House, Billington",` + "\r\n" +
	`SUB-V6,2001:db8:aa00::/56,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,Ed Six,,"6 Six Lane"` + "\r\n" +
	`SUB-OCT1,203.0.113.50,,,2026-10-20T00:00:00Z,2026-10-25T01:00:00Z,Gil Before,,"50 Before Road"` + "\r\n" +
	`SUB-OCT2,203.0.113.50,,,2026-10-25T01:00:00Z,2026-10-30T00:00:00Z,Hob After,,"51 After Road"` + "\r\n" +
	`SUB-SPR,198.51.100.77,,,2026-03-28T00:00:00Z,2026-03-30T00:00:00Z,Ivo Spring,,"7 Spring Road"` + "\r\n"

const wrongDoorRADIUS = `Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name
2026-06-05T08:00:00Z,Start,m1,192.0.2.110,ada@example.com
2026-06-05T09:00:00Z,Interim-Update,m1,192.0.2.110,ada@example.com
2026-06-05T10:00:00Z,Start,m2,192.0.2.111,ben@example.com
2026-06-05T12:00:00Z,Stop,m2,192.0.2.111,ben@example.com
`

const wrongDoorEvents = "\ufeffevent_id,ip,port,time,subject,possible_proxy\r\n" +
	"tz-offset,192.0.2.12,,2026-06-15T14:00:00+01:00,SG-TZ,\r\n" +
	"tz-nocolon,192.0.2.12,,2026-06-15T14:00:00+0100,SG-TZ,\r\n" +
	"tz-utc,192.0.2.12,,2026-06-15T14:00:00Z,SG-TZ,\r\n" +
	"tz-none,192.0.2.12,,2026-06-15 14:00:00,SG-NONE,\r\n" +
	"tz-bst,192.0.2.12,,\"Mon, 15 Jun 2026 14:00:00 BST\",SG-NONE,\r\n" +
	"transposed,192.0.2.21,,2026-06-10T12:00:00Z,SG-NONE,\r\n" +
	"billing,198.51.100.40,,2026-06-10T12:00:00Z,,\r\n" +
	"cgnat-noport,100.64.7.7,,2026-06-10T12:00:00Z,SG-NAT,\r\n" +
	"cgnat-port,100.64.7.7,2048,2026-06-10T12:00:00Z,SG-NAT,\r\n" +
	"cgnat-outside,100.64.7.7,65535,2026-06-10T12:00:00Z,SG-NAT,\r\n" +
	"cgnat-zero,100.64.7.7,0,2026-06-10T12:00:00Z,SG-NAT,\r\n" +
	"boundary,192.0.2.12,,2026-06-15T13:30:30Z,,\r\n" +
	"dst-repeat,203.0.113.50,,2026-10-25 01:30:00,,\r\n" +
	"dst-gap,198.51.100.77,,3/29/2026 1:30:00,,\r\n" +
	"proxy-flag,192.0.2.12,,2026-06-10T12:00:00Z,,TRUE\r\n" +
	"v6-mapped,::ffff:192.0.2.12,,2026-06-10T10:00:00Z,SG-COR,\r\n" +
	"v6-later,192.0.2.12,,2026-06-10T11:00:00Z,SG-COR,\r\n" +
	"minute-1,2001:db8:aa00::1,,2026-06-10T10:00:00Z,SG-MIN,\r\n" +
	"minute-2,2001:DB8:AA00:0:0:0:0:2,,2026-06-10T10:01:00Z,SG-MIN,\r\n" +
	"radius-in,192.0.2.110,,2026-06-05T08:30:00Z,,\r\n" +
	"radius-after,192.0.2.110,,2026-06-05T10:00:00Z,,\r\n"

func TestAttributeCommandWrongDoors(t *testing.T) {
	dir := writeAttributeFiles(t, map[string]string{"isp.csv": wrongDoorISPFile, "acct.csv": wrongDoorRADIUS, "events.csv": wrongDoorEvents})
	p := func(n string) string { return filepath.Join(dir, n) }
	out, _, err := runCLI(t, nil, "attribute", "--leases", p("isp.csv"), "--leases", p("acct.csv"), "--zone", "Europe/London", "--events", p("events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, l := range decodeLines(t, out) {
		if id, ok := l["event_id"].(string); ok {
			byID[id] = l
		} else {
			byID["subject "+l["subject"].(string)] = l
		}
	}
	for _, tt := range []struct {
		id, status, sub string
		codes           []string
	}{
		{"tz-offset", "confirmed", "SUB-12", []string{"lease_covers_with_margin"}},
		{"tz-nocolon", "confirmed", "SUB-12", []string{"lease_covers_with_margin"}},
		{"tz-utc", "confirmed", "SUB-21", []string{"lease_covers_with_margin"}},
		{"tz-none", "ambiguous", "", []string{"time_without_offset", "local_time_read_in_supplied_zone"}},
		{"tz-bst", "ambiguous", "", []string{"time_without_offset", "local_time_read_in_supplied_zone"}},
		{"transposed", "unresolved", "", []string{"no_lease_covers"}},
		{"billing", "confirmed", "SUB-B", []string{"lease_covers_with_margin", "no_installation_address"}},
		{"cgnat-noport", "ambiguous", "", []string{"shared_address_without_port", "multiple_subscribers"}},
		{"cgnat-port", "confirmed", "SUB-P2", []string{"lease_covers_with_margin"}},
		{"cgnat-outside", "ambiguous", "", []string{"port_outside_allocated_blocks"}},
		{"cgnat-zero", "ambiguous", "", []string{"source_port_zero", "multiple_subscribers"}},
		{"boundary", "ambiguous", "", []string{"multiple_subscribers", "near_lease_boundary"}},
		{"dst-repeat", "ambiguous", "", []string{"time_without_offset", "dst_ambiguous_local_time", "multiple_subscribers"}},
		{"dst-gap", "ambiguous", "", []string{"time_without_offset", "dst_nonexistent_local_time"}},
		{"proxy-flag", "ambiguous", "", []string{"possible_proxy"}},
		{"radius-in", "confirmed", "ada@example.com", []string{"lease_covers_with_margin", "no_installation_address"}},
		{"radius-after", "ambiguous", "", []string{"lease_open_until_log_end", "session_end_unknown"}},
		{"subject SG-TZ", "ambiguous", "", []string{"confirmed_events_different_subscribers"}},
		{"subject SG-NONE", "ambiguous", "", []string{"no_confirmed_event"}},
		{"subject SG-NAT", "confirmed", "SUB-P2", []string{"only_one_confirmed_event", "other_events_not_confirmed"}},
		{"subject SG-COR", "corroborated", "SUB-12", []string{"independent_events_same_subscriber", "events_on_same_day"}},
		{"subject SG-MIN", "confirmed", "SUB-V6", []string{"confirmed_events_not_independent"}},
	} {
		l := byID[tt.id]
		if l == nil {
			t.Errorf("%s: no line in\n%s", tt.id, out)
			continue
		}
		var codes []string
		for _, c := range l["reasons"].([]any) {
			codes = append(codes, c.(string))
		}
		slices.Sort(codes)
		want := slices.Clone(tt.codes)
		slices.Sort(want)
		sub, _ := l["subscriber_id"].(string)
		if l["status"] != tt.status || sub != tt.sub || !slices.Equal(codes, want) {
			t.Errorf("%s: %v %q %v, want %s %q %v", tt.id, l["status"], sub, codes, tt.status, tt.sub, want)
		}
	}
	if l := byID["billing"]; l["force_assignment_address"] != nil || l["installation_address"] != nil || l["billing_address"] != "40 Accounts House, Billington" {
		t.Errorf("billing only: force %v, installation %v, billing %v", l["force_assignment_address"], l["installation_address"], l["billing_address"])
	}
	if l := byID["tz-offset"]; l["force_assignment_address"] != "12 Install Road, Exampletown" || l["billing_address"] != "PO Box 12, Billington" || l["time_utc"] != "2026-06-15T13:00:00Z" {
		t.Errorf("tz-offset = %v", l)
	}
	if l := byID["tz-nocolon"]; l["time_raw"] != "2026-06-15T14:00:00+0100" || l["time_utc"] != "2026-06-15T13:00:00Z" {
		t.Errorf("time as given and as read: %v %v", l["time_raw"], l["time_utc"])
	}
	if l := byID["dst-repeat"]; l["time_utc"] != nil || !slices.Equal(l["time_candidates_utc"].([]any), []any{"2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"}) ||
		!slices.Equal(l["candidates"].([]any), []any{"SUB-OCT1", "SUB-OCT2"}) {
		t.Errorf("dst-repeat = %v", l)
	}
	if l := byID["cgnat-zero"]; l["port"] != float64(0) {
		t.Errorf("port 0 printed as %v", l["port"])
	}
}

func TestAttributeCommandRefusesWrongDoorInput(t *testing.T) {
	const head = "event_id,ip,port,time\n"
	dir := writeAttributeFiles(t, map[string]string{
		"isp.csv":        wrongDoorISPFile,
		"daymonth.csv":   head + "e1,192.0.2.12,,2026-06-10T10:00:00Z\ne2,192.0.2.12,,6/5/2026 10:00\n",
		"octal.csv":      head + "e1,192.000.002.012,,2026-06-10T10:00:00Z\n",
		"port.csv":       head + "e1,100.64.7.7,65536,2026-06-10T10:00:00Z\n",
		"noip.csv":       "event_id,address,port,time\ne1,192.0.2.12,,2026-06-10T10:00:00Z\n",
		"empty.csv":      "",
		"weekday.csv":    head + "e1,192.0.2.12,,\"Tue, 15 Jun 2026 14:00:00 +0100\"\n",
		"ok.csv":         head + "e1,192.0.2.12,,2026-06-10T10:00:00Z\n",
		"empty-isp.csv":  "",
		"twelve.csv":     "ip,port_start,port_end,start,end,subscriber_id\n192.0.2.1,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1\n192.0.2.2,,,2026-06-01 07:15:00,2026-06-30T00:00:00Z,S2\n",
		"extra-cell.csv": "ip,port_start,port_end,start,end,subscriber_id\n192.0.2.1,,,2026-06-01T00:00:00Z,2026-06-30T00:00:00Z,S1,true\n",
		"radius-two.log": "Acct-Status-Type=Start Acct-Session-Id=d Framed-IP-Address=192.0.2.1 Timestamp=2026-06-05T08:00:00Z User-Name=ada\nAcct-Status-Type=Stop Acct-Session-Id=d Framed-IP-Address=192.0.2.1 Timestamp=2026-06-05T09:00:00Z User-Name=ben\n",
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, tt := range []struct {
		name, leases, events string
		want                 []string
	}{
		{"day and month could swap", "isp.csv", "daymonth.csv", []string{"daymonth.csv:3", "column 4 (time)", "month/day or day/month"}},
		{"leading zeros in an address", "isp.csv", "octal.csv", []string{"octal.csv:2", "column 2 (ip)"}},
		{"port 65536", "isp.csv", "port.csv", []string{"port.csv:2", "column 3 (port)"}},
		{"no ip column", "isp.csv", "noip.csv", []string{"noip.csv:1", `"ip"`}},
		{"empty events file", "isp.csv", "empty.csv", []string{"empty.csv", "empty"}},
		{"weekday does not match the date", "isp.csv", "weekday.csv", []string{"weekday.csv:2", "Monday"}},
		{"empty leases file", "empty-isp.csv", "ok.csv", []string{"empty-isp.csv", "empty"}},
		{"12-hour ISP time", "twelve.csv", "ok.csv", []string{"twelve.csv:3", "column 4 (start)", "12-hour"}},
		{"a cell past the header", "extra-cell.csv", "ok.csv", []string{"extra-cell.csv:2", "column 7"}},
		{"a RADIUS session naming two subscribers", "radius-two.log", "ok.csv", []string{"radius-two.log:2", "User-Name"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCLI(t, nil, "attribute", "--leases", p(tt.leases), "--events", p(tt.events))
			if err == nil {
				t.Fatalf("accepted:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if out != "" {
				t.Errorf("printed lines before refusing:\n%s", out)
			}
		})
	}
}
