package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// opSubject creates a synthetic subject held by the force ("" for none)
// with the attribution status.
func opSubject(tb testing.TB, db *TestDB, force, attribution string) *safeguard.Subject {
	tb.Helper()
	s := &safeguard.Subject{Name: "Synthetic Person", ForceCode: force, AttributionStatus: attribution}
	if err := store.NewSubjectService(db.DB).CreateSubject(systemCtx(), s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// opFixture is an operation with one package to KNT and one to ESX.
type opFixture struct {
	ops      *store.OperationService
	op       *safeguard.Operation
	kent     *safeguard.Package // subject unresolved
	essex    *safeguard.Package // subject corroborated
	coord    safeguard.Actor
	kentSubj *safeguard.Subject
}

func mustOpFixture(tb testing.TB, db *TestDB) *opFixture {
	tb.Helper()
	mustForce(tb, db, "KNT")
	mustForce(tb, db, "ESX")
	f := &opFixture{ops: store.NewOperationService(db.DB)}
	coord := ctxAs(safeguard.RoleCoordinator, "")
	f.op = &safeguard.Operation{Code: "OP-TEST", Name: "Operation Test (synthetic)"}
	if err := f.ops.CreateOperation(coord, f.op); err != nil {
		tb.Fatal(err)
	}
	f.kentSubj = opSubject(tb, db, "KNT", safeguard.AttrUnresolved)
	f.kent = &safeguard.Package{OperationID: f.op.ID, SubjectID: f.kentSubj.ID, Note: "please action"}
	if err := f.ops.SendPackage(coord, f.kent); err != nil {
		tb.Fatal(err)
	}
	f.essex = &safeguard.Package{OperationID: f.op.ID, SubjectID: opSubject(tb, db, "ESX", safeguard.AttrCorroborated).ID}
	if err := f.ops.SendPackage(coord, f.essex); err != nil {
		tb.Fatal(err)
	}
	return f
}

func TestOperation_CreateFind(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		f := mustOpFixture(t, db)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		if f.op.ID == 0 || f.op.CreatedBy != "user:1:coordinator1" || !f.op.StartsAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Fatalf("created %+v", f.op)
		}
		err := f.ops.CreateOperation(coord, &safeguard.Operation{Code: "OP-TEST", Name: "Again"})
		wantCode(t, err, safeguard.ECONFLICT)
		err = f.ops.CreateOperation(coord, &safeguard.Operation{Code: "OP-X"})
		wantCode(t, err, safeguard.EINVALID)
		err = f.ops.CreateOperation(ctxAs(safeguard.RoleAnalyst, ""), &safeguard.Operation{Code: "OP-Y", Name: "Y"})
		wantCode(t, err, safeguard.EFORBIDDEN)
		ends := t0.Add(30 * 24 * time.Hour)
		second := &safeguard.Operation{Code: "OP-SECOND", Name: "Second", StartsAt: t0.Add(time.Hour), EndsAt: &ends}
		if err := f.ops.CreateOperation(safeguard.NewContextWithNow(coord, t0.Add(time.Minute)), second); err != nil {
			t.Fatal(err)
		}

		got, err := f.ops.FindOperationByCode(ctxAs(safeguard.RoleInvestigator, "KNT"), "OP-SECOND")
		if err != nil || got.ID != second.ID || got.EndsAt == nil || !got.EndsAt.Equal(ends) || !got.StartsAt.Equal(second.StartsAt) {
			t.Fatalf("FindOperationByCode = %+v, %v", got, err)
		}
		_, err = f.ops.FindOperationByCode(coord, "OP-NONE")
		wantCode(t, err, safeguard.ENOTFOUND)
		list, err := f.ops.FindOperations(coord)
		if err != nil || len(list) != 2 || list[0].Code != "OP-SECOND" || list[1].Code != "OP-TEST" {
			t.Fatalf("FindOperations = %+v, %v", list, err)
		}
		// An auditor reads reports, so may list operations.
		if list, err := f.ops.FindOperations(ctxAs(safeguard.RoleAuditor, "")); err != nil || len(list) != 2 {
			t.Fatalf("auditor FindOperations = %d, %v", len(list), err)
		}
		if list[1].Status != safeguard.OpLive || list[0].Status != safeguard.OpPlanning || list[1].AcceptHours != 24 ||
			len(list[1].Coordinators) != 1 || list[1].Coordinators[0] != "coordinator1" {
			t.Fatalf("defaults: %+v %+v", list[0], list[1])
		}
	})
}

func TestPackage_SendAnswerScoped(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		f := mustOpFixture(t, db)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		if f.kent.ForceCode != "KNT" || f.kent.Status != safeguard.PackageSent || f.essex.ForceCode != "ESX" {
			t.Fatalf("sent %+v %+v", f.kent, f.essex)
		}
		// Sending needs a force, a subject and the permission.
		err := f.ops.SendPackage(coord, &safeguard.Package{OperationID: f.op.ID, SubjectID: opSubject(t, db, "", "").ID})
		wantCode(t, err, safeguard.EINVALID)
		err = f.ops.SendPackage(coord, &safeguard.Package{OperationID: f.op.ID, SubjectID: 9999, ForceCode: "KNT"})
		wantCode(t, err, safeguard.ENOTFOUND)
		err = f.ops.SendPackage(coord, &safeguard.Package{OperationID: 9999, SubjectID: f.kent.SubjectID})
		wantCode(t, err, safeguard.ENOTFOUND)
		err = f.ops.SendPackage(ctxAs(safeguard.RoleSupervisor, "KNT"), &safeguard.Package{OperationID: f.op.ID, SubjectID: f.kent.SubjectID})
		wantCode(t, err, safeguard.EFORBIDDEN)

		kentSup, essexSup := ctxAs(safeguard.RoleSupervisor, "KNT"), ctxAs(safeguard.RoleSupervisor, "ESX")
		pkgs, err := f.ops.FindPackages(ctxAs(safeguard.RoleInvestigator, "KNT"), f.op.ID)
		if err != nil || len(pkgs) != 1 || pkgs[0].ID != f.kent.ID || pkgs[0].Note != "please action" {
			t.Fatalf("KNT sees %+v, %v", pkgs, err)
		}
		if pkgs, err := f.ops.FindPackages(coord, f.op.ID); err != nil || len(pkgs) != 2 {
			t.Fatalf("coordinator sees %+v, %v", pkgs, err)
		}

		// Another force's package is not found, and the attempt audited.
		_, err = f.ops.AnswerPackage(essexSup, f.kent.ID, safeguard.PackageAccepted, "")
		wantCode(t, err, safeguard.ENOTFOUND)
		if n := auditActionCount(t, db, "package.answer.denied"); n != 1 {
			t.Fatalf("%d package.answer.denied events", n)
		}
		_, err = f.ops.AnswerPackage(ctxAs(safeguard.RoleInvestigator, "KNT"), f.kent.ID, safeguard.PackageAccepted, "")
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = f.ops.AnswerPackage(kentSup, f.kent.ID, "maybe", "")
		wantCode(t, err, safeguard.EINVALID)
		p, err := f.ops.AnswerPackage(safeguard.NewContextWithNow(kentSup, t0.Add(time.Hour)), f.kent.ID, safeguard.PackageAccepted, "ours")
		if err != nil || p.Status != safeguard.PackageAccepted || p.AnswerNote != "ours" || p.Note != "please action" ||
			p.AnsweredAt == nil || !p.AnsweredAt.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("AnswerPackage = %+v, %v", p, err)
		}
		_, err = f.ops.AnswerPackage(kentSup, f.kent.ID, safeguard.PackageReturned, "")
		wantCode(t, err, safeguard.ECONFLICT)
		if p, err := f.ops.AnswerPackage(essexSup, f.essex.ID, safeguard.PackageReturned, "not our area"); err != nil || p.Status != safeguard.PackageReturned {
			t.Fatalf("return = %+v, %v", p, err)
		}
		pkgs, _ = f.ops.FindPackages(coord, f.op.ID)
		if pkgs[0].Status != safeguard.PackageAccepted || pkgs[0].AnswerNote != "ours" || pkgs[1].Status != safeguard.PackageReturned {
			t.Fatalf("after answers %+v %+v", pkgs[0], pkgs[1])
		}
		if n := auditActionCount(t, db, "package.list"); n != 3 {
			t.Fatalf("%d package.list events", n)
		}
		mustAuditIntact(t, db)
	})
}

func TestAction_WarrantRuleAndScope(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		f := mustOpFixture(t, db)
		kentInv, essexInv := ctxAs(safeguard.RoleInvestigator, "KNT"), ctxAs(safeguard.RoleInvestigator, "ESX")

		// Kent's subject is unresolved: a warrant needs an override.
		w := &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActWarrantApplied, At: t0}
		_, err := f.ops.RecordAction(kentInv, w)
		wantCode(t, err, safeguard.EINVALID)
		if msg := safeguard.ErrorMessage(err); msg != "attribution is unresolved, not corroborated: a warrant needs a supervisor's override reason" {
			t.Fatalf("message %q", msg)
		}
		w.OverrideReason = "provider account data confirms the subscriber (synthetic)"
		got, err := f.ops.RecordAction(ctxAs(safeguard.RoleSupervisor, "KNT"), w)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 || got.OverrideReason != w.OverrideReason || got.RecordedBy != "user:1:supervisor1" || !got.At.Equal(t0.Truncate(time.Microsecond)) {
			t.Fatalf("recorded %+v", got)
		}
		if n := auditActionCount(t, db, "action.override"); n != 1 {
			t.Fatalf("%d action.override events", n)
		}
		// Non-warrant actions need no override.
		if _, err := f.ops.RecordAction(kentInv, &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActVoluntaryInterview, At: t0}); err != nil {
			t.Fatal(err)
		}
		// Essex's subject is corroborated: no override needed, none audited.
		if _, err := f.ops.RecordAction(essexInv, &safeguard.Action{PackageID: f.essex.ID, Kind: safeguard.ActWarrantExecuted, At: t0}); err != nil {
			t.Fatal(err)
		}
		if n := auditActionCount(t, db, "action.override"); n != 1 {
			t.Fatalf("%d action.override events", n)
		}

		// Force scoping: Essex cannot act on or read Kent's package.
		_, err = f.ops.RecordAction(essexInv, &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActArrest, At: t0})
		wantCode(t, err, safeguard.ENOTFOUND)
		_, err = f.ops.FindActions(essexInv, f.kent.ID)
		wantCode(t, err, safeguard.ENOTFOUND)
		if a, b := auditActionCount(t, db, "action.record.denied"), auditActionCount(t, db, "package.read.denied"); a != 1 || b != 1 {
			t.Fatalf("denied events: record %d, read %d", a, b)
		}
		_, err = f.ops.RecordAction(ctxAs(safeguard.RoleAnalyst, ""), &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActArrest, At: t0})
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = f.ops.RecordAction(kentInv, &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActDevicesSeized, At: t0})
		wantCode(t, err, safeguard.EINVALID) // needs a count
		_, err = f.ops.RecordAction(kentInv, &safeguard.Action{PackageID: 9999, Kind: safeguard.ActArrest, At: t0})
		wantCode(t, err, safeguard.ENOTFOUND)

		actions, err := f.ops.FindActions(kentInv, f.kent.ID)
		if err != nil || len(actions) != 2 {
			t.Fatalf("FindActions = %+v, %v", actions, err)
		}
		// Actions are append-only in the database itself.
		for _, q := range []string{`UPDATE actions SET note = 'edited'`, `DELETE FROM actions`} {
			if _, err := db.RawDB().Exec(q); err == nil {
				t.Fatalf("%s succeeded", q)
			}
		}
		mustAuditIntact(t, db)
	})
}

func TestAction_IdempotentAndCorrections(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		f := mustOpFixture(t, db)
		inv := ctxAs(safeguard.RoleInvestigator, "ESX")
		seized := func(key string, n int) *safeguard.Action {
			return &safeguard.Action{PackageID: f.essex.ID, Kind: safeguard.ActDevicesSeized, Count: n, At: t0.Add(time.Hour), IdempotencyKey: key}
		}
		first, err := f.ops.RecordAction(inv, seized("retry-1", 3))
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.ops.RecordAction(inv, seized("retry-1", 4))
		if err != nil || again.ID != first.ID || again.Count != 3 || again.IdempotencyKey != "retry-1" {
			t.Fatalf("retry = %+v, %v (first %+v)", again, err, first)
		}
		// Concurrent retries with one key store one row.
		var wg sync.WaitGroup
		ids := make([]int64, 6)
		errs := make([]error, 6)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := f.ops.RecordAction(inv, seized("race-key", 2))
				if errs[i] = err; err == nil {
					ids[i] = a.ID
				}
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("concurrent retry %d: id %d (want %d), %v", i, ids[i], ids[0], errs[i])
			}
		}
		// The same key on another package is another action.
		other := &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActSearch, At: t0, IdempotencyKey: "retry-1"}
		if a, err := f.ops.RecordAction(ctxAs(safeguard.RoleInvestigator, "KNT"), other); err != nil || a.ID == first.ID {
			t.Fatalf("other package = %+v, %v", a, err)
		}

		// A correction supersedes an earlier action and keeps it.
		fix := seized("", 2)
		fix.At, fix.Supersedes = t0.Add(2*time.Hour), &first.ID
		_, err = f.ops.RecordAction(inv, fix)
		wantCode(t, err, safeguard.EINVALID) // no reason
		fix.CorrectionNote = "miscounted: one device belonged to a visitor"
		corr, err := f.ops.RecordAction(inv, fix)
		if err != nil || corr.Supersedes == nil || *corr.Supersedes != first.ID {
			t.Fatalf("correction = %+v, %v", corr, err)
		}
		bad := seized("", 1)
		bad.Supersedes, bad.CorrectionNote = &other.ID, "wrong package"
		_, err = f.ops.RecordAction(inv, bad)
		wantCode(t, err, safeguard.EINVALID)
		missing := int64(99999)
		bad.Supersedes = &missing
		_, err = f.ops.RecordAction(inv, bad)
		wantCode(t, err, safeguard.EINVALID)

		actions, err := f.ops.FindActions(inv, f.essex.ID)
		if err != nil || len(actions) != 3 {
			t.Fatalf("FindActions = %+v, %v", actions, err)
		}
		if actions[0].ID != first.ID || actions[0].Count != 3 || actions[1].IdempotencyKey != "race-key" ||
			actions[2].ID != corr.ID || actions[2].CorrectionNote == "" || !strings.HasPrefix(actions[2].RecordedBy, "user:") {
			t.Fatalf("actions %+v %+v %+v", actions[0], actions[1], actions[2])
		}
		if n := auditActionCount(t, db, "action.replay"); n != 6 {
			t.Fatalf("%d action.replay events", n)
		}
		mustAuditIntact(t, db)
	})
}
