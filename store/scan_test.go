package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"safeguard"
	"safeguard/store"
)

// scanDoc is a synthetic scan report document.
var scanDoc = []byte(`{"tool":"safeguard scan","files":120,"matched":3,"note":"synthetic report SG-SCAN-MARKER"}`)

func newScanReport(subjectID *int64) *safeguard.ScanReport {
	return &safeguard.ScanReport{SubjectID: subjectID, Document: scanDoc, Tool: "safeguard 1.0", Files: 120, Matched: 3,
		ByCategory: map[safeguard.Scheme]map[string]int{safeguard.SchemeUK: {"A": 1, "C": 2}}}
}

func TestScanReport_CreateReadScoped(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		mustForce(t, db, "ESX")
		ss := store.NewScanReportService(db.DB)
		subj := opSubject(t, db, "KNT", "")
		kentInv, essexInv := ctxAs(safeguard.RoleInvestigator, "KNT"), ctxAs(safeguard.RoleInvestigator, "ESX")

		r := newScanReport(&subj.ID)
		if err := ss.CreateScanReport(kentInv, r); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(scanDoc)
		if r.ID == 0 || r.SHA256 != hex.EncodeToString(sum[:]) || r.UploadedBy != "user:1:investigator1" {
			t.Fatalf("created %+v", r)
		}
		// The document is sealed at rest; the hash is in clear.
		var enc []byte
		var clear string
		if err := db.RawDB().QueryRow(`SELECT document_enc, sha256 FROM scan_reports WHERE id = $1`, r.ID).Scan(&enc, &clear); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(enc, []byte("SG-SCAN-MARKER")) || clear != r.SHA256 {
			t.Fatalf("stored document_enc %q, sha256 %q", enc, clear)
		}

		got, err := ss.FindScanReportByID(kentInv, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Document, scanDoc) || got.SHA256 != r.SHA256 || *got.SubjectID != subj.ID || got.Files != 120 ||
			got.Matched != 3 || got.ByCategory[safeguard.SchemeUK]["C"] != 2 || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Fatalf("read %+v", got)
		}
		// Another force: not found, and the attempt committed to the audit log.
		_, err = ss.FindScanReportByID(essexInv, r.ID)
		wantCode(t, err, safeguard.ENOTFOUND)
		if n := auditActionCount(t, db, "scan_report.read.denied"); n != 1 {
			t.Fatalf("%d scan_report.read.denied events", n)
		}
		_, err = ss.FindScanReports(essexInv, subj.ID)
		wantCode(t, err, safeguard.ENOTFOUND)
		err = ss.CreateScanReport(ctxAs(safeguard.RoleSupervisor, "ESX"), newScanReport(&subj.ID))
		wantCode(t, err, safeguard.ENOTFOUND)
		if n := auditActionCount(t, db, "scan_report.create.denied"); n != 1 {
			t.Fatalf("%d scan_report.create.denied events", n)
		}

		// An unattached report is for national roles only.
		loose := newScanReport(nil)
		if err := ss.CreateScanReport(ctxAs(safeguard.RoleAnalyst, ""), loose); err != nil {
			t.Fatal(err)
		}
		if _, err := ss.FindScanReportByID(ctxAs(safeguard.RoleCoordinator, ""), loose.ID); err != nil {
			t.Fatal(err)
		}
		_, err = ss.FindScanReportByID(kentInv, loose.ID)
		wantCode(t, err, safeguard.ENOTFOUND)
		err = ss.CreateScanReport(kentInv, newScanReport(nil))
		wantCode(t, err, safeguard.EINVALID)

		list, err := ss.FindScanReports(kentInv, subj.ID)
		if err != nil || len(list) != 1 || list[0].ID != r.ID || list[0].Document != nil || list[0].Matched != 3 {
			t.Fatalf("FindScanReports = %+v, %v", list, err)
		}
		_, err = ss.FindScanReportByID(kentInv, 9999)
		wantCode(t, err, safeguard.ENOTFOUND)
		_, err = ss.FindScanReports(kentInv, 9999)
		wantCode(t, err, safeguard.ENOTFOUND)
		if n := auditActionCount(t, db, "scan_report.read"); n != 2 {
			t.Fatalf("%d scan_report.read events", n)
		}
		if n := auditActionCount(t, db, "scan_report.create"); n != 2 {
			t.Fatalf("%d scan_report.create events", n)
		}
		mustAuditIntact(t, db)
	})
}

func TestScanReport_Invalid(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		ss := store.NewScanReportService(db.DB)
		ctx := ctxAs(safeguard.RoleAnalyst, "")
		bad := newScanReport(nil)
		bad.SHA256 = "00"
		wantCode(t, ss.CreateScanReport(ctx, bad), safeguard.EINVALID)
		bad = newScanReport(nil)
		bad.Document = nil
		wantCode(t, ss.CreateScanReport(ctx, bad), safeguard.EINVALID)
		bad = newScanReport(nil)
		bad.Matched = 121
		wantCode(t, ss.CreateScanReport(ctx, bad), safeguard.EINVALID)
		bad = newScanReport(nil)
		bad.ByCategory = map[safeguard.Scheme]map[string]int{safeguard.SchemeVIC: {"A": 1}}
		wantCode(t, ss.CreateScanReport(ctx, bad), safeguard.EINVALID)
		missing := int64(9999)
		wantCode(t, ss.CreateScanReport(ctx, newScanReport(&missing)), safeguard.ENOTFOUND)
		wantCode(t, ss.CreateScanReport(ctxAs(safeguard.RoleAuditor, ""), newScanReport(nil)), safeguard.EFORBIDDEN)

		// Without a data key nothing can be sealed.
		nokey := MustOpenDB(t, db.Dialect(), func(o *store.Options) { o.Sealer = nil })
		wantCode(t, store.NewScanReportService(nokey.DB).CreateScanReport(ctx, newScanReport(nil)), safeguard.EINTERNAL)
	})
}
