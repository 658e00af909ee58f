package attribution

import (
	"strings"
	"testing"

	"safeguard"
)

func TestReadEvents(t *testing.T) {
	in := "event_id,ip,port,time,subject,possible_proxy\n" +
		"e1,192.0.2.10,,2026-03-15T10:00:00Z,SG-1,\n" +
		"e2,2001:db8::1,443,2026-03-15 10:00:00,SG-1,true\n"
	rows, hasSubject, err := ReadEvents(strings.NewReader(in), "ev.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !hasSubject || len(rows) != 2 {
		t.Fatalf("rows = %+v, subject %v", rows, hasSubject)
	}
	e1, e2 := rows[0], rows[1]
	if e1.Port != nil || !e1.HasOffset || e1.At == nil || e1.Subject != "SG-1" || e1.Line != 2 || e1.PossibleProxy {
		t.Errorf("e1 = %+v", e1)
	}
	if e2.Port == nil || *e2.Port != 443 || e2.HasOffset || e2.At != nil || e2.TimeText != "2026-03-15 10:00:00" || !e2.PossibleProxy {
		t.Errorf("e2 = %+v", e2)
	}
	rows, hasSubject, err = ReadEvents(strings.NewReader("e1,192.0.2.10,,2026-03-15T10:00:00Z,SG-1\ne2,192.0.2.10,8080,2026-03-15T12:00:00Z,SG-1\n"), "nohead.csv")
	if err != nil || !hasSubject || len(rows) != 2 || rows[0].Line != 1 || *rows[1].Port != 8080 || rows[1].Subject != "SG-1" {
		t.Errorf("no header: %+v %v %v", rows, hasSubject, err)
	}
	if _, hasSubject, err := ReadEvents(strings.NewReader("event_id,ip,port,time\n"), "ev.csv"); err != nil || hasSubject {
		t.Errorf("no subject column: %v %v", hasSubject, err)
	}
	for in, want := range map[string]string{
		"":               "empty",
		"ip,port,time\n": `no "event_id"`,
		"event_id,ip,port,time\n,192.0.2.1,,2026-03-15T10:00:00Z\n":      "ev.csv:2: column 1",
		"event_id,ip,port,time\ne1,192.0.2.1,,2026-03-15T10:00:00Z,\"\n": "ev.csv:2",
		"event_id,ip,port,time\ne1,192.0.2.1,-1,2026-03-15T10:00:00Z\n":  "column 3 (port)",
		"event_id,ip,port,time\ne1,192.0.2.1,,\n":                        "column 4 (time)",
		"event_id,ip,port,time\ne1,fe80::1%eth0,,2026-03-15T10:00:00Z\n": "column 2 (ip)",
	} {
		_, _, err := ReadEvents(strings.NewReader(in), "ev.csv")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadEvents(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestReadLeasesDetectsFormat(t *testing.T) {
	if ls, err := ReadLeases(strings.NewReader(fixtureRADIUSCSV), "a.csv"); err != nil || len(ls) != 3 || ls[0].Subscriber.CallingStation == "" {
		t.Errorf("RADIUS CSV: %d leases, %v", len(ls), err)
	}
	if ls, err := ReadLeases(strings.NewReader(fixtureISP), "b.csv"); err != nil || len(ls) != 15 {
		t.Errorf("ISP CSV: %d leases, %v", len(ls), err)
	}
}

func FuzzReadEvents(f *testing.F) {
	f.Add("event_id,ip,port,time,subject\ne1,192.0.2.10,,2026-03-15T10:00:00Z,SG-1\ne2,100.64.0.1,80,2026-03-15 10:00:00 PM,\n")
	f.Add("event_id,ip,time\ne1,2001:db8::1,1772349300\n")
	rv := mustResolver(f, Options{})
	f.Fuzz(func(t *testing.T, in string) {
		rows, _, err := ReadEvents(strings.NewReader(in), "f.csv")
		if err != nil {
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Fatalf("code %s: %v", safeguard.ErrorCode(err), err)
			}
			return
		}
		for _, r := range rows {
			res, err := rv.Resolve(r.Event)
			if err != nil {
				t.Fatalf("row %d read but not resolved: %v", r.Line, err)
			}
			if res.Status == safeguard.AttrConfirmed && (!r.HasOffset || res.Subscriber == nil) {
				t.Fatalf("confirmed without an offset or a subscriber: %+v", res)
			}
		}
	})
}

func FuzzReadProxies(f *testing.F) {
	f.Add(fixtureProxies)
	f.Add("2001:db8::/32 # v6\n\ufeff203.0.113.1\n")
	f.Fuzz(func(t *testing.T, in string) {
		var pl ProxyList
		if err := pl.ReadProxies(strings.NewReader(in), "f.txt"); err != nil && safeguard.ErrorCode(err) != safeguard.EINVALID {
			t.Fatalf("code %s: %v", safeguard.ErrorCode(err), err)
		}
	})
}

func FuzzParseISPTime(f *testing.F) {
	for _, s := range []string{"2026-03-01T07:15:00Z", "2026-03-01 07:15:00", "2026-03-01 07:15:00 PM", "2026-03-01T19:15:00+01:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseISPTime(s); err == nil {
			if et, err := ParseEventTime(s); err != nil || !et.HasOffset {
				t.Fatalf("ISP time %q accepted but not read as an instant with an offset: %+v %v", s, et, err)
			}
		}
	})
}
