package vics_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"safeguard"
	"safeguard/vics"
)

var update = flag.Bool("update", false, "rewrite golden files")

func collect(tb testing.TB, seq iter.Seq2[*safeguard.BankEntry, error]) []*safeguard.BankEntry {
	tb.Helper()
	var out []*safeguard.BankEntry
	for e, err := range seq {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func slice(entries []*safeguard.BankEntry) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func jsonLines(tb testing.TB, entries []*safeguard.BankEntry) []byte {
	tb.Helper()
	var b bytes.Buffer
	for _, e := range entries {
		j, err := json.Marshal(e)
		if err != nil {
			tb.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -args -update):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestGolden reads each sample, compares the entries with NAME.golden and
// the export with NAME.export.golden, and checks that reading the export
// gives the same entries and exporting them again the same bytes.
func TestGolden(t *testing.T) {
	for _, name := range []string{"hashset-2.0.json", "cases-1.x.json"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			first := collect(t, vics.Read(f, vics.Options{}))
			golden(t, name+".golden", jsonLines(t, first))

			var out bytes.Buffer
			if err := vics.Write(&out, slice(first), vics.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			exported := out.Bytes()
			golden(t, name+".export.golden", exported)
			if !json.Valid(exported) {
				t.Fatal("export is not valid JSON")
			}

			second := collect(t, vics.Read(bytes.NewReader(exported), vics.Options{}))
			if !reflect.DeepEqual(first, second) {
				t.Errorf("import, export, import differs:\n%s\n%s", jsonLines(t, first), jsonLines(t, second))
			}
			var again bytes.Buffer
			if err := vics.Write(&again, slice(second), vics.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(exported, again.Bytes()) {
				t.Errorf("second export differs:\n%s\n%s", exported, again.Bytes())
			}
		})
	}
}

func TestReadFields(t *testing.T) {
	f, err := os.Open("testdata/hashset-2.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := collect(t, vics.Read(f, vics.Options{}))
	if len(got) != 4 {
		t.Fatalf("%d entries, want 4 (duplicates are kept)", len(got))
	}
	e := got[0]
	if e.EntryID != "101" || e.Category != "1" || e.MD5 != "0cc175b9c0f1b6a831c399e269772661" ||
		e.PDQ != "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22" ||
		e.SHA256 != "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb" ||
		e.PhotoDNA != "AAECAwQFBgcICQoLDA0ODw==" || e.Size == nil || *e.Size != 52817 {
		t.Errorf("entry 0 = %s", jsonLines(t, got[:1]))
	}
	var extra map[string]json.RawMessage
	if err := json.Unmarshal(e.Extra, &extra); err != nil {
		t.Fatal(err)
	}
	if string(extra["AlternativeHashes"]) != `[{"HashName":"TLSH","HashValue":"T1A0B1C2"}]` ||
		string(extra["Series"]) != `"Gradient <test> & series"` || extra["MediaID"] != nil {
		t.Errorf("extra = %s", e.Extra)
	}
	if e := got[1]; e.EntryID != "102" || e.Category != safeguard.Uncategorised || *e.Size != 1024 {
		t.Errorf("entry 1 = %s", jsonLines(t, got[1:2]))
	}
	if e := got[2]; e.Quality == nil || *e.Quality != 90 || e.Category != "0" {
		t.Errorf("entry 2 = %s", jsonLines(t, got[2:3]))
	}
}

func TestReadCases(t *testing.T) {
	f, err := os.Open("testdata/cases-1.x.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := collect(t, vics.Read(f, vics.Options{}))
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3", len(got))
	}
	var extra struct {
		Case map[string]any `json:"@safeguard.case"`
	}
	if err := json.Unmarshal(got[1].Extra, &extra); err != nil {
		t.Fatal(err)
	}
	if extra.Case["CaseNumber"] != "OP-EXAMPLE-1" || extra.Case["Contact"] != "unit@example.org" {
		t.Errorf("case = %v", extra.Case)
	}
	if got[2].EntryID != "3" || got[2].Category != "3" || !strings.Contains(string(got[2].Extra), `"@safeguard.case":{"CaseID":"8a2d3b"}`) {
		t.Errorf("entry 2 = %s", jsonLines(t, got[2:]))
	}
}

// TestErrors checks that bad input is refused with the JSON path.
func TestErrors(t *testing.T) {
	md5 := `"` + strings.Repeat("a", 32) + `"`
	for _, tt := range []struct {
		name, in string
		scheme   safeguard.Scheme
		n        int
		want     string
	}{
		{"short md5", `{"value":[{"MediaID":1,"MD5":` + md5 + `},{"MediaID":2},{"MediaID":3,"Category":1,"MD5":"abc"}]}`, "", 2,
			`value[2].MD5: md5 "abc" has 3 hex digits, want 32`},
		{"case media", `{"value":[{"CaseID":"c","Media":[{"MediaID":1,"SHA1":"zz"}]}]}`, "", 0,
			`value[0].Media[0].SHA1: sha1 "zz" has 2 hex digits, want 40`},
		{"non-hex", `{"value":[{"MD5":"` + strings.Repeat("a", 31) + `x"}]}`, "", 0,
			`value[0].MD5: md5 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax" has a non-hex digit 'x' at offset 31`},
		{"category", `{"value":[{"MediaID":1,"Category":7}]}`, "", 0,
			`value[0].Category: category "7" is not a vic category (want 0, 1, 2, 3, 4, uncategorised)`},
		{"uk bank", `{"value":[{"MediaID":1,"Category":1}]}`, safeguard.SchemeUK, 0,
			`value[0].Category: category "1" is not a uk category (want A, B, C, not indecent, uncategorised)`},
		{"pdq", `{"value":[{"AlternativeHashes":[{"HashName":"PDQ","HashValue":"12"}]}]}`, "", 0,
			`value[0].AlternativeHashes[0].HashValue: pdq "12" has 2 hex digits, want 64`},
		{"size", `{"value":[{"MediaSize":-5}]}`, "", 0, `value[0].MediaSize: MediaSize "-5" is not a whole number of bytes`},
		{"mediaid", `{"value":[{"MediaID":{}}]}`, "", 0, `value[0].MediaID: MediaID {} is neither a number nor a string`},
		{"md5 type", `{"value":[{"MD5":5}]}`, "", 0, `value[0].MD5: md5 5 is not a string`},
		{"no value", `{"odata.metadata":"x"}`, "", 0, `$: no "value" array: not a VICS file`},
		{"array", `[]`, "", 0, `$: want a VICS JSON object, got an array`},
		{"value type", `{"value":3}`, "", 0, `value: want an array, got the number 3`},
		{"media type", `{"value":[{"Media":{}}]}`, "", 0, `value[0].Media: want an array of Media, got an object`},
		{"truncated", `{"value":[{"MediaID":1,"MD5":` + md5 + `}`, "", 1, `value: invalid JSON near byte 64: unexpected EOF`},
		{"syntax", `{"value":[{"MediaID":1,,}]}`, "", 0, `value[0]: invalid JSON at byte 23: invalid character ',' looking for beginning of object key string`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			var err error
			for _, err = range vics.Read(strings.NewReader(tt.in), vics.Options{Scheme: tt.scheme}) {
				if err != nil {
					break
				}
				n++
			}
			if got := safeguard.ErrorMessage(err); got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Errorf("code %q", safeguard.ErrorCode(err))
			}
			if n != tt.n {
				t.Errorf("%d entries before the error, want %d", n, tt.n)
			}
		})
	}
}

func TestLenient(t *testing.T) {
	in := `{"@odata.context":"x","value":[
		{"mediaid":"A-7","category":"","md5":"","PhotoDNA":null,"IsPrecategorized":"True","MediaSize":null},
		{"CaseID":"no media"},
		{"MediaID":8,"Category":"2","MD5":null,"MD5":"` + strings.Repeat("b", 32) + `"}]}`
	got := collect(t, vics.Read(strings.NewReader(in), vics.Options{}))
	if len(got) != 2 || got[0].EntryID != "A-7" || got[0].Category != safeguard.Uncategorised || got[0].Size != nil {
		t.Fatalf("got %s", jsonLines(t, got))
	}
	// The first MD5 is modelled (null); the repeat is kept, and comes back.
	if got[1].MD5 != "" || string(got[1].Extra) != `{"MD5":"`+strings.Repeat("b", 32)+`"}` {
		t.Errorf("got %s", jsonLines(t, got[1:]))
	}
	var out bytes.Buffer
	if err := vics.Write(&out, slice(got), vics.WriteOptions{Region: "UK"}); err != nil {
		t.Fatal(err)
	}
	if again := collect(t, vics.Read(&out, vics.Options{})); !reflect.DeepEqual(got, again) {
		t.Errorf("round trip differs:\n%s\n%s", jsonLines(t, got), jsonLines(t, again))
	}
}

func TestWriteEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := vics.Write(&out, slice(nil), vics.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `{"@odata.context":"http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media","value":[` + "\n]}\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestStreamBounded reads a generated file of many Media through a pipe
// and checks the heap stays small while the file is many times larger.
func TestStreamBounded(t *testing.T) {
	n := 200_000
	if testing.Short() || raceEnabled {
		n = 50_000
	}
	pr, pw := io.Pipe()
	done := make(chan int64, 1)
	go func() {
		bw := bufio.NewWriterSize(pw, 256<<10)
		w := &countWriter{w: bw}
		fmt.Fprint(w, `{"@odata.context":"http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases","value":[{"CaseID":"big","Media":[`)
		for i := range n {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"MediaID":%d,"Category":%d,"MD5":"%032x","SHA1":"%040x","MediaSize":%d,"IsPrecategorized":true,"Comments":"generated entry number %d for the streaming test","AlternativeHashes":[{"HashName":"PDQ","HashValue":"%064x"}]}`,
				i, i%5, i, i, i*10, i, i)
		}
		fmt.Fprint(w, `]}]}`)
		bw.Flush()
		done <- w.n
		pw.Close()
	}()
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	count := 0
	for e, err := range vics.Read(pr, vics.Options{}) {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint(count); e.EntryID != want {
			t.Fatalf("entry %d has id %q", count, e.EntryID)
		}
		count++
		if count%(n/10) == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if count != n {
		t.Fatalf("read %d entries, want %d", count, n)
	}
	written := <-done
	t.Logf("%d entries, %d MB of JSON, peak heap %.1f MB", n, written>>20, float64(peak)/(1<<20))
	if limit := uint64(12 << 20); peak > limit || uint64(written) < limit {
		t.Errorf("peak heap %d bytes for a %d-byte file: want under %d", peak, written, limit)
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
