package cybertip_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"safeguard/cybertip"
)

func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.xml", "testdata/invalid/*.xml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, "")
			f.Add(b, "240001001")
		}
	}
	f.Add(report("<additionalInfo>&amp;&#x41;</additionalInfo>"), "1")
	opts := cybertip.Options{Limits: cybertip.Limits{MaxBytes: 1 << 16, MaxDepth: 16, MaxElements: 2000, MaxTextBytes: 4096, MaxAttrBytes: 512}}
	f.Fuzz(func(t *testing.T, doc []byte, id string) {
		o := opts
		o.ReportID = id
		d, err := cybertip.Parse(doc, o)
		if err != nil {
			return
		}
		if (d.Report == nil) == (d.FileDetails == nil) {
			t.Fatalf("document with %v report and %v fileDetails", d.Report != nil, d.FileDetails != nil)
		}
		if d.FileDetails != nil {
			if d.FileDetails.ReportID == "" || d.FileDetails.FileID == "" {
				t.Fatalf("fileDetails without ids: %+v", d.FileDetails)
			}
			return
		}
		r := d.Report
		if err := r.Referral.Validate(); err != nil {
			t.Fatalf("accepted report fails Validate: %v", err)
		}
		if string(r.Referral.Document) != string(doc) {
			t.Fatal("Document is not the input")
		}
		for _, e := range r.Referral.IPEvents {
			if e.HasOffset != (e.At != nil) {
				t.Fatalf("event %+v: HasOffset and At disagree", e)
			}
			if e.IP.Is4In6() || e.IP.Zone() != "" || e.At != nil && e.At.Location() != time.UTC {
				t.Fatalf("event %+v: an address in two forms, or an instant not in UTC", e)
			}
		}
	})
}
