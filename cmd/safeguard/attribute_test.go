package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
