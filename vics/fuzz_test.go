package vics_test

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"safeguard"
	"safeguard/vics"
)

// FuzzRead checks that Read never panics, that its errors are EINVALID, and
// that whatever it accepts survives Write and Read unchanged.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/hashset-2.0.json", "testdata/cases-1.x.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"value":[{"MediaID":1,"MD5":null,"MD5":"` + strings.Repeat("a", 32) + `","Case":{}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var first []*safeguard.BankEntry
		for e, err := range vics.Read(bytes.NewReader(in), vics.Options{}) {
			if err != nil {
				if safeguard.ErrorCode(err) != safeguard.EINVALID {
					t.Fatalf("code %q: %v", safeguard.ErrorCode(err), err)
				}
				return
			}
			first = append(first, e)
		}
		var out bytes.Buffer
		if err := vics.Write(&out, slice(first), vics.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		var second []*safeguard.BankEntry
		for e, err := range vics.Read(bytes.NewReader(out.Bytes()), vics.Options{}) {
			if err != nil {
				t.Fatalf("re-read: %v\n%s", err, out.Bytes())
			}
			second = append(second, e)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("round trip differs:\n%s\n%s\nexport:\n%s", jsonLines(t, first), jsonLines(t, second), out.Bytes())
		}
	})
}
