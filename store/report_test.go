package store_test

import (
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

func TestPackage_DeadlineReturnReassign(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		f := mustOpFixture(t, db)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		if f.kent.AcceptBy == nil || !f.kent.AcceptBy.Equal(t0.Add(24*time.Hour).Truncate(time.Microsecond)) || f.kent.Overdue {
			t.Fatalf("sent %+v", f.kent)
		}
		// Past the deadline an unanswered package is overdue, for the
		// coordinator and the report.
		late := safeguard.NewContextWithNow(coord, t0.Add(25*time.Hour))
		pkgs, err := f.ops.FindPackages(late, f.op.ID)
		if err != nil || !pkgs[0].Overdue || !pkgs[1].Overdue || pkgs[0].SubjectRef != f.kentSubj.Ref {
			t.Fatalf("late packages %+v %+v, %v", pkgs[0], pkgs[1], err)
		}
		r, err := f.ops.OperationReport(late, f.op.Code)
		if err != nil || r.Totals.PackagesOverdue != 2 || len(r.Overdue) != 2 {
			t.Fatalf("late report %+v, %v", r, err)
		}
		if pkgs, _ := f.ops.FindPackages(coord, f.op.ID); pkgs[0].Overdue {
			t.Fatalf("overdue before the deadline")
		}
		// A return needs a reason; an accepted package is no longer overdue.
		esx := ctxAs(safeguard.RoleSupervisor, "ESX")
		_, err = f.ops.AnswerPackage(esx, f.essex.ID, safeguard.PackageReturned, "  ")
		wantCode(t, err, safeguard.EINVALID)
		if p, err := f.ops.AnswerPackage(safeguard.NewContextWithNow(esx, t0.Add(26*time.Hour)), f.essex.ID, safeguard.PackageAccepted, ""); err != nil || p.Overdue {
			t.Fatalf("late accept %+v, %v", p, err)
		}
		if n := auditActionCount(t, db, "package.answer"); n != 1 {
			t.Fatalf("%d package.answer", n)
		}
		// Kent returns it: the address is in Essex. The coordinator moves it.
		kentSup := ctxAs(safeguard.RoleSupervisor, "KNT")
		if _, err := f.ops.AnswerPackage(kentSup, f.kent.ID, safeguard.PackageReturned, "installation address is in Essex"); err != nil {
			t.Fatal(err)
		}
		_, err = f.ops.ReassignPackage(coord, f.kent.ID, "ESX", "")
		wantCode(t, err, safeguard.EINVALID)
		_, err = f.ops.ReassignPackage(coord, f.kent.ID, "NOPE", "x")
		wantCode(t, err, safeguard.ENOTFOUND)
		_, err = f.ops.ReassignPackage(kentSup, f.kent.ID, "ESX", "x")
		wantCode(t, err, safeguard.EFORBIDDEN)
		later := safeguard.NewContextWithNow(coord, t0.Add(30*time.Hour))
		p, err := f.ops.ReassignPackage(later, f.kent.ID, "ESX", "installation address is in Essex")
		if err != nil || p.ForceCode != "ESX" || p.Status != safeguard.PackageSent || len(p.History) != 1 ||
			p.History[0].FromForce != "KNT" || p.History[0].ToForce != "ESX" || !p.AcceptBy.Equal(t0.Add(54*time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("reassigned %+v, %v", p, err)
		}
		// Kent no longer sees it; Essex does, with its history.
		_, err = f.ops.FindPackage(kentSup, f.kent.ID)
		wantCode(t, err, safeguard.ENOTFOUND)
		got, err := f.ops.FindPackage(esx, f.kent.ID)
		if err != nil || len(got.History) != 1 || got.History[0].Reason != "installation address is in Essex" {
			t.Fatalf("essex sees %+v, %v", got, err)
		}
		if n := auditActionCount(t, db, "package.reassign"); n != 1 {
			t.Fatalf("%d package.reassign", n)
		}
		// A closed operation takes no more packages.
		closed := safeguard.OpClosed
		if _, err := f.ops.UpdateOperation(coord, f.op.Code, safeguard.OperationUpdate{Status: &closed}); err != nil {
			t.Fatal(err)
		}
		err = f.ops.SendPackage(coord, &safeguard.Package{OperationID: f.op.ID, SubjectID: opSubject(t, db, "KNT", "").ID})
		wantCode(t, err, safeguard.EINVALID)
		bad := "paused"
		_, err = f.ops.UpdateOperation(coord, f.op.Code, safeguard.OperationUpdate{Status: &bad})
		wantCode(t, err, safeguard.EINVALID)
		mustAuditIntact(t, db)
	})
}

func TestOperation_ForcesTakingPart(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		mustForce(t, db, "ESX")
		ops := store.NewOperationService(db.DB)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		err := ops.CreateOperation(coord, &safeguard.Operation{Code: "OP-F", Name: "F", Forces: []string{"KNT", "NOPE"}})
		wantCode(t, err, safeguard.ENOTFOUND)
		op := &safeguard.Operation{Code: "OP-F", Name: "F", Forces: []string{"KNT", "KNT"}, Coordinators: []string{"coordinator1", "coordinator2"}, AcceptHours: 4}
		if err := ops.CreateOperation(coord, op); err != nil || len(op.Forces) != 1 {
			t.Fatalf("%+v, %v", op, err)
		}
		err = ops.SendPackage(coord, &safeguard.Package{OperationID: op.ID, SubjectID: opSubject(t, db, "ESX", "").ID})
		wantCode(t, err, safeguard.EINVALID)
		p := &safeguard.Package{OperationID: op.ID, SubjectID: opSubject(t, db, "KNT", "").ID}
		if err := ops.SendPackage(coord, p); err != nil || !p.AcceptBy.Equal(t0.Add(4*time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("%+v, %v", p, err)
		}
		got, err := ops.FindOperationByCode(coord, "OP-F")
		if err != nil || len(got.Coordinators) != 2 || got.AcceptHours != 4 || got.Forces[0] != "KNT" {
			t.Fatalf("%+v, %v", got, err)
		}
	})
}

// TestOperationReport_HandBuilt records a known set of actions, one of
// them corrected, and checks every figure against them.
func TestOperationReport_HandBuilt(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		f := mustOpFixture(t, db)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		start := f.op.StartsAt
		rec := func(ctxForce string, pkg int64, kind string, count int, hours float64, supersedes *int64) *safeguard.Action {
			t.Helper()
			a := &safeguard.Action{PackageID: pkg, Kind: kind, Count: count, At: start.Add(time.Duration(hours * float64(time.Hour))),
				OverrideReason: "synthetic override", Supersedes: supersedes}
			if supersedes != nil {
				a.CorrectionNote = "miscounted"
			}
			// A supervisor: the warrants here are recorded under an override.
			got, err := f.ops.RecordAction(ctxAs(safeguard.RoleSupervisor, ctxForce), a)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		rec("KNT", f.kent.ID, safeguard.ActWarrantExecuted, 0, 1, nil)
		rec("KNT", f.kent.ID, safeguard.ActArrest, 0, 1.5, nil)
		wrong := rec("KNT", f.kent.ID, safeguard.ActDevicesSeized, 5, 2, nil)
		rec("KNT", f.kent.ID, safeguard.ActDevicesSeized, 3, 2.2, &wrong.ID) // corrects 5 to 3
		rec("ESX", f.essex.ID, safeguard.ActWarrantExecuted, 0, 3, nil)
		rec("ESX", f.essex.ID, safeguard.ActArrest, 0, 10.5, nil)
		rec("ESX", f.essex.ID, safeguard.ActChildrenSafeguarded, 2, 4, nil)

		r, err := f.ops.OperationReport(coord, f.op.Code)
		if err != nil {
			t.Fatal(err)
		}
		want := safeguard.Figures{PackagesSent: 2, WarrantsExecuted: 2, Arrests: 2, DevicesSeized: 3, ChildrenSafeguarded: 2, Actions: 6}
		if r.Totals != want {
			t.Fatalf("totals %+v, want %+v", r.Totals, want)
		}
		if len(r.Forces) != 2 || r.Forces[0].ForceCode != "ESX" || r.Forces[0].Arrests != 1 || r.Forces[0].ChildrenSafeguarded != 2 ||
			r.Forces[1].DevicesSeized != 3 || r.Forces[1].Actions != 3 {
			t.Fatalf("forces %+v %+v", r.Forces[0], r.Forces[1])
		}
		// The time line keeps the superseded action, marked.
		if len(r.Timeline) != 7 || r.Timeline[2].ID != wrong.ID || r.Timeline[2].SupersededBy == nil || r.Timeline[3].SupersededBy != nil {
			t.Fatalf("timeline %+v", r.Timeline)
		}
		p := r.Press
		if p.Arrested != 2 || p.Hours != 11 || p.Forces != 2 || p.Warrants != 2 ||
			p.Text != "2 people arrested in 11 hours across 2 forces, 2 warrants executed" {
			t.Fatalf("press %+v", p)
		}
		if len(r.PerHour) != 11 || r.PerHour[1].Count != 2 || r.PerHour[2].Count != 1 || r.PerHour[10].Count != 1 {
			t.Fatalf("per hour %+v", r.PerHour)
		}
		if r.ByKind[safeguard.ActDevicesSeized] != 3 || r.ByKind[safeguard.ActArrest] != 2 {
			t.Fatalf("by kind %+v", r.ByKind)
		}
		// Kent's report holds only Kent's figures.
		k, err := f.ops.OperationReport(ctxAs(safeguard.RoleInvestigator, "KNT"), f.op.Code)
		if err != nil || k.Totals.Arrests != 1 || k.Totals.PackagesSent != 1 || len(k.Forces) != 1 || len(k.Timeline) != 4 {
			t.Fatalf("kent report %+v, %v", k.Totals, err)
		}
		// An auditor gets the figures without notes.
		a, err := f.ops.OperationReport(ctxAs(safeguard.RoleAuditor, ""), f.op.Code)
		if err != nil || a.Totals != want || a.Timeline[0].OverrideReason != "" || a.Packages[0].Note != "" {
			t.Fatalf("auditor report %+v, %v", a.Totals, err)
		}
		if n := auditActionCount(t, db, "operation.report"); n != 3 {
			t.Fatalf("%d operation.report events", n)
		}
		// The feed: every action once, in id order, scoped to the force.
		feed, err := f.ops.FindActionFeed(coord, 0, 0, 100)
		if err != nil || len(feed) != 7 || feed[3].Supersedes == nil || feed[0].OperationCode != f.op.Code {
			t.Fatalf("feed %v, %v", feed, err)
		}
		kf, err := f.ops.FindActionFeed(ctxAs(safeguard.RoleInvestigator, "ESX"), f.op.ID, feed[4].ID, 100)
		if err != nil || len(kf) != 2 || kf[0].ForceCode != "ESX" {
			t.Fatalf("essex feed after %d: %v, %v", feed[4].ID, kf, err)
		}
	})
}
