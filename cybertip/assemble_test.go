package cybertip_test

import (
	"strings"
	"testing"

	"safeguard"
	"safeguard/cybertip"
)

// doc is one document to add: a fixture and, for a report, its id.
type doc struct{ file, id string }

var (
	p2p       = doc{"report_p2p.xml", "240001001"}
	multi     = doc{"report_multi.xml", "240001002"}
	md5sha1   = doc{"filedetails_md5_sha1.xml", ""}     // of 240001001
	sha256pdq = doc{"filedetails_sha256_pdq.xml", ""}   // of 240001001
	other     = doc{"filedetails_other_report.xml", ""} // of 240001002
)

func TestAssemblerAnyOrder(t *testing.T) {
	orders := map[string][]doc{
		"report first": {p2p, md5sha1, multi, sha256pdq, other},
		"files first":  {other, sha256pdq, md5sha1, multi, p2p},
		"interleaved":  {md5sha1, multi, other, p2p, sha256pdq},
		"with repeats": {md5sha1, p2p, md5sha1, multi, p2p, sha256pdq, other, other},
	}
	for name, docs := range orders {
		t.Run(name, func(t *testing.T) {
			a := cybertip.NewAssembler(cybertip.Options{})
			for _, d := range docs {
				if err := a.Add(MustRead(t, "testdata/"+d.file), d.id); err != nil {
					t.Fatalf("%s: %v", d.file, err)
				}
			}
			reports, err := a.Flush()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*cybertip.Report{}
			for _, r := range reports {
				got[r.Referral.SourceRef] = r
				if err := r.Referral.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
			}
			if len(got) != 2 {
				t.Fatalf("%d reports, want 2", len(reports))
			}
			r := got["240001001"]
			if len(r.Files) != 2 || len(r.Referral.Files) != 2 {
				t.Fatalf("report 240001001 has %d files, want 2", len(r.Referral.Files))
			}
			var md5, sha256 bool
			for _, f := range r.Referral.Files {
				md5 = md5 || f.MD5 == "d41d8cd98f00b204e9800998ecf8427e"
				sha256 = sha256 || f.SHA256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
			}
			if !md5 || !sha256 {
				t.Errorf("files = %+v", r.Referral.Files)
			}
			// The file's upload event joins the report's IP events; its
			// device id joins the identifiers.
			if n := len(r.Referral.IPEvents); n != 5 {
				t.Errorf("%d IP events, want 4 from the report and 1 from a file", n)
			}
			if !hasIdent(r.Referral.Identifiers, safeguard.IdentDeviceID, "6D92078A-8246-4BA4-AE5B-76104861E7DC") {
				t.Errorf("file device id missing: %+v", r.Referral.Identifiers)
			}
			if n := len(got["240001002"].Referral.Files); n != 1 {
				t.Errorf("report 240001002 has %d files, want 1", n)
			}
			if r, f := a.Pending(); r != 0 || f != 0 {
				t.Errorf("pending after flush: %d reports, %d files", r, f)
			}
		})
	}
}

func TestAssemblerLateFiles(t *testing.T) {
	a := cybertip.NewAssembler(cybertip.Options{})
	add := func(d doc) {
		t.Helper()
		if err := a.Add(MustRead(t, "testdata/"+d.file), d.id); err != nil {
			t.Fatal(err)
		}
	}
	add(p2p)
	add(md5sha1)
	first, err := a.Flush()
	if err != nil || len(first) != 1 || len(first[0].Files) != 1 {
		t.Fatalf("first flush: %v, %+v", err, first)
	}
	// The second file and another report's file come after the flush.
	add(sha256pdq)
	add(other)
	if again, _ := a.Flush(); len(again) != 0 {
		t.Errorf("flush with no reports returned %d", len(again))
	}
	if _, f := a.Pending(); f != 2 {
		t.Errorf("%d files pending, want 2", f)
	}
	late := a.TakeLate()
	if len(late["240001001"]) != 1 || len(late["240001002"]) != 1 {
		t.Fatalf("late = %v", late)
	}
	if err := first[0].Attach(late["240001001"]...); err != nil {
		t.Fatal(err)
	}
	if n := len(first[0].Referral.Files); n != 2 {
		t.Errorf("after Attach: %d files, want 2", n)
	}
	if err := first[0].Attach(late["240001002"]...); safeguard.ErrorCode(err) != safeguard.ECONFLICT {
		t.Errorf("attach another report's file: %v, want ECONFLICT", err)
	}
	if _, f := a.Pending(); f != 0 {
		t.Errorf("%d files pending after TakeLate", f)
	}

	// A referral read back from the store: only the root type.
	stored := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: "240001002"}
	if err := cybertip.AttachReferral(stored, late["240001002"]...); err != nil {
		t.Fatal(err)
	}
	if len(stored.Files) != 1 || stored.Files[0].SHA256 != "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" {
		t.Errorf("stored referral files = %+v", stored.Files)
	}
	if err := cybertip.AttachReferral(stored, late["240001001"]...); safeguard.ErrorCode(err) != safeguard.ECONFLICT || len(stored.Files) != 1 {
		t.Errorf("attach another report's file to a stored referral: %v, %d files", err, len(stored.Files))
	}
}

func TestAssemblerConflicts(t *testing.T) {
	a := cybertip.NewAssembler(cybertip.Options{})
	if err := a.Add(MustRead(t, "testdata/report_p2p.xml"), "7"); err != nil {
		t.Fatal(err)
	}
	if err := a.Add(MustRead(t, "testdata/report_multi.xml"), "7"); safeguard.ErrorCode(err) != safeguard.ECONFLICT {
		t.Errorf("second report with id 7: %v, want ECONFLICT", err)
	}
	f1 := "<fileDetails><reportId>7</reportId><fileId>f</fileId><fileName>a</fileName></fileDetails>"
	f2 := strings.Replace(f1, ">a<", ">b<", 1)
	for _, f := range []string{f1, f2} {
		if err := a.Add([]byte(f), ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Flush(); safeguard.ErrorCode(err) != safeguard.ECONFLICT {
		t.Errorf("two different documents for one file: %v, want ECONFLICT", err)
	}
	if r, f := a.Pending(); r != 1 || f != 2 {
		t.Errorf("a failed flush lost documents: %d reports, %d files pending", r, f)
	}
	if err := a.Add([]byte("<report/>"), ""); safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Errorf("invalid report: %v", err)
	}
}

func hasIdent(ids []safeguard.Identifier, kind, v string) bool {
	for _, id := range ids {
		if id.Kind == kind && id.Value == v {
			return true
		}
	}
	return false
}
