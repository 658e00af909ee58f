package cybertip_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"safeguard"
	"safeguard/cybertip"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

const xsd = "../../shared/testdata/cybertip/cyber_tipline.xsd"

// reportIDs gives each report fixture the id the reporting API would have
// answered with; the fileDetails fixtures name these ids.
var reportIDs = map[string]string{
	"report_p2p.xml":   "240001001",
	"report_multi.xml": "240001002",
	"report_email.xml": "",

	"report_all_kinds.xml": "240001010",
	"report_persons.xml":   "240001011",
	"report_bom_crlf.xml":  "240001012",
	"report_latin1.xml":    "",
	"report_utf16.xml":     "240001014",
}

// validFixtures returns the valid fixtures, testdata/*.xml.
func validFixtures(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no fixtures: %v", err)
	}
	return files
}

// MustRead returns the contents of path.
func MustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustParse parses a fixture with its report id.
func MustParse(tb testing.TB, path string) *cybertip.Document {
	tb.Helper()
	d, err := cybertip.Parse(MustRead(tb, path), cybertip.Options{ReportID: reportIDs[filepath.Base(path)]})
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return d
}

// requireTools reports whether a missing tool or schema fails the test
// rather than skipping it.
func requireTools() bool {
	return os.Getenv("CI") != "" || os.Getenv("SAFEGUARD_REQUIRE_TOOLS") != ""
}

func TestFixturesValidateAgainstXSD(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if requireTools() {
			t.Fatal("xmllint not found (Debian package libxml2-utils); required when CI or SAFEGUARD_REQUIRE_TOOLS is set")
		}
		t.Skip("xmllint not found (Debian package libxml2-utils)")
	}
	schema := xsd
	if p := os.Getenv("SAFEGUARD_CYBERTIP_XSD"); p != "" {
		schema = p
	}
	if _, err := os.Stat(schema); err != nil {
		if requireTools() {
			t.Fatalf("schema (set SAFEGUARD_CYBERTIP_XSD to its path): %v", err)
		}
		t.Skipf("schema (set SAFEGUARD_CYBERTIP_XSD to its path): %v", err)
	}
	for _, f := range validFixtures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", schema, f).CombinedOutput()
			if err != nil {
				t.Fatalf("xmllint: %v\n%s", err, out)
			}
		})
	}
	// The schema alone lets these through (an IP address is a plain string
	// to it, a hash any string, a port any xs:int, and reportResponse is one
	// of its roots); Parse must not.
	for _, f := range []string{"bad_ip.xml", "bad_hash.xml", "bad_port.xml", "wrong_root.xml", "bad_latitude.xml"} {
		t.Run("schema-valid but refused/"+f, func(t *testing.T) {
			path := "testdata/invalid/" + f
			if out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", schema, path).CombinedOutput(); err != nil {
				t.Fatalf("xmllint: %v\n%s", err, out)
			}
			if _, err := cybertip.Parse(MustRead(t, path), cybertip.Options{}); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestGolden(t *testing.T) {
	for _, f := range validFixtures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d := MustParse(t, f)
			var v any = d.FileDetails
			if d.Report != nil {
				v = d.Report
				if err := d.Report.Referral.Validate(); err != nil {
					t.Fatalf("Validate: %v", err)
				}
			}
			got, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".xml") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := MustRead(t, golden)
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -update to rewrite):\n%s", f, golden, got)
			}
		})
	}
}

func TestParseP2P(t *testing.T) {
	doc := MustRead(t, "testdata/report_p2p.xml")
	d := MustParse(t, "testdata/report_p2p.xml")
	r := d.Report
	ref := r.Referral
	if got, want := ref.Source, safeguard.SourceCyberTip; got != want {
		t.Errorf("Source = %q, want %q", got, want)
	}
	if got, want := ref.SourceRef, "240001001"; got != want {
		t.Errorf("SourceRef = %q, want %q", got, want)
	}
	if got, want := ref.Format, "cybertip-xml"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if !bytes.Equal(ref.Document, doc) {
		t.Error("Document is not the bytes as received")
	}
	tests := []struct {
		ip, text, at string
		port         int // 0: none
		hasOffset    bool
		eventType    string
	}{
		{"203.0.113.45", "2026-03-14T21:07:33Z", "2026-03-14T21:07:33Z", 51413, true, "Upload"},
		{"100.64.12.7", "2026-03-14T22:15:02+01:00", "2026-03-14T21:15:02Z", 40022, true, "Other"},
		{"2001:db8:4a::1f", "2026-03-15T02:40:10", "", 0, false, "Unknown"},
		{"198.51.100.23", "2026-03-13T08:00:00.250-05:00", "2026-03-13T13:00:00.25Z", 0, true, "Login"},
	}
	if got, want := len(ref.IPEvents), len(tests); got != want {
		t.Fatalf("%d IP events, want %d: %+v", got, want, ref.IPEvents)
	}
	for i, tt := range tests {
		e := ref.IPEvents[i]
		if e.IP.String() != tt.ip || e.TimeText != tt.text || e.HasOffset != tt.hasOffset || e.EventType != tt.eventType {
			t.Errorf("event %d = %+v, want %+v", i, e, tt)
		}
		if tt.at == "" {
			if e.At != nil {
				t.Errorf("event %d: At = %v for a time without an offset, want nil", i, e.At)
			}
		} else if e.At == nil || e.At.Format("2006-01-02T15:04:05.999999999Z07:00") != tt.at {
			t.Errorf("event %d: At = %v, want %s", i, e.At, tt.at)
		}
		if tt.port == 0 && e.Port != nil || tt.port != 0 && (e.Port == nil || *e.Port != tt.port) {
			t.Errorf("event %d: port = %v, want %d", i, e.Port, tt.port)
		}
	}
	// The registration event has no time: kept, but not in the Referral.
	if got, want := len(r.IPCaptures), 5; got != want {
		t.Fatalf("%d captures, want %d", got, want)
	}
	if c := r.IPCaptures[4]; c.InReferral || c.IP.String() != "198.51.100.99" || c.Path != "/report/personOrUserReported/ipCaptureEvent[2]" {
		t.Errorf("timeless capture = %+v", c)
	}
	wantIDs := []safeguard.Identifier{
		{Kind: safeguard.IdentUsername, Value: "quietfalcon22@ExampleShare"},
		{Kind: safeguard.IdentAccountID, Value: "u-889102@ExampleShare"},
	}
	if !equalIdents(ref.Identifiers, wantIDs) {
		t.Errorf("Identifiers = %+v, want %+v", ref.Identifiers, wantIDs)
	}
}

func TestParseMulti(t *testing.T) {
	r := MustParse(t, "testdata/report_multi.xml").Report
	ref := r.Referral
	if !ref.Escalated || r.EscalationReason == "" {
		t.Errorf("Escalated = %v, reason %q", ref.Escalated, r.EscalationReason)
	}
	if got, want := strings.Join(ref.Annotations, ","), "sextortion,csamSolicitation,sadisticOnlineExploitation"; got != want {
		t.Errorf("Annotations = %s, want %s", got, want)
	}
	if ref.IncidentAt == nil || ref.IncidentAt.Format("2006-01-02T15:04:05Z07:00") != "2026-05-02T18:45:00Z" {
		t.Errorf("IncidentAt = %v", ref.IncidentAt)
	}
	wantIDs := []safeguard.Identifier{
		{Kind: safeguard.IdentName, Value: "Alex Fictional"},
		{Kind: safeguard.IdentPhone, Value: "+44 07700 900123"},
		{Kind: safeguard.IdentEmail, Value: "alex.fictional@example.com"},
		{Kind: safeguard.IdentEmail, Value: "A.Fictional+backup@example.com"},
		{Kind: safeguard.IdentAddress, Value: "1 Example Street, Exampletown, Exampleshire, EX1 2MP, GB"},
		{Kind: safeguard.IdentUsername, Value: "darkharbour@ExampleChat"},
		{Kind: safeguard.IdentAccountID, Value: "1000442211@ExampleChat"},
		{Kind: safeguard.IdentDeviceID, Value: "490154203237518"},
		{Kind: safeguard.IdentUsername, Value: "tidewatcher@ExampleChat Lite"},
		{Kind: safeguard.IdentAccountID, Value: "1000559900@ExampleChat Lite"},
		{Kind: safeguard.IdentDeviceID, Value: "38400000-8cf0-11bd-b23e-10b96e40000d"},
	}
	if !equalIdents(ref.Identifiers, wantIDs) {
		t.Errorf("Identifiers =\n%+v\nwant\n%+v", ref.Identifiers, wantIDs)
	}
	for _, id := range ref.Identifiers {
		for _, bad := range []string{"sunnyday_13", "1000667788", "Sam Fictional", "bill-7781", "Child"} {
			if strings.Contains(id.Value, bad) {
				t.Errorf("identifier %+v of a recipient, victim or associated account is in the Referral", id)
			}
		}
	}
	// Only reported persons' timed events are in the Referral.
	var ips []string
	for _, e := range ref.IPEvents {
		ips = append(ips, e.IP.String())
	}
	if got, want := strings.Join(ips, ","), "192.0.2.17,2001:db8::8a2e:370:7334,198.51.100.77"; got != want {
		t.Errorf("IP events %s, want %s", got, want)
	}
	if got := len(r.IPCaptures); got != 5 {
		t.Errorf("%d captures, want 5 (3 reported, 1 associated, 1 recipient)", got)
	}
	if c := r.IPCaptures[0]; c.PossibleProxy == nil || !*c.PossibleProxy {
		t.Errorf("possibleProxy lost: %+v", c)
	}
	if len(r.Reported) != 2 || r.Reported[0].Person.Age == nil || *r.Reported[0].Person.Age != 34 || r.Reported[0].Person.DateOfBirth != "1991-07-09" {
		t.Errorf("reported person age/dob lost: %+v", r.Reported)
	}
	if loc := r.Reported[0].EstimatedLocation; loc == nil || loc.City != "Exampletown" || loc.Timestamp == nil || !loc.Timestamp.HasOffset {
		t.Errorf("estimated location = %+v", loc)
	}
	if aa := r.Reported[0].AssociatedAccounts; len(aa) != 1 || aa[0].Type != "Billing" || len(aa[0].Identifiers) == 0 {
		t.Errorf("associated accounts = %+v", aa)
	}
	if len(r.IntendedRecipients) != 1 || len(r.IntendedRecipients[0].Identifiers) != 2 {
		t.Errorf("intended recipients = %+v", r.IntendedRecipients)
	}
	if len(r.Victims) != 1 || r.Victims[0].Age == nil || *r.Victims[0].Age != 13 {
		t.Errorf("victims = %+v", r.Victims)
	}
	if len(r.Incidents) != 2 || r.Incidents[1].ThirdPartyHosted == nil || len(r.Incidents[1].URLs) != 2 {
		t.Errorf("incidents = %+v", r.Incidents)
	}
}

func TestParseWithoutReportID(t *testing.T) {
	doc := MustRead(t, "testdata/report_email.xml")
	r, err := cybertip.ParseReport(doc, cybertip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := r.Referral
	if got, want := ref.SourceRef, "sha256:"+ref.DocumentSHA256; got != want || !r.SourceRefFromHash {
		t.Errorf("SourceRef = %q, want %q", got, want)
	}
	if ref.IncidentAt != nil || r.Incident.HasOffset || r.Incident.Text != "2026-01-20T07:15:00" {
		t.Errorf("incident time without offset = %+v, IncidentAt %v", r.Incident, ref.IncidentAt)
	}
	// No platform anywhere: the screen name is not an identifier.
	if !equalIdents(ref.Identifiers, []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: "sender@example.com"}}) {
		t.Errorf("Identifiers = %+v", ref.Identifiers)
	}
	if _, err := cybertip.ParseReport(doc, cybertip.Options{ReportID: "CT-1"}); safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Errorf("report id CT-1: err = %v, want EINVALID", err)
	}
}

func TestParseFileDetails(t *testing.T) {
	tests := []struct {
		file                   string
		md5, sha1, sha256, pdq string
		viewed                 string // "", "true", "false"
		annotations, class     string
		others                 int
	}{
		{"filedetails_md5_sha1.xml", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "", "", "true", "possibleSelfProduction,generativeAi", "A1", 0},
		{"filedetails_sha256_pdq.xml", "", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", "false", "potentialMeme", "B2", 1},
		{"filedetails_other_report.xml", "", "", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "", "", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := cybertip.ParseFileDetails(MustRead(t, "testdata/"+tt.file), cybertip.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := f.File
			if got.MD5 != tt.md5 || got.SHA1 != tt.sha1 || got.SHA256 != tt.sha256 || got.PDQ != tt.pdq {
				t.Errorf("hashes = %+v", got)
			}
			viewed := ""
			if got.ViewedByESP != nil {
				viewed = map[bool]string{true: "true", false: "false"}[*got.ViewedByESP]
			}
			if viewed != tt.viewed {
				t.Errorf("ViewedByESP = %q, want %q", viewed, tt.viewed)
			}
			if a := strings.Join(got.Annotations, ","); a != tt.annotations {
				t.Errorf("Annotations = %q, want %q", a, tt.annotations)
			}
			if got.Classification != tt.class || len(f.OtherHashes) != tt.others {
				t.Errorf("class %q others %v", got.Classification, f.OtherHashes)
			}
		})
	}
}

func equalIdents(a, b []safeguard.Identifier) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

// wantParseError checks that err is EINVALID with a *ParseError whose text
// holds want.
func wantParseError(tb testing.TB, err error, want string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error, want one containing %q", want)
	}
	if code := safeguard.ErrorCode(err); code != safeguard.EINVALID {
		tb.Errorf("code %q, want %q (%v)", code, safeguard.EINVALID, err)
	}
	var pe *cybertip.ParseError
	if !errors.As(err, &pe) {
		tb.Fatalf("%v is not a *ParseError", err)
	}
	if !strings.Contains(err.Error(), want) {
		tb.Errorf("error %q, want it to contain %q", err, want)
	}
}
