package store_test

import (
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

func TestTrends_HandBuilt(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		sys := systemCtx()
		jan := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
		feb := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
		scans := store.NewScanReportService(db.DB)
		for _, c := range []struct {
			at   time.Time
			cats map[string]int
		}{{jan, map[string]int{"A": 1, "C": 3}}, {feb, map[string]int{"A": 3, "C": 1}}, {feb, map[string]int{"B": 4}}} {
			r := &safeguard.ScanReport{Document: []byte(`{"synthetic":true}`), Tool: "test", Files: 10, Matched: 4,
				ByCategory: map[safeguard.Scheme]map[string]int{safeguard.SchemeUK: c.cats}}
			if err := scans.CreateScanReport(safeguard.NewContextWithNow(sys, c.at), r); err != nil {
				t.Fatal(err)
			}
		}
		ops := store.NewOperationService(db.DB)
		op := &safeguard.Operation{Code: "OP-T", Name: "T"}
		if err := ops.CreateOperation(sys, op); err != nil {
			t.Fatal(err)
		}
		refs := store.NewReferralService(db.DB)
		// Two immediate subjects: one actioned in 6 h (due in 24 h), one in
		// 48 h (late); a superseded earlier action does not count.
		for i, c := range []struct {
			source  string
			got     time.Time
			actedIn time.Duration
		}{{safeguard.SourceCyberTip, jan, 6 * time.Hour}, {safeguard.SourceP2P, feb, 48 * time.Hour}} {
			due := c.got.Add(24 * time.Hour)
			subj := &safeguard.Subject{Name: "Trend Person", ForceCode: "KNT", Band: safeguard.BandImmediate, DueAt: &due, AttributionStatus: safeguard.AttrCorroborated}
			if err := store.NewSubjectService(db.DB).CreateSubject(sys, subj); err != nil {
				t.Fatal(err)
			}
			r := &safeguard.Referral{Source: c.source, SourceRef: "T-" + string(rune('0'+i)), Format: "json", Document: []byte(`{}`), ReceivedAt: c.got, SubjectID: &subj.ID}
			if _, err := refs.CreateReferral(sys, r); err != nil {
				t.Fatal(err)
			}
			p := &safeguard.Package{OperationID: op.ID, SubjectID: subj.ID}
			if err := ops.SendPackage(sys, p); err != nil {
				t.Fatal(err)
			}
			early, err := ops.RecordAction(sys, &safeguard.Action{PackageID: p.ID, Kind: safeguard.ActSearch, At: c.got.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ops.RecordAction(sys, &safeguard.Action{PackageID: p.ID, Kind: safeguard.ActSearch, At: c.got.Add(c.actedIn),
				Supersedes: &early.ID, CorrectionNote: "wrong time"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := refs.CreateReferral(sys, &safeguard.Referral{Source: safeguard.SourceP2P, SourceRef: "T-x", Format: "json", Document: []byte(`{}`), ReceivedAt: feb}); err != nil {
			t.Fatal(err)
		}

		tr, err := ops.Trends(ctxAs(safeguard.RoleAuditor, ""))
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Categories) != 5 || tr.Categories[0] != (safeguard.CategoryMonth{Month: "2026-01", Scheme: safeguard.SchemeUK, Category: "A", Count: 1, Share: 0.25}) ||
			tr.Categories[2] != (safeguard.CategoryMonth{Month: "2026-02", Scheme: safeguard.SchemeUK, Category: "A", Count: 3, Share: 0.375}) {
			t.Fatalf("categories %+v", tr.Categories)
		}
		want := []safeguard.SourceMonth{{Month: "2026-01", Source: "cybertip", Count: 1}, {Month: "2026-02", Source: "p2p", Count: 2}}
		if len(tr.Referrals) != 2 || tr.Referrals[0] != want[0] || tr.Referrals[1] != want[1] {
			t.Fatalf("referrals %+v", tr.Referrals)
		}
		imm := tr.Response[0]
		if imm.Band != safeguard.BandImmediate || imm.Subjects != 2 || imm.WithDue != 2 || imm.WithinDue != 1 || imm.MedianHours != 48 || imm.P90Hours != 48 {
			t.Fatalf("response %+v", tr.Response)
		}
		_, err = ops.Trends(ctxAs(safeguard.RoleAdmin, ""))
		if err != nil {
			t.Fatalf("admin (reports): %v", err)
		}
		if n := auditActionCount(t, db, "report.trends"); n != 2 {
			t.Fatalf("%d report.trends events", n)
		}
	})
}
