package hashlist_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"safeguard"
	"safeguard/hashlist"
)

// fuzzFormat checks that a parser never panics, that every entry it gives
// is well formed, and (for CSV) that export and import give the same.
func fuzzFormat(f *testing.F, format hashlist.Format, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var entries []*safeguard.BankEntry
		for e, err := range hashlist.Read(strings.NewReader(in), format, hashlist.Options{}) {
			if err != nil {
				if safeguard.ErrorCode(err) != safeguard.EINVALID {
					t.Fatalf("error code %q for %v", safeguard.ErrorCode(err), err)
				}
				return
			}
			for _, h := range []string{e.MD5, e.SHA1, e.SHA256, e.PDQ} {
				if h != strings.ToLower(h) {
					t.Fatalf("hash %q not lower case", h)
				}
			}
			if !safeguard.SchemeUK.ValidCategory(e.Category) && !safeguard.SchemeVIC.ValidCategory(e.Category) {
				t.Fatalf("category %q", e.Category)
			}
			entries = append(entries, e)
		}
		if format != hashlist.FormatCSV {
			return
		}
		var b bytes.Buffer
		if err := hashlist.WriteCSV(&b, slice(entries)); err != nil {
			t.Fatal(err)
		}
		var again []*safeguard.BankEntry
		for e, err := range hashlist.ReadCSV(&b, hashlist.Options{}) {
			if err != nil {
				t.Fatalf("re-import: %v\n%s", err, b.String())
			}
			again = append(again, e)
		}
		if !reflect.DeepEqual(entries, again) {
			t.Fatalf("round trip differs:\n%s\n%s", jsonLines(t, entries), jsonLines(t, again))
		}
	})
}

func FuzzCSV(f *testing.F) {
	fuzzFormat(f, hashlist.FormatCSV, "md5,category\n"+strings.Repeat("a", 32)+",A\n",
		"ID,PDQ,quality,size\nx,"+strings.Repeat("0", 64)+",50,12\n", "sha1\n\"a\nb\"\n")
}

func FuzzHashdeep(f *testing.F) {
	fuzzFormat(f, hashlist.FormatHashdeep, "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## x\n1,"+
		strings.Repeat("a", 32)+","+strings.Repeat("b", 64)+",/a,b\n")
}

func FuzzPlain(f *testing.F) {
	fuzzFormat(f, hashlist.FormatPlain, strings.Repeat("a", 32)+"\n"+strings.Repeat("b", 64)+" *name\n# c\n")
}

func FuzzPDQ(f *testing.F) {
	fuzzFormat(f, hashlist.FormatPDQ, strings.Repeat("a", 64)+",100,x\n")
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"{", "%%%% HASHDEEP-1.0", "md5\n", strings.Repeat("a", 64) + ",1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		format, r, err := hashlist.Detect(strings.NewReader(in))
		if err != nil || format == hashlist.FormatVICS {
			return
		}
		for _, err := range hashlist.Read(r, format, hashlist.Options{}) {
			if err != nil && safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Fatalf("error code %q for %v", safeguard.ErrorCode(err), err)
			}
		}
	})
}
