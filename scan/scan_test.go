package scan_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"safeguard/pdq"
	"safeguard/scan"
)

// sharedData is the PDQ test data beside the repository (shared/ in CI).
const sharedData = "../../shared/testdata/pdq/data"

func mustData(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(sharedData, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared test data missing (want shared/ beside the repository): %v", err)
	}
	return p
}

func mustMD5(tb testing.TB, rel string) string {
	tb.Helper()
	b, err := os.ReadFile(mustData(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func mustPDQ(tb testing.TB, rel string) pdq.Result {
	tb.Helper()
	r, err := pdq.HashFile(mustData(tb, rel), pdq.Options{}, false)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func mustWrite(tb testing.TB, path, content string) string {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func mustBank(tb testing.TB, path string) *scan.Bank {
	tb.Helper()
	b, err := scan.LoadBank(path, scan.BankOptions{MinQuality: scan.DefaultMinQuality})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// testBanks builds a UK CSV bank of MD5s and a VICS bank with PDQ hashes
// (and one MD5) from files of the shared data, with made-up categories.
func testBanks(tb testing.TB) []*scan.Bank {
	tb.Helper()
	dir := tb.TempDir()
	csv := mustWrite(tb, filepath.Join(dir, "uk.csv"), fmt.Sprintf(
		"Entry_ID,MD5,Category\nuk-1,%s,A\nuk-2,%s,B\nuk-3,%s,not indecent\nuk-4,%s,C\n",
		mustMD5(tb, "misc-images/wee.jpg"), mustMD5(tb, "reg-test-input/haystack.txt"),
		mustMD5(tb, "misc-images/small.jpg"), strings.Repeat("0", 32)))
	vicsJSON := mustWrite(tb, filepath.Join(dir, "vic.json"), fmt.Sprintf(`{
  "@odata.context": "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media",
  "value": [
    {"MediaID": 501, "Category": 1, "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "%s"}]},
    {"MediaID": 502, "Category": 3, "AlternativeHashes": [{"HashName": "pdq", "HashValue": "%s"}]},
    {"MediaID": 503, "Category": 2, "MD5": "%s"},
    {"MediaID": 504, "Category": 4, "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "%s"}]}
  ]}`, mustPDQ(tb, "bridge-mods/aaa-orig.jpg").Hash, mustPDQ(tb, "misc-images/c.png").Hash,
		mustMD5(tb, "misc-images/c.png"), mustPDQ(tb, "misc-images/small.jpg").Hash))
	return []*scan.Bank{mustBank(tb, csv), mustBank(tb, vicsJSON)}
}

// scanRoot returns the directory to scan: the shared data itself, or under
// the race detector (where decoding is many times slower) a copy of it
// without the 12-megapixel photos and the LabelMe photos (none of which
// match) and without the colour-mode copies of the bridge photo (which all
// match entry 501). It returns how many of each were left out.
func scanRoot(tb testing.TB) (root string, unmatchedLeft, modesLeft int) {
	root = mustData(tb, ".")
	if !raceEnabled {
		return root, 0, 0
	}
	mirror := tb.TempDir()
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		slash := filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(filepath.Join(mirror, rel), 0o755)
		case strings.Contains(slash, "exif-rotn/"), strings.Contains(slash, "labelme-subset/"):
			unmatchedLeft++
			return nil
		case strings.Contains(slash, "misc-images/modes/"):
			modesLeft++
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(mirror, rel), b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return mirror, unmatchedLeft, modesLeft
}

// TestScanSharedData scans the shared PDQ data against the test banks and
// checks every match.
func TestScanSharedData(t *testing.T) {
	root, unmatchedLeft, modesLeft := scanRoot(t)
	banks := testBanks(t)
	if banks[0].Scheme != "uk" || banks[1].Scheme != "vic" || banks[0].Entries != 4 || banks[1].Entries != 4 {
		t.Fatalf("banks: %+v %+v", banks[0], banks[1])
	}
	rep, err := scan.Scan(context.Background(), root, banks, scan.Options{Radius: 31, MinQuality: 50, Jobs: 2, Tool: "test"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]scan.Match{}
	for _, m := range rep.Matches {
		k := m.Path + " " + m.Bank
		if _, dup := got[k]; dup {
			t.Errorf("two matches for %s", k)
		}
		got[k] = m
	}
	type want struct {
		path, bank, match string
		distance          int // -1: perceptual, 1..31
		entry, category   string
	}
	wants := []want{
		{"misc-images/wee.jpg", "uk.csv", "md5", 0, "uk-1", "A"},
		{"reg-test-input/haystack.txt", "uk.csv", "md5", 0, "uk-2", "B"},
		{"misc-images/small.jpg", "uk.csv", "md5", 0, "uk-3", "not_indecent"},
		// Exact before perceptual: c.png is also entry 502 by PDQ.
		{"misc-images/c.png", "vic.json", "md5", 0, "503", "2"},
	}
	edits, _ := filepath.Glob(filepath.Join(root, "bridge-mods", "*.jpg"))
	rotations, _ := filepath.Glob(filepath.Join(root, "reg-test-input", "dih", "*.jpg"))
	modes, _ := filepath.Glob(filepath.Join(root, "misc-images", "modes", "*"))
	if len(edits) != 12 || len(rotations) != 8 || len(modes) != 14-modesLeft {
		t.Fatalf("shared data: %d edits, %d rotations, %d modes; want 12, 8, %d", len(edits), len(rotations), len(modes), 14-modesLeft)
	}
	for _, p := range append(append(edits, rotations...), modes...) {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch rel {
		case "bridge-mods/aaa-orig.jpg", "reg-test-input/dih/bridge-1-original.jpg", "misc-images/modes/original.jpg":
			// The original itself, and byte-identical copies of it.
			wants = append(wants, want{rel, "vic.json", "pdq", 0, "501", "1"})
		default:
			wants = append(wants, want{rel, "vic.json", "pdq", -1, "501", "1"})
		}
	}
	for _, w := range wants {
		m, ok := got[w.path+" "+w.bank]
		if !ok {
			t.Errorf("%s: no match in %s", w.path, w.bank)
			continue
		}
		delete(got, w.path+" "+w.bank)
		if m.Match != w.match || m.EntryID != w.entry || m.Category != w.category ||
			(w.distance >= 0 && m.Distance != w.distance) || (w.distance < 0 && (m.Distance < 0 || m.Distance > 31)) {
			t.Errorf("%s: got %s %d %s %s, want %s %d %s %s", w.path, m.Match, m.Distance, m.EntryID, m.Category,
				w.match, w.distance, w.entry, w.category)
		}
		if len(m.SHA256) != 64 || m.Size <= 0 {
			t.Errorf("%s: sha256 %q size %d", w.path, m.SHA256, m.Size)
		}
	}
	for k, m := range got {
		t.Errorf("unexpected match %s: %+v", k, m)
	}

	// The rotations match only through the dihedral hashes.
	orig := mustPDQ(t, "reg-test-input/dih/bridge-1-original.jpg").Hash
	rot := mustPDQ(t, "reg-test-input/dih/bridge-2-rotate-90.jpg").Hash
	if d := pdq.Distance(orig, rot); d <= 31 {
		t.Errorf("rotated 90°: plain distance %d, want > 31 (the test would not show dihedral matching)", d)
	}

	s := rep.Summary
	left := unmatchedLeft + modesLeft
	if s.Files != 56-left || s.Images != 49-left || s.Errors != 0 || s.MatchedExact != 4 || s.MatchedPerceptual != 34-modesLeft || s.Unmatched != 18-unmatchedLeft {
		t.Errorf("summary %+v", s)
	}
	if s.ByCategory["uk"]["A"] != 1 || s.ByCategory["uk"]["B"] != 1 || s.ByCategory["uk"]["not_indecent"] != 1 ||
		s.ByCategory["vic"]["1"] != 34-modesLeft || s.ByCategory["vic"]["2"] != 1 || len(s.ByCategory["vic"]) != 2 {
		t.Errorf("by_category %v", s.ByCategory)
	}
	// small.jpg is near-black: quality under 50, so its PDQ (entry 504) never matches.
	if q := mustPDQ(t, "misc-images/small.jpg").Quality; q >= 50 {
		t.Errorf("small.jpg quality %d, want < 50", q)
	}
	var paths []string
	for _, m := range rep.Matches {
		paths = append(paths, m.Path)
	}
	if !sort.StringsAreSorted(paths) {
		t.Error("matches not in path order")
	}
	p := rep.Provenance
	if p.Tool != "test" || len(p.Banks) != 2 || len(p.Banks[0].SHA256) != 64 || p.Options.Radius != 31 || p.Start == "" || p.End == "" {
		t.Errorf("provenance %+v", p)
	}
}
