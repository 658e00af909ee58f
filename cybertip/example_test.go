package cybertip_test

import (
	"fmt"
	"os"

	"safeguard/cybertip"
)

// A report and its files may arrive in any order; Flush pairs them.
func ExampleAssembler() {
	a := cybertip.NewAssembler(cybertip.Options{})
	for _, d := range []struct{ file, reportID string }{
		{"testdata/filedetails_md5_sha1.xml", ""},
		{"testdata/report_p2p.xml", "240001001"}, // the id from the API's reportResponse
		{"testdata/filedetails_sha256_pdq.xml", ""},
	} {
		b, err := os.ReadFile(d.file)
		if err != nil {
			panic(err)
		}
		if err := a.Add(b, d.reportID); err != nil {
			fmt.Println(err) // says where: line and element path
			return
		}
	}
	reports, err := a.Flush()
	if err != nil {
		panic(err)
	}
	for _, r := range reports {
		ref := r.Referral
		fmt.Println(ref.Source, ref.SourceRef, ref.Format, len(ref.IPEvents), "IP events,", len(ref.Files), "files")
		for _, e := range ref.IPEvents {
			fmt.Println(e.IP, e.TimeText, "offset given:", e.HasOffset)
		}
	}
	// Output:
	// cybertip 240001001 cybertip-xml 5 IP events, 2 files
	// 203.0.113.45 2026-03-14T21:07:33Z offset given: true
	// 100.64.12.7 2026-03-14T22:15:02+01:00 offset given: true
	// 2001:db8:4a::1f 2026-03-15T02:40:10 offset given: false
	// 198.51.100.23 2026-03-13T08:00:00.250-05:00 offset given: true
	// 203.0.113.45 2026-03-14T21:07:30Z offset given: true
}
