package bankfile_test

import (
	"strings"
	"testing"

	"safeguard"
	"safeguard/bankfile"
	"safeguard/hashlist"
)

func TestRead(t *testing.T) {
	const md5 = "d35c785545392755e7e4164457657269"
	const pdqHex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	tests := []struct {
		name, in string
		opt      bankfile.Options
		format   hashlist.Format
		want     string // "md5/pdq:category" of the first entry
	}{
		{"vics", `{"@odata.context":"http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media","value":[{"MediaID":7,"Category":1,"MD5":"` + strings.ToUpper(md5) + `"}]}`,
			bankfile.Options{}, hashlist.FormatVICS, md5 + ":1"},
		{"csv", "md5,category\n" + md5 + ",B\n", bankfile.Options{Scheme: safeguard.SchemeUK}, hashlist.FormatCSV, md5 + ":B"},
		{"pdq list", pdqHex + ",100\n", bankfile.Options{}, hashlist.FormatPDQ, pdqHex + ":" + safeguard.Uncategorised},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format, entries, err := bankfile.Read(strings.NewReader(tt.in), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if format != tt.format {
				t.Fatalf("format = %s, want %s", format, tt.format)
			}
			var got []string
			for e, err := range entries {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e.MD5+e.PDQ+":"+e.Category)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("entries = %v, want [%s]", got, tt.want)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	if _, _, err := bankfile.Read(strings.NewReader(""), bankfile.Options{}); safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Fatalf("empty file: %v", err)
	}
	_, entries, err := bankfile.Read(strings.NewReader("md5,category\nabc,A\n"), bankfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range entries {
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("bad hash: err = %v, want one naming line 2", err)
		}
		break
	}
}
