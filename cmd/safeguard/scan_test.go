package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safeguard/pdq"
)

func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }}
	err = Run(context.Background(), env, args)
	return o.String(), e.String(), err
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestScanCommand scans the shared bridge photo and its edits against a
// VICS bank holding the original's PDQ, plus a CSV bank of MD5s.
func TestScanCommand(t *testing.T) {
	data := "../../../shared/testdata/pdq/data/bridge-mods"
	orig, err := pdq.HashFile(filepath.Join(data, "aaa-orig.jpg"), pdq.Options{}, false)
	if err != nil {
		t.Fatalf("shared test data missing (want shared/ beside the repository): %v", err)
	}
	tmp := t.TempDir()
	vicsBank := writeFile(t, filepath.Join(tmp, "vic.json"), `{"@odata.context":"http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
		"value":[{"MediaID":77,"Category":1,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"`+orig.Hash.String()+`"}]}]}`)
	csvBank := writeFile(t, filepath.Join(tmp, "uk.csv"), "md5,category,id\n"+strings.Repeat("0", 32)+",A,x\n")
	out := filepath.Join(tmp, "report.json")

	// Flags after DIR, and a bank given as a plain argument.
	if _, _, err := runCmd(t, "scan", data, "--bank", vicsBank, csvBank, "--out", out, "--jobs", "2"); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := os.ReadFile(out + ".sha256")
	h := sha256.Sum256(body)
	if string(sum) != hex.EncodeToString(h[:])+"  report.json\n" {
		t.Errorf("report.json.sha256 = %q", sum)
	}
	var rep struct {
		Summary struct {
			Files             int
			MatchedPerceptual int `json:"matched_perceptual"`
		}
		Matches []struct {
			Path, Match, Bank, Category string
			EntryID                     string `json:"entry_id"`
			Distance                    int
		}
		Provenance struct {
			Banks []struct{ Name, SHA256 string }
		}
	}
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Matches) != 12 || len(rep.Provenance.Banks) != 2 || rep.Summary.Files != 12 || rep.Summary.MatchedPerceptual != 12 {
		t.Fatalf("%d matches, %d banks; want 12, 2", len(rep.Matches), len(rep.Provenance.Banks))
	}
	for _, m := range rep.Matches {
		if m.Match != "pdq" || m.Bank != "vic.json" || m.EntryID != "77" || m.Category != "1" || m.Distance > 31 ||
			(m.Path == "aaa-orig.jpg" && m.Distance != 0) {
			t.Errorf("match %+v", m)
		}
	}

	// CSV to stdout.
	stdout, _, err := runCmd(t, "scan", "--format", "csv", "--bank", vicsBank, data)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 13 || lines[0] != "path,size,sha256,match,distance,bank,entry_id,category" {
		t.Errorf("csv: %q", stdout)
	}
}

func TestScanCommandErrors(t *testing.T) {
	tmp := t.TempDir()
	bank := writeFile(t, filepath.Join(tmp, "b.csv"), "md5\n"+strings.Repeat("a", 32)+"\n")
	bad := writeFile(t, filepath.Join(tmp, "bad.csv"), "md5\nxyz\n")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--bank", bank}, "no directory given"},
		{[]string{"scan", tmp}, "no bank given"},
		{[]string{"scan", "--bank", bank, "--format", "xml", tmp}, `unknown --format "xml"`},
		{[]string{"scan", "--bank", bank, "--nope", tmp}, "flag provided but not defined: -nope"},
		{[]string{"scan", "--bank", bank, filepath.Join(tmp, "missing")}, "no such file or directory"},
		{[]string{"scan", "--bank", filepath.Join(tmp, "none.csv"), tmp}, "no such file or directory"},
		{[]string{"scan", "--bank", bad, tmp}, `line 2: md5 "xyz" has 3 hex digits, want 32`},
		{[]string{"scan", "--bank", bank, "--min-quality", "101", tmp}, "--min-quality 101 is not from 0 to 100"},
		{[]string{"hash"}, "no path given"},
	} {
		_, _, err := runCmd(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
	if out, _, err := runCmd(t, "scan", "--help"); err != errHelp || !strings.Contains(out, "Usage: safeguard scan") {
		t.Errorf("--help: %v %q", err, out)
	}
	// A scan that finds nothing still succeeds.
	if _, _, err := runCmd(t, "scan", "--bank", bank, t.TempDir()); err != nil {
		t.Errorf("empty dir: %v", err)
	}
}

func TestHashCommand(t *testing.T) {
	tmp := t.TempDir()
	writeFile(t, filepath.Join(tmp, "a.txt"), "hello\n")
	img := "../../../shared/testdata/pdq/data/misc-images/wee.jpg"
	stdout, _, err := runCmd(t, "hash", "--json", "--dihedral", tmp, img)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q", stdout)
	}
	var a, w map[string]any
	json.Unmarshal([]byte(lines[0]), &a)
	json.Unmarshal([]byte(lines[1]), &w)
	if a["md5"] != "b1946ac92492d2347c6235b4d2611184" || a["sha1"] != "f572d396fae9206628714fb2ce00f72e94f2258f" ||
		a["sha256"] != "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" || a["size"] != 6.0 || a["pdq"] != nil {
		t.Errorf("text file: %s", lines[0])
	}
	if w["pdq"] != "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d" || w["quality"] != 100.0 || len(w["pdq_dihedral"].([]any)) != 8 {
		t.Errorf("image: %s", lines[1])
	}
	stdout, _, err = runCmd(t, "hash", filepath.Join(tmp, "a.txt"))
	if err != nil || !strings.HasPrefix(stdout, "6\tb1946ac92492d2347c6235b4d2611184\t") || !strings.HasSuffix(stdout, "\t-\t-\t"+filepath.Join(tmp, "a.txt")+"\n") {
		t.Errorf("text: %q %v", stdout, err)
	}
	_, stderr, err := runCmd(t, "hash", filepath.Join(tmp, "missing"))
	if err == nil || !strings.Contains(stderr, "no such file or directory") {
		t.Errorf("missing: %v %q", err, stderr)
	}
}

func TestInterspersed(t *testing.T) {
	fs := newFlagSet(&bytes.Buffer{}, "x", "", "")
	fs.String("bank", "", "")
	fs.Bool("json", false, "")
	for _, tt := range []struct{ in, want string }{
		{"DIR --bank b", "--bank b -- DIR"},
		{"--bank=b DIR --json", "--bank=b --json -- DIR"},
		{"a --json b --bank c d", "--json --bank c -- a b d"},
		{"DIR -- --bank", "-- DIR --bank"},
		{"- --nope x", "--nope -- - x"},
	} {
		if got := strings.Join(interspersed(fs, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("interspersed(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
