package intake_test

import (
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/intake"
)

// jsonEvent wraps one IP event in a JSON referral.
func jsonEvent(event string) []byte {
	return []byte(`{"source":"p2p","source_ref":"P-1","ip_events":[` + event + `]}`)
}

// TestJSONTimesFromText: at and has_offset come from time_text, the time
// as the source gave it; a sender's at or has_offset that the text does
// not bear out is refused, never stored beside it.
func TestJSONTimesFromText(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	ok := []struct{ name, event, at string }{
		{"offset, at left out", `{"ip":"192.0.2.1","time_text":"2026-01-02T03:04:05Z","has_offset":true}`, "2026-01-02T03:04:05Z"},
		{"offset, nothing else", `{"ip":"192.0.2.1","time_text":"2026-01-02T04:04:05+01:00"}`, "2026-01-02T03:04:05Z"},
		{"offset, has_offset wrongly false", `{"ip":"192.0.2.1","time_text":"2026-01-02T04:04:05+01:00","has_offset":false}`, "2026-01-02T03:04:05Z"},
		{"offset, at agrees", `{"ip":"192.0.2.1","time_text":"2026-01-02T04:04:05.5+01:00","at":"2026-01-02T03:04:05.5Z","has_offset":true}`, "2026-01-02T03:04:05.5Z"},
		{"at agrees in another zone", `{"ip":"192.0.2.1","time_text":"2026-01-02T04:04:05+01:00","at":"2026-01-01T22:04:05-05:00","has_offset":true}`, "2026-01-02T03:04:05Z"},
		{"numeric offset", `{"ip":"192.0.2.1","time_text":"2026-01-02 04:04:05 +0100"}`, "2026-01-02T03:04:05Z"},
		{"no offset", `{"ip":"192.0.2.1","time_text":"2026-01-02T03:04:05","has_offset":false}`, ""},
		{"no offset, space", `{"ip":"192.0.2.1","time_text":"2026-01-02 03:04"}`, ""},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := intake.DecodeJSON(jsonEvent(tt.event), now)
			if err != nil {
				t.Fatal(err)
			}
			e := ref.IPEvents[0]
			if e.HasOffset != (tt.at != "") {
				t.Errorf("has_offset %v", e.HasOffset)
			}
			switch {
			case tt.at == "" && e.At != nil:
				t.Errorf("at %v for a time without an offset", e.At)
			case tt.at != "" && (e.At == nil || e.At.Format(time.RFC3339Nano) != tt.at || e.At.Location() != time.UTC):
				t.Errorf("at %v, want %s", e.At, tt.at)
			}
			if strings.Contains(tt.event, `"time_text":"`+e.TimeText+`"`) == false {
				t.Errorf("time_text %q not kept as given", e.TimeText)
			}
		})
	}
	bad := []struct{ name, event, want string }{
		{"at without an offset in the text", `{"ip":"192.0.2.1","time_text":"2026-01-02 03:04:05","at":"2026-01-02T03:04:05Z","has_offset":true}`, "ip_events[0]: time_text \"2026-01-02 03:04:05\" has no time-zone offset"},
		{"has_offset without an offset in the text", `{"ip":"192.0.2.1","time_text":"2026-01-02T03:04:05","has_offset":true}`, "has no time-zone offset"},
		{"at an hour out", `{"ip":"192.0.2.1","time_text":"2026-01-02T04:04:05+01:00","at":"2026-01-02T04:04:05Z","has_offset":true}`, "at 2026-01-02T04:04:05Z is not the instant time_text"},
		{"not a time", `{"ip":"192.0.2.1","time_text":"yesterday"}`, "ip_events[0].time_text: \"yesterday\" is not an ISO 8601 date and time"},
		{"12-hour clock", `{"ip":"192.0.2.1","time_text":"2026-01-02 03:04:05 PM"}`, "is not an ISO 8601 date and time"},
		{"day first", `{"ip":"192.0.2.1","time_text":"02/01/2026 03:04"}`, "is not an ISO 8601 date and time"},
		{"offset out of range", `{"ip":"192.0.2.1","time_text":"2026-01-02T03:04:05+15:00"}`, "time-zone offset out of range"},
		{"offset minutes 60", `{"ip":"192.0.2.1","time_text":"2026-01-02T03:04:05+01:60"}`, "time-zone offset out of range"},
		{"no time", `{"ip":"192.0.2.1"}`, "without a time"},
		{"ip with a port", `{"ip":"192.0.2.1:443","time_text":"2026-01-02T03:04:05Z"}`, "192.0.2.1:443"},
		{"port not a number", `{"ip":"192.0.2.1","port":"443","time_text":"2026-01-02T03:04:05Z"}`, "port"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := intake.DecodeJSON(jsonEvent(tt.event), now)
			if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want EINVALID mentioning %q", err, tt.want)
			}
		})
	}
	// The second event is the bad one: the error says which.
	_, err := intake.DecodeJSON(jsonEvent(`{"ip":"192.0.2.1","time_text":"2026-01-02T03:04:05Z"},{"ip":"192.0.2.2","time_text":"soon"}`), now)
	if err == nil || !strings.Contains(err.Error(), "ip_events[1].time_text") {
		t.Errorf("err = %v, want it to name ip_events[1]", err)
	}
}

func TestJSONAddressesOneForm(t *testing.T) {
	ref, err := intake.DecodeJSON(jsonEvent(`{"ip":"::ffff:100.64.1.2","port":4000,"time_text":"2026-01-02T03:04:05Z"},{"ip":"2001:DB8:0:0:0:0:0:1","time_text":"2026-01-02T03:04:05Z"}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := ref.IPEvents[0].IP; got.String() != "100.64.1.2" || !safeguard.CGNAT.Contains(got) {
		t.Errorf("mapped address read as %s (in CGNAT: %v)", got, safeguard.CGNAT.Contains(got))
	}
	if got := ref.IPEvents[1].IP.String(); got != "2001:db8::1" {
		t.Errorf("IPv6 read as %s", got)
	}
	_, err = intake.DecodeJSON(jsonEvent(`{"ip":"fe80::1%eth0","time_text":"2026-01-02T03:04:05Z"}`), time.Now())
	if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), "ip_events[0].ip") {
		t.Errorf("address with a zone: %v", err)
	}
}

func TestJSONFileHashes(t *testing.T) {
	doc := `{"source":"hotline","source_ref":"H-1","files":[{"name":"a.jpg","md5":"0CC175B9C0F1B6A831C399E269772661","sha1":" 86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8 ",` +
		`"sha256":"CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB","pdq":"58F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22","viewed_by_esp":false,"industry_classification":"A1"}]}`
	ref, err := intake.DecodeJSON([]byte(doc), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f := ref.Files[0]
	if f.MD5 != "0cc175b9c0f1b6a831c399e269772661" || f.SHA1 != "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8" ||
		f.SHA256 != "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb" || f.PDQ != "58f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22" {
		t.Errorf("hashes not lower-cased: %+v", f)
	}
	if f.ViewedByESP == nil || *f.ViewedByESP {
		t.Errorf("viewed_by_esp = %v, want false", f.ViewedByESP)
	}
	bad := []struct{ file, want string }{
		{`{"md5":"0cc175b9c0f1b6a831c399e26977266"}`, "files[0].md5 must be 32 hex digits"},
		{`{"sha1":"zz"}`, "files[0].sha1 must be 40 hex digits"},
		{`{"sha256":"0cc175b9c0f1b6a831c399e269772661"}`, "files[0].sha256 must be 64 hex digits"},
		{`{"pdq":"not hex"}`, "files[0].pdq must be 64 hex digits"},
		{`{"industry_classification":"C"}`, `files[0].industry_classification "C"`},
	}
	for _, tt := range bad {
		_, err := intake.DecodeJSON([]byte(`{"source":"hotline","source_ref":"H-1","files":[`+tt.file+`]}`), time.Now())
		if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want EINVALID mentioning %q", tt.file, err, tt.want)
		}
	}
}

func TestCSVOffsetsInRange(t *testing.T) {
	const head = "source,source_ref,ip,port,time\n"
	refs, errs := readCSV(t, head+"p2p,A,192.0.2.1,,2026-11-01T10:00:00+14:00\np2p,B,192.0.2.1,,2026-11-01 10:00:00 -0930\n")
	if len(errs) != 0 || len(refs) != 2 {
		t.Fatalf("refs %d, errors %v", len(refs), errs)
	}
	if at := refs[1].IPEvents[0].At; at == nil || at.Format(time.RFC3339) != "2026-11-01T19:30:00Z" {
		t.Errorf("at %v", at)
	}
	for _, bad := range []string{"2026-11-01T10:00:00+01:60", "2026-11-01T10:00:00+15:00", "2026-11-01 10:00:00 -2300", "2026-11-01T10:00+14:30"} {
		_, errs := readCSV(t, head+"p2p,A,192.0.2.1,,"+bad+"\n")
		if len(errs) != 1 || !strings.Contains(errs[0], "line 2, column time") || !strings.Contains(errs[0], "offset out of range") {
			t.Errorf("%s: errors %v", bad, errs)
		}
	}
	_, errs = readCSV(t, "source,source_ref,received_at\nhotline,H,2026-11-01T10:00:00+01:60\n")
	if len(errs) != 1 || !strings.Contains(errs[0], "column received_at") {
		t.Errorf("received_at: errors %v", errs)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add(`{"source":"p2p","source_ref":"P-1","ip_events":[{"ip":"::ffff:100.64.0.1","port":1,"time_text":"2026-11-01T10:00:00+01:00","at":"2026-11-01T09:00:00Z","has_offset":true},{"ip":"2001:db8::1","time_text":"2026-11-01 10:00"}]}`)
	f.Add(`{"source":"hotline","source_ref":"H","files":[{"md5":"0CC175B9C0F1B6A831C399E269772661","industry_classification":"B2","viewed_by_esp":false}],"identifiers":[{"kind":"email","value":"a@example.com"}]}`)
	f.Add(`{"source":"cybertip","source_ref":"1","ip_events":[{"ip":"192.0.2.1","time_text":"2026-11-01T10:00:00+14:01"}]}`)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, doc string) {
		ref, err := intake.DecodeJSON([]byte(doc), now)
		if err != nil {
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if err := ref.Validate(); err != nil {
			t.Fatalf("returned an invalid referral: %v", err)
		}
		if string(ref.Document) != doc || ref.Format != "json" || ref.ID != 0 || ref.SubjectID != nil {
			t.Fatal("document or server fields not as received and cleared")
		}
		for _, e := range ref.IPEvents {
			if e.HasOffset != (e.At != nil) || e.IP.Is4In6() || e.IP.Zone() != "" {
				t.Fatalf("event %+v: an instant without an offset, or an address in two forms", e)
			}
			if e.At != nil && e.At.Location() != time.UTC {
				t.Fatalf("event %+v: instant not in UTC", e)
			}
		}
		for _, f := range ref.Files {
			for _, h := range []string{f.MD5, f.SHA1, f.SHA256, f.PDQ} {
				if h != strings.ToLower(h) || strings.TrimSpace(h) != h {
					t.Fatalf("file hash %q not lower-case and trimmed", h)
				}
			}
		}
	})
}
