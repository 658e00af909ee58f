package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/intake"
)

var update = flag.Bool("update", false, "rewrite golden files")

var csvNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// readCSV returns every referral of doc and every error, as "where: reason".
func readCSV(t testing.TB, doc string) ([]*safeguard.Referral, []string) {
	t.Helper()
	cr, err := intake.NewCSVReader(strings.NewReader(doc), csvNow, 4096)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var refs []*safeguard.Referral
	var errs []string
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("Next does not end")
		}
		ref, err := cr.Next()
		if err == io.EOF {
			return refs, errs
		} else if err != nil {
			var ce *intake.CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *CSVError", err)
			}
			errs = append(errs, err.Error())
			continue
		}
		refs = append(refs, ref)
	}
}

func TestCSVGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/csv/referrals.csv")
	if err != nil {
		t.Fatal(err)
	}
	refs, errs := readCSV(t, string(in))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	type out struct {
		*safeguard.Referral
		Document string `json:"document"`
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	for _, r := range refs {
		if err := enc.Encode(out{r, string(r.Document)}); err != nil {
			t.Fatal(err)
		}
	}
	golden := "testdata/csv/referrals.golden.json"
	if *update {
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("parsed referrals differ from %s (go test -run CSVGolden -update to rewrite):\n%s", golden, got)
	}
	// Each document is the header and the referral's own rows, byte for
	// byte; together they give the file back.
	lines := strings.SplitAfter(string(in), "\n")
	header := lines[0]
	var rebuilt strings.Builder
	rebuilt.WriteString(header)
	for _, r := range refs {
		if r.Format != "csv" || !strings.HasPrefix(string(r.Document), header) || len(r.DocumentSHA256) != 64 {
			t.Errorf("%s: format %q, document %q", r.SourceRef, r.Format, r.Document)
		}
		rebuilt.WriteString(strings.TrimPrefix(string(r.Document), header))
	}
	if rebuilt.String() != string(in) {
		t.Errorf("documents do not add up to the file:\n%q\n%q", rebuilt.String(), in)
	}
}

func TestCSVReferrals(t *testing.T) {
	const head = "source,source_ref,ip,port,time,email,username,platform\n"
	refs, errs := readCSV(t, head+
		"p2p,A,192.0.2.1,,2026-11-01T10:00:00Z,a@example.com,,\n"+
		"p2p,A,192.0.2.1,,2026-11-01T10:00:00Z,a@example.com,peer,p2p.example\n"+ // same event and e-mail: kept once
		"P2P,B,,,,,,\n"+ // a referral with no facts; source case folded
		"hotline,B,203.0.113.9,8080,2026-11-01 10:00,,,\n") // same ref, other source: its own referral
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(refs) != 3 {
		t.Fatalf("%d referrals, want 3", len(refs))
	}
	a := refs[0]
	if len(a.IPEvents) != 1 || len(a.Identifiers) != 2 || a.Identifiers[1].Value != "peer@p2p.example" || !a.ReceivedAt.Equal(csvNow) {
		t.Errorf("A = %+v", a)
	}
	if ev := a.IPEvents[0]; !ev.HasOffset || ev.At == nil || !ev.At.Equal(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("A's event %+v", ev)
	}
	if b := refs[1]; b.Source != "p2p" || b.SourceRef != "B" || len(b.IPEvents)+len(b.Identifiers) != 0 {
		t.Errorf("p2p B = %+v", b)
	}
	ev := refs[2].IPEvents[0]
	if refs[2].Source != "hotline" || ev.HasOffset || ev.At != nil || ev.TimeText != "2026-11-01 10:00" || *ev.Port != 8080 {
		t.Errorf("a time without an offset must be kept as text only: %+v", ev)
	}
}

func TestCSVErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown columns", "source,source_ref,colour,Size\n", `unknown column "colour", "Size"`},
		{"no source_ref column", "source,ip\n", "source and source_ref"},
		{"column twice", "source,source_ref,IP,ip\n", "line 1, column ip: column ip named twice"},
		{"empty", "", "empty file"},
		{"bad ip", "source,source_ref,ip,time\np2p,X,192.0.2.256,2026-11-01T10:00:00Z\n", `line 2, column ip: "192.0.2.256" is not an IP address`},
		{"bad port", "source,source_ref,ip,port,time\np2p,X,192.0.2.1,70000,2026-11-01T10:00:00Z\n", "line 2, column port:"},
		{"no time", "source,source_ref,ip,time\np2p,X,192.0.2.1,\n", "line 2, column time: IP event 192.0.2.1 without a time"},
		{"not a date", "source,source_ref,ip,time\np2p,X,192.0.2.1,01/11/2026 10:00\n", "line 2, column time: \"01/11/2026 10:00\" is not an ISO 8601"},
		{"12-hour", "source,source_ref,ip,time\np2p,X,192.0.2.1,2026-11-01 10:00 PM\n", "line 2, column time:"},
		{"port without ip", "source,source_ref,ip,port\np2p,X,,443\n", "line 2, column port: port given without an ip"},
		{"received without offset", "source,source_ref,received_at\np2p,X,2026-11-01T10:00:00\n", "line 2, column received_at: received_at \"2026-11-01T10:00:00\" has no time-zone offset"},
		{"platform differs", "source,source_ref,platform\np2p,X,a.example\np2p,X,b.example\n", "line 3, column platform:"},
		{"bad md5", "source,source_ref,md5\np2p,X,d41d8cd9\n", "line 2, column md5: md5 must be 32 hex digits"},
		{"unknown source", "source,source_ref\nfax,X\n", "line 2, column source: source \"fax\""},
		{"cybertip in csv", "source,source_ref\ncybertip,X\n", "p2p or hotline"},
		{"no ref", "source,source_ref\np2p,\n", "line 2, column source_ref: source_ref required"},
		{"rows apart", "source,source_ref\np2p,X\np2p,Y\np2p,X\n", "line 4, column source_ref: rows of referral p2p X must be next to each other: it began at line 2"},
		{"field count", "source,source_ref,ip\np2p,X\n", "line 2: row has 2 fields, the header 3"},
		{"bare quote", "source,source_ref\np2p,X\"Y\n", "line 2: malformed CSV"},
		{"row too long", "source,source_ref,file_name\np2p,X,\"" + strings.Repeat("a", 10000) + "\"\n", "longer than 4096 bytes"},
		{"header too long", "source,source_ref," + strings.Repeat("x", 20000) + "\n", "line 1: row longer than 4096 bytes"},
		{"referral too long", "source,source_ref,file_name\n" + strings.Repeat("p2p,X,"+strings.Repeat("a", 1000)+"\n", 6), "line 6: referral longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs, errs := readCSV(t, tt.doc)
			if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), tt.want) {
				t.Fatalf("errors %q, want one containing %q", errs, tt.want)
			}
			for _, r := range refs {
				if r.SourceRef == "X" && tt.name != "rows apart" {
					t.Errorf("the refused referral was also returned: %+v", r)
				}
			}
		})
	}
}

// TestCSVGoesOnAfterABadReferral: one bad referral does not stop the file.
func TestCSVGoesOnAfterABadReferral(t *testing.T) {
	refs, errs := readCSV(t, "source,source_ref,ip,time\n"+
		"p2p,A,192.0.2.1,2026-11-01T10:00:00Z\n"+
		"p2p,B,192.0.2.999,2026-11-01T10:00:00Z\n"+
		"p2p,B,192.0.2.2,2026-11-01T10:00:00Z\n"+
		"p2p,C,192.0.2.3,2026-11-01T10:00:00Z\n")
	if len(refs) != 2 || refs[0].SourceRef != "A" || refs[1].SourceRef != "C" || len(errs) != 1 || !strings.Contains(errs[0], "line 3") {
		t.Fatalf("refs %d, errors %q", len(refs), errs)
	}
}

func TestIsCSVHeader(t *testing.T) {
	for line, want := range map[string]bool{
		"source,source_ref":             true,
		" SOURCE , Source_Ref ,ip\r":    true,
		`"source","source_ref","email"`: true,
		"source,ref":                    false,
		"md5,sha1,sha256":               false,
		"":                              false,
	} {
		if got := intake.IsCSVHeader([]byte(line)); got != want {
			t.Errorf("IsCSVHeader(%q) = %v, want %v", line, got, want)
		}
	}
}

// TestIngestCSV runs a CSV file through the Ingester with lines skipped
// before its header: lines named in rejections are the file's.
func TestIngestCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.csv")
	os.WriteFile(path, []byte("\ufeff\n\nsource,source_ref,ip,time\nhotline,H-1,192.0.2.1,2026-11-01T10:00:00Z\nhotline,H-2,192.0.2.1,yesterday\n"), 0o644)
	rs := &memReferrals{}
	sum, err := (&intake.Ingester{Referrals: rs}).Files(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 1 || len(sum.Rejected) != 1 || sum.Rejected[0].Where != "line 5, column time" || len(rs.refs) != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if doc := string(rs.refs[0].Document); doc != "source,source_ref,ip,time\nhotline,H-1,192.0.2.1,2026-11-01T10:00:00Z\n" {
		t.Errorf("document %q", doc)
	}
}

// memReferrals is a ReferralService without batches, keyed like the store.
type memReferrals struct {
	safeguard.ReferralService
	refs []*safeguard.Referral
}

func (m *memReferrals) CreateReferral(_ context.Context, r *safeguard.Referral) (bool, error) {
	for _, have := range m.refs {
		if have.Source == r.Source && have.SourceRef == r.SourceRef {
			return true, nil
		}
	}
	m.refs = append(m.refs, r)
	return false, nil
}

func FuzzCSV(f *testing.F) {
	if b, err := os.ReadFile("testdata/csv/referrals.csv"); err == nil {
		f.Add(string(b))
	}
	f.Add("source,source_ref,ip,port,time\np2p,A,100.64.0.1,1,2026-11-01T10:00:00Z\np2p,A,::1,,2026-11-01 10:00\n")
	f.Add("source,source_ref,file_name\np2p,\"A\nB\",\"x\"\"y\"\n")
	f.Fuzz(func(t *testing.T, doc string) {
		refs, _ := readCSV(t, doc)
		for _, r := range refs {
			if err := r.Validate(); err != nil {
				t.Fatalf("returned an invalid referral: %v", err)
			}
			if !strings.Contains(doc, string(r.Document[len(r.Document)-min(len(r.Document), 1):])) || r.Format != "csv" {
				t.Fatalf("document %q not from the input", r.Document)
			}
			for _, e := range r.IPEvents {
				if e.HasOffset != (e.At != nil) {
					t.Fatalf("event %+v: an instant without an offset", e)
				}
			}
		}
	})
}
