package scan_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"safeguard"
	"safeguard/hashlist"
	"safeguard/scan"
)

func sampleReport() *scan.Report {
	return &scan.Report{
		Summary: scan.Summary{Files: 3, Bytes: 30, Images: 1, MatchedExact: 1, MatchedPerceptual: 1, Unmatched: 1, Errors: 1,
			ByCategory: map[safeguard.Scheme]map[string]int{"uk": {"A": 1}, "vic": {"1": 1}}},
		Matches: []scan.Match{
			{Path: "dir/<script>alert(1)</script>.jpg", Size: 10, SHA256: strings.Repeat("a", 64), Match: "md5", Bank: "uk.csv", EntryID: "k&1", Category: "A"},
			{Path: "dir/b.png", Size: 20, SHA256: strings.Repeat("b", 64), Match: "pdq", Distance: 7, Bank: "vic.json", EntryID: "501", Category: "1"},
		},
		Errors:     []scan.FileError{{Path: "fifo", Error: "skipped: named pipe"}},
		Provenance: scan.Provenance{Tool: "safeguard test", Host: "h", Start: "2026-01-01T00:00:00Z", End: "2026-01-01T00:00:01Z"},
	}
}

func TestReportJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary    map[string]any
		Matches    []map[string]any
		Errors     []map[string]string
		Provenance map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, m := range doc.Matches {
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"bank", "category", "distance", "entry_id", "match", "path", "sha256", "size"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("match keys %v, want %v", keys, want)
		}
	}
	for _, k := range []string{"files", "bytes", "images", "matched_exact", "matched_perceptual", "unmatched", "errors", "by_category"} {
		if _, ok := doc.Summary[k]; !ok {
			t.Errorf("summary has no %q", k)
		}
	}
	if doc.Errors[0]["path"] != "fifo" || doc.Provenance["tool"] != "safeguard test" {
		t.Errorf("errors %v provenance %v", doc.Errors, doc.Provenance)
	}
	if !strings.Contains(b.String(), `"path": "dir/<script>alert(1)</script>.jpg"`) {
		t.Error("paths should be written as they are in JSON")
	}
}

func TestReportCSV(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		scan.CSVHeader,
		{"dir/<script>alert(1)</script>.jpg", "10", strings.Repeat("a", 64), "md5", "0", "uk.csv", "k&1", "A"},
		{"dir/b.png", "20", strings.Repeat("b", 64), "pdq", "7", "vic.json", "501", "1"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got %v, want %v", rows, want)
	}
}

func TestReportHTML(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, bad := range []string{"<script", "<img", "<iframe", "src=", "javascript:"} {
		if strings.Contains(strings.ToLower(h), bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;.jpg", "k&amp;1", "Category A", "1 Child abuse material", "skipped: named pipe", "no image content"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Index(h, "Category A") > strings.Index(h, "1 Child abuse material") {
		t.Error("want the uk categories before the vic ones")
	}
}

func TestReportWriteFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	if err := sampleReport().WriteFile(out, "json"); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(out + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(body)
	if want := hex.EncodeToString(h[:]) + "  report.json\n"; string(sum) != want {
		t.Errorf("report.json.sha256 = %q, want %q", sum, want)
	}
	if err := sampleReport().WriteFile(out, "xml"); safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Errorf("unknown format: %v", err)
	}
}

// TestLoadBankFormats loads a bank in each format and checks what matching
// will use.
func TestLoadBankFormats(t *testing.T) {
	dir := t.TempDir()
	md5 := strings.Repeat("ab", 16)
	pdqHex := strings.Repeat("cd", 32)
	for _, tt := range []struct {
		name, content string
		format        string
		scheme        safeguard.Scheme
		entries       int
	}{
		{"list.csv", "md5,category\n" + md5 + ",2\n", "csv", "vic", 1},
		{"uncat.csv", "md5\n" + md5 + "\n", "csv", "uk", 1},
		{"x.hashdeep", "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n## c\n3," + md5 + ",/a\n", "hashdeep", "uk", 1},
		{"plain.txt", md5 + "\n" + md5 + "\n", "plain", "uk", 2},
		{"te.txt", pdqHex + ",90\n", "pdq", "uk", 1},
		{"cases.json", `{"odata.metadata":"x","value":[{"CaseID":"c","Media":[{"MediaID":1,"Category":null,"MD5":"` + md5 + `"}]}]}`, "vics", "vic", 1},
	} {
		b, err := scan.LoadBank(mustWrite(t, filepath.Join(dir, tt.name), tt.content), scan.BankOptions{MinQuality: 50})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		h := sha256.Sum256([]byte(tt.content))
		if string(b.Format) != tt.format || b.Scheme != tt.scheme || b.Entries != tt.entries || b.Name != tt.name || b.SHA256 != hex.EncodeToString(h[:]) {
			t.Errorf("%s: got %+v", tt.name, b)
		}
	}
	pdqList := mustWrite(t, filepath.Join(dir, "pdq.txt"), pdqHex+"\n")
	if b, err := scan.LoadBank(pdqList, scan.BankOptions{PlainKind: hashlist.PDQ}); err != nil || b.Format != hashlist.FormatPlain {
		t.Errorf("plain PDQ list: %v", err)
	}
	_, err := scan.LoadBank(mustWrite(t, filepath.Join(dir, "bad.csv"), "md5,category\n"+md5+",A\nabc,B\n"), scan.BankOptions{})
	if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), `line 3: md5 "abc" has 3 hex digits, want 32`) {
		t.Errorf("bad bank: %v", err)
	}
	if _, err := scan.LoadBank(filepath.Join(dir, "none"), scan.BankOptions{}); !os.IsNotExist(err) {
		t.Errorf("missing bank: %v", err)
	}
}
