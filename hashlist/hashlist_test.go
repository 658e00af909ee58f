package hashlist_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"safeguard"
	"safeguard/hashlist"
)

var update = flag.Bool("update", false, "rewrite golden files")

// collect reads every entry, failing the test on an error.
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

// firstError returns the error that ends seq, or nil.
func firstError(seq iter.Seq2[*safeguard.BankEntry, error]) (n int, err error) {
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
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
		t.Errorf("%s differs (run go test -update):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestGolden detects and reads each sample list and compares the entries
// with testdata/NAME.golden.
func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		file string
		want hashlist.Format
	}{
		{"uk.csv", hashlist.FormatCSV},
		{"vic.csv", hashlist.FormatCSV},
		{"exhibit.hashdeep", hashlist.FormatHashdeep},
		{"plain.txt", hashlist.FormatPlain},
		{"te.pdq", hashlist.FormatPDQ},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			format, r, err := hashlist.Detect(f)
			if err != nil {
				t.Fatal(err)
			} else if format != tt.want {
				t.Fatalf("Detect = %q, want %q", format, tt.want)
			}
			entries := collect(t, hashlist.Read(r, format, hashlist.Options{}))
			golden(t, tt.file+".golden", jsonLines(t, entries))
		})
	}
}

func TestReadCSVSchemes(t *testing.T) {
	in := "md5,category\n" + strings.Repeat("0", 32) + ",A\n"
	_, err := firstError(hashlist.ReadCSV(strings.NewReader(in), hashlist.Options{Scheme: safeguard.SchemeVIC}))
	if got, want := safeguard.ErrorMessage(err), `line 2: category "A" is not a vic category (want 0, 1, 2, 3, 4, uncategorised)`; got != want {
		t.Errorf("VIC bank, UK category: got %q, want %q", got, want)
	}
	// Inferred from the first category, then held.
	in = "md5,category\n" + strings.Repeat("0", 32) + ",\n" + strings.Repeat("1", 32) + ",3\n" + strings.Repeat("2", 32) + ",B\n"
	n, err := firstError(hashlist.ReadCSV(strings.NewReader(in), hashlist.Options{}))
	if n != 2 || !strings.Contains(safeguard.ErrorMessage(err), `line 4: category "B" is not a vic category`) ||
		!strings.Contains(err.Error(), "taken from the category at line 3") {
		t.Errorf("mixed schemes: %d entries, err %v", n, err)
	}
	_, err = firstError(hashlist.ReadCSV(strings.NewReader("md5,category\n"+strings.Repeat("a", 32)+",D\n"), hashlist.Options{}))
	if got, want := safeguard.ErrorMessage(err), `line 2: category "D" is neither a uk category (A, B, C, not indecent) nor a vic one (0-4)`; got != want {
		t.Errorf("unknown category, no scheme: got %q, want %q", got, want)
	}
	e := collect(t, hashlist.ReadCSV(strings.NewReader("MD5,Category\n"+strings.Repeat("a", 32)+",Not Indecent\n"), hashlist.Options{Scheme: safeguard.SchemeUK}))
	if e[0].Category != "not_indecent" {
		t.Errorf("category = %q, want not_indecent", e[0].Category)
	}
}

// TestErrors checks that bad input is refused with the line and the reason.
func TestErrors(t *testing.T) {
	md5 := strings.Repeat("a", 32)
	pdq := strings.Repeat("f", 64)
	for _, tt := range []struct {
		name   string
		format hashlist.Format
		opt    hashlist.Options
		in     string
		n      int // entries before the error
		want   string
	}{
		{"csv short md5", hashlist.FormatCSV, hashlist.Options{}, "md5\n" + md5 + "\nabc\n", 1, `line 3: md5 "abc" has 3 hex digits, want 32`},
		{"csv non-hex", hashlist.FormatCSV, hashlist.Options{}, "sha1\n" + strings.Repeat("g", 40) + "\n", 0, `line 2: sha1 "gggggggggggggggggggggggggggggggggggggggg" has a non-hex digit 'g' at offset 0`},
		{"csv unknown category", hashlist.FormatCSV, hashlist.Options{Scheme: safeguard.SchemeUK}, "md5,category\n\n" + md5 + ",D\n", 0, `line 3: category "D" is not a uk category (want A, B, C, not indecent, uncategorised)`},
		{"csv no hash column", hashlist.FormatCSV, hashlist.Options{}, "name,category\nx,A\n", 0, `line 1: header "name,category" has no md5, sha1, sha256 or pdq column`},
		{"csv duplicate column", hashlist.FormatCSV, hashlist.Options{}, "md5,MD5\n", 0, `line 1: column "md5" appears twice in the header`},
		{"csv row without hash", hashlist.FormatCSV, hashlist.Options{}, "md5,category\n,A\n", 0, `line 2: no md5, sha1, sha256, pdq or photodna value`},
		{"csv bad quality", hashlist.FormatCSV, hashlist.Options{}, "pdq,quality\n" + pdq + ",101\n", 0, `line 2: quality "101" is not a whole number from 0 to 100`},
		{"csv bad size", hashlist.FormatCSV, hashlist.Options{}, "md5,size\n" + md5 + ",-1\n", 0, `line 2: size "-1" is not a whole number of bytes`},
		{"csv bad quote", hashlist.FormatCSV, hashlist.Options{}, "md5\n\"" + md5 + "\"x\n", 0, `line 2: extraneous or missing " in quoted-field`},
		{"csv empty", hashlist.FormatCSV, hashlist.Options{}, "", 0, `empty CSV: no header`},
		{"hashdeep no magic", hashlist.FormatHashdeep, hashlist.Options{}, "%%%% size,md5\n", 0, `line 1: want "%%%% HASHDEEP-1.0", got "%%%% size,md5"`},
		{"hashdeep short", hashlist.FormatHashdeep, hashlist.Options{}, "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n1," + md5 + ",a\n2,abc,b\n", 1, `line 4: md5 "abc" has 3 hex digits, want 32`},
		{"hashdeep fields", hashlist.FormatHashdeep, hashlist.Options{}, "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n1\n", 0, `line 3: 1 fields, want 3 (size,md5,filename)`},
		{"hashdeep column", hashlist.FormatHashdeep, hashlist.Options{}, "%%%% HASHDEEP-1.0\n%%%% size,crc32,filename\n", 0, `line 2: unknown hashdeep column "crc32"`},
		{"plain length", hashlist.FormatPlain, hashlist.Options{}, md5 + "\n# c\n\n" + strings.Repeat("a", 33) + "\n", 1, `line 4: hash "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" has 33 hex digits, want 32, 40 or 64`},
		{"plain forced md5", hashlist.FormatPlain, hashlist.Options{Kind: hashlist.MD5}, strings.Repeat("a", 40) + "\n", 0, `line 1: md5 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" has 40 hex digits, want 32`},
		{"plain non-hex", hashlist.FormatPlain, hashlist.Options{}, strings.Repeat("a", 31) + "z\n", 0, `line 1: md5 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaz" has a non-hex digit 'z' at offset 31`},
		{"pdq short", hashlist.FormatPDQ, hashlist.Options{}, pdq + ",100\n" + md5 + ",100\n", 1, `line 2: pdq "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" has 32 hex digits, want 64`},
		{"pdq quality", hashlist.FormatPDQ, hashlist.Options{}, pdq + ",high\n", 0, `line 1: quality "high" is not a whole number from 0 to 100`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := firstError(hashlist.Read(strings.NewReader(tt.in), tt.format, tt.opt))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if got := safeguard.ErrorMessage(err); got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Errorf("code %q, want invalid", safeguard.ErrorCode(err))
			}
			if n != tt.n {
				t.Errorf("%d entries before the error, want %d", n, tt.n)
			}
		})
	}
}

func TestPlainPDQKind(t *testing.T) {
	h := strings.Repeat("AB", 32)
	e := collect(t, hashlist.ReadPlain(strings.NewReader(h+"\n"), hashlist.Options{Kind: hashlist.PDQ}))
	if len(e) != 1 || e[0].PDQ != strings.ToLower(h) || e[0].SHA256 != "" {
		t.Errorf("got %+v, want one PDQ entry", e[0])
	}
	e = collect(t, hashlist.ReadPlain(strings.NewReader(h+"\n"), hashlist.Options{}))
	if e[0].SHA256 != strings.ToLower(h) || e[0].PDQ != "" {
		t.Errorf("got %+v, want one SHA-256 entry", e[0])
	}
}

func TestDetect(t *testing.T) {
	md5 := strings.Repeat("a", 32)
	pdq := strings.Repeat("f", 64)
	for _, tt := range []struct {
		in   string
		want hashlist.Format
		err  string
	}{
		{"\ufeff  {\"value\":[]}", hashlist.FormatVICS, ""},
		{"%%%% HASHDEEP-1.0\n", hashlist.FormatHashdeep, ""},
		{"# comment\n\nSHA256,Category\n", hashlist.FormatCSV, ""},
		{"\"md5\",\"category\"\r\n", hashlist.FormatCSV, ""},
		{"id,pdq\n", hashlist.FormatCSV, ""},
		{pdq + ",100\n", hashlist.FormatPDQ, ""},
		{pdq + "\n", hashlist.FormatPlain, ""},
		{md5 + "  file name.jpg\n", hashlist.FormatPlain, ""},
		{md5 + "\tfile\n", hashlist.FormatPlain, ""},
		{"", "", "empty bank file"},
		{"# only\n", "", "bank file has no entries in its first 64 KiB"},
		{"hello world\n", "", `unrecognised bank format: first line "hello world" is not VICS JSON, a CSV header, hashdeep, a PDQ list or a hash list`},
		{md5 + ",A\n", "", `unrecognised bank format: first line "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,A" is not VICS JSON, a CSV header, hashdeep, a PDQ list or a hash list`},
	} {
		got, r, err := hashlist.Detect(strings.NewReader(tt.in))
		if msg := safeguard.ErrorMessage(err); msg != tt.err || got != tt.want {
			t.Errorf("Detect(%.30q) = %q, %q; want %q, %q", tt.in, got, msg, tt.want, tt.err)
		}
		if all, _ := io.ReadAll(r); string(all) != tt.in {
			t.Errorf("Detect(%.30q) reader gives %q, want the whole input", tt.in, all)
		}
	}
}

func TestCategory(t *testing.T) {
	for _, tt := range []struct {
		scheme safeguard.Scheme
		raw    string
		want   string
		ok     bool
	}{
		{safeguard.SchemeUK, "a", "A", true},
		{safeguard.SchemeUK, " C ", "C", true},
		{safeguard.SchemeUK, "Not Indecent", "not_indecent", true},
		{safeguard.SchemeUK, "not_indecent", "not_indecent", true},
		{safeguard.SchemeUK, "NI", "not_indecent", true},
		{safeguard.SchemeUK, "", safeguard.Uncategorised, true},
		{safeguard.SchemeUK, "Uncategorised", safeguard.Uncategorised, true},
		{safeguard.SchemeUK, "1", "", false},
		{safeguard.SchemeUK, "D", "", false},
		{safeguard.SchemeVIC, "0", "0", true},
		{safeguard.SchemeVIC, "4", "4", true},
		{safeguard.SchemeVIC, "5", "", false},
		{safeguard.SchemeVIC, "A", "", false},
		{safeguard.SchemeVIC, "uncategorized", safeguard.Uncategorised, true},
	} {
		got, err := hashlist.Category(tt.scheme, tt.raw)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Category(%s, %q) = %q, %v; want %q, ok %v", tt.scheme, tt.raw, got, err, tt.want, tt.ok)
		}
	}
}

// TestCSVRoundTrip exports what was imported and imports it again.
func TestCSVRoundTrip(t *testing.T) {
	for _, name := range []string{"uk.csv", "vic.csv"} {
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		first := collect(t, hashlist.ReadCSV(f, hashlist.Options{}))
		f.Close()
		var b bytes.Buffer
		if err := hashlist.WriteCSV(&b, slice(first)); err != nil {
			t.Fatal(err)
		}
		golden(t, name+".export.golden", b.Bytes())
		second := collect(t, hashlist.ReadCSV(&b, hashlist.Options{}))
		if !reflect.DeepEqual(first, second) {
			t.Errorf("%s: round trip differs:\n%s\n%s", name, jsonLines(t, first), jsonLines(t, second))
		}
	}
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

func TestStopsWhenAsked(t *testing.T) {
	in := "md5\n" + strings.Repeat(strings.Repeat("a", 32)+"\n", 5)
	n := 0
	for range hashlist.ReadCSV(strings.NewReader(in), hashlist.Options{}) {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("n = %d", n)
	}
}
