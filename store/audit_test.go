package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// mustAuditRows writes n audit rows by creating n forces.
func mustAuditRows(tb testing.TB, db *TestDB, n int) {
	tb.Helper()
	for i := 0; i < n; i++ {
		mustForce(tb, db, fmt.Sprintf("F%02d", i))
	}
}

// dropAuditTriggers removes the append-only guard, as an attacker with
// database access could.
func dropAuditTriggers(tb testing.TB, db *TestDB) {
	tb.Helper()
	if db.Dialect() == store.Postgres {
		mustExec(tb, db, `DROP TRIGGER audit_events_no_update ON audit_events`)
		mustExec(tb, db, `DROP TRIGGER audit_events_no_delete ON audit_events`)
	} else {
		mustExec(tb, db, `DROP TRIGGER audit_events_no_update`)
		mustExec(tb, db, `DROP TRIGGER audit_events_no_delete`)
	}
}

func mustVerify(tb testing.TB, db *TestDB) (int64, *safeguard.ChainBreak) {
	tb.Helper()
	n, brk, err := store.NewAuditService(db.DB).VerifyAudit(ctxAs(safeguard.RoleAuditor, ""))
	if err != nil {
		tb.Fatal(err)
	}
	return n, brk
}

func TestAudit_IntactChain(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustAuditRows(t, db, 5)
		n, brk := mustVerify(t, db)
		if brk != nil {
			t.Fatalf("break %+v", brk)
		}
		if got, want := n, int64(5); got != want {
			t.Fatalf("rows = %d, want %d", got, want)
		}
		events, total, err := store.NewAuditService(db.DB).FindAuditEvents(ctxAs(safeguard.RoleAuditor, ""),
			safeguard.AuditFilter{Action: "force.create", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if total != 5 || len(events) != 2 || events[0].Seq != 5 || events[1].Seq != 4 {
			t.Fatalf("total %d, events %+v", total, events)
		}
		e := events[0]
		if got, want := e.At, t0.Truncate(1000); !got.Equal(want) || e.At.Location().String() != "UTC" {
			t.Fatalf("at = %v, want %v", got, want)
		}
		if e.Actor != "system:test" || e.ObjectType != "force" || e.ObjectID != "F04" || e.Hash != e.ComputeHash() {
			t.Fatalf("event %+v", e)
		}
		// Reading the log was itself audited.
		_, total, err = store.NewAuditService(db.DB).FindAuditEvents(ctxAs(safeguard.RoleAuditor, ""),
			safeguard.AuditFilter{Action: "audit.read"})
		if err != nil || total != 1 {
			t.Fatalf("audit.read rows = %d, %v", total, err)
		}
	})
}

func TestAudit_Permissions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuditService(db.DB)
		_, _, err := as.FindAuditEvents(ctxAs(safeguard.RoleInvestigator, "KNT"), safeguard.AuditFilter{})
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, _, err = as.VerifyAudit(ctxAs(safeguard.RoleAnalyst, ""))
		wantCode(t, err, safeguard.EFORBIDDEN)
		// The refusal is on the record.
		events, _, err := as.FindAuditEvents(ctxAs(safeguard.RoleAdmin, ""), safeguard.AuditFilter{Action: "access.denied"})
		if err != nil || len(events) != 1 {
			t.Fatalf("access.denied rows %d, %v", len(events), err)
		}
	})
}

func TestAudit_AppendOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustAuditRows(t, db, 2)
		if _, err := db.RawDB().Exec(`UPDATE audit_events SET detail = 'x' WHERE seq = 1`); err == nil {
			t.Fatal("UPDATE of an audit row succeeded")
		}
		if _, err := db.RawDB().Exec(`DELETE FROM audit_events WHERE seq = 1`); err == nil {
			t.Fatal("DELETE of an audit row succeeded")
		}
	})
}

func TestAudit_TamperEdit(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustAuditRows(t, db, 6)
		dropAuditTriggers(t, db)
		mustExec(t, db, `UPDATE audit_events SET actor = 'user:9:someone-else' WHERE seq = 3`)
		_, brk := mustVerify(t, db)
		if brk == nil || brk.Seq != 3 {
			t.Fatalf("break = %+v, want seq 3", brk)
		}
	})
}

func TestAudit_TamperEditAndRehash(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustAuditRows(t, db, 6)
		dropAuditTriggers(t, db)
		// A forger who recomputes the edited row's hash still breaks the next link.
		mustExec(t, db, `UPDATE audit_events SET detail = 'forged', hash = $1 WHERE seq = 2`,
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		_, brk := mustVerify(t, db)
		if brk == nil || brk.Seq != 2 {
			t.Fatalf("break = %+v, want seq 2", brk)
		}
	})
}

func TestAudit_TamperDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustAuditRows(t, db, 6)
		dropAuditTriggers(t, db)
		mustExec(t, db, `DELETE FROM audit_events WHERE seq = 4`)
		n, brk := mustVerify(t, db)
		if brk == nil || brk.Seq != 5 {
			t.Fatalf("break = %+v, want seq 5 (the row after the deleted one)", brk)
		}
		if n != 4 {
			t.Fatalf("rows checked = %d, want 4", n)
		}
	})
}

func TestAudit_TamperDeleteFirst(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustAuditRows(t, db, 3)
		dropAuditTriggers(t, db)
		mustExec(t, db, `DELETE FROM audit_events WHERE seq = 1`)
		_, brk := mustVerify(t, db)
		if brk == nil || brk.Seq != 2 {
			t.Fatalf("break = %+v, want seq 2", brk)
		}
	})
}

func TestAudit_ConcurrentWritersKeepOneChain(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		const writers, each = 8, 5
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					f := &safeguard.Force{Code: fmt.Sprintf("W%dI%d", w, i), Name: "Concurrent"}
					errs <- store.NewForceService(db.DB).CreateForce(systemCtx(), f)
					// A refused read audits from a mostly-read transaction,
					// which on SQLite must upgrade its lock to append.
					_, _, err := store.NewUserService(db.DB).FindUsers(ctxAs(safeguard.RoleAnalyst, ""), safeguard.UserFilter{})
					if safeguard.ErrorCode(err) == safeguard.EFORBIDDEN {
						err = nil
					}
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		n, brk := mustVerify(t, db)
		if brk != nil {
			t.Fatalf("break %+v", brk)
		}
		if got, want := n, int64(2*writers*each); got != want {
			t.Fatalf("rows = %d, want %d", got, want)
		}
	})
}

func TestAudit_FilterByTimeAndActor(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		fs := store.NewForceService(db.DB)
		for i := 0; i < 3; i++ {
			ctx := safeguard.NewContextWithNow(systemCtx(), t0.Add(time.Duration(i)*time.Hour))
			if err := fs.CreateForce(ctx, &safeguard.Force{Code: fmt.Sprintf("T%d", i), Name: "Timed"}); err != nil {
				t.Fatal(err)
			}
		}
		since, until := t0.Add(30*time.Minute), t0.Add(150*time.Minute)
		events, total, err := store.NewAuditService(db.DB).FindAuditEvents(ctxAs(safeguard.RoleAuditor, ""),
			safeguard.AuditFilter{Since: &since, Until: &until, Actor: "system:test", ObjectType: "force"})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(events) != 2 || events[0].ObjectID != "T2" || events[1].ObjectID != "T1" {
			t.Fatalf("total %d events %+v", total, events)
		}
	})
}
