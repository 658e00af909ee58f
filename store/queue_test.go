package store_test

import (
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// TestSubject_QueueOrderAndFilters builds a queue by hand: the order is
// band, then due date (so the overdue first), then score, highest first.
func TestSubject_QueueOrderAndFilters(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		ss := store.NewSubjectService(db.DB)
		as := store.NewAssessmentService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		const day = 24 * time.Hour
		type spec struct {
			name, force, attr string
			band              safeguard.Band
			due               time.Duration
			score             float64
			closed            bool
		}
		specs := []spec{
			{name: "A", band: safeguard.BandImmediate, due: day, score: 5, attr: safeguard.AttrCorroborated},
			{name: "B", band: safeguard.BandImmediate, due: day, score: 9},
			{name: "C", band: safeguard.BandImmediate, due: -2 * time.Hour, score: 1},
			{name: "D", band: safeguard.BandHigh, due: -day},
			{name: "E", band: safeguard.BandHigh, due: 7 * day, closed: true},
			{name: "F"},
			{name: "G", band: safeguard.BandLow, due: 90 * day, force: "KNT"},
		}
		names := map[int64]string{}
		for _, sp := range specs {
			s := &safeguard.Subject{Name: "Fictional " + sp.name, ForceCode: sp.force, AttributionStatus: sp.attr}
			if s.AttributionStatus == "" {
				s.AttributionStatus = safeguard.AttrUnresolved
			}
			if err := ss.CreateSubject(analyst, s); err != nil {
				t.Fatal(err)
			}
			names[s.ID] = sp.name
			if sp.band != "" {
				a := &safeguard.Assessment{SubjectID: s.ID, Band: sp.band, Score: sp.score, PolicyVersion: "v1", DueAt: t0.Add(sp.due)}
				if err := as.CreateAssessment(analyst, a); err != nil {
					t.Fatal(err)
				}
			}
			if sp.closed {
				closed := safeguard.SubjectClosed
				if _, err := ss.UpdateSubject(analyst, s.ID, safeguard.SubjectUpdate{Status: &closed}); err != nil {
					t.Fatal(err)
				}
			}
		}
		list := func(f safeguard.SubjectFilter) (string, int) {
			t.Helper()
			if f.Sort == "" {
				f.Sort = "queue"
			}
			subs, total, err := ss.FindSubjects(analyst, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range subs {
				out = append(out, names[s.ID])
			}
			return strings.Join(out, ""), total
		}
		cases := []struct {
			name   string
			filter safeguard.SubjectFilter
			want   string
			total  int
		}{
			{"open queue", safeguard.SubjectFilter{Status: safeguard.SubjectOpen}, "CBADGF", 6},
			{"reversed", safeguard.SubjectFilter{Status: safeguard.SubjectOpen, Sort: "-queue"}, "FGDABC", 6},
			{"all statuses", safeguard.SubjectFilter{}, "CBADEGF", 7},
			{"closed", safeguard.SubjectFilter{Status: safeguard.SubjectClosed}, "E", 1},
			{"overdue", safeguard.SubjectFilter{Overdue: true}, "CD", 2},
			{"band", safeguard.SubjectFilter{Status: safeguard.SubjectOpen, Band: safeguard.BandImmediate}, "CBA", 3},
			{"attribution", safeguard.SubjectFilter{AttributionStatus: safeguard.AttrCorroborated}, "A", 1},
			{"force", safeguard.SubjectFilter{Status: safeguard.SubjectOpen, ForceCode: "KNT"}, "G", 1},
			{"page 2", safeguard.SubjectFilter{Status: safeguard.SubjectOpen, Offset: 2, Limit: 2}, "AD", 6},
			{"count capped", safeguard.SubjectFilter{Status: safeguard.SubjectOpen, CountUpTo: 4}, "CBADGF", 4},
		}
		for _, c := range cases {
			got, total := list(c.filter)
			if got != c.want || total != c.total {
				t.Errorf("%s: got %s (total %d), want %s (total %d)", c.name, got, total, c.want, c.total)
			}
		}
		// A force user sees their force's queue only, whatever the filter.
		subs, total, err := ss.FindSubjects(ctxAs(safeguard.RoleSupervisor, "KNT"), safeguard.SubjectFilter{Sort: "queue"})
		if err != nil || total != 1 || len(subs) != 1 || names[subs[0].ID] != "G" {
			t.Fatalf("force user: %v %d %v", subs, total, err)
		}
		for _, bad := range []safeguard.SubjectFilter{{Status: "pending"}, {AttributionStatus: "likely"}} {
			_, _, err := ss.FindSubjects(analyst, bad)
			wantCode(t, err, safeguard.EINVALID)
		}
		history, err := as.FindAssessments(analyst, 2)
		if err != nil || len(history) != 1 || history[0].Score != 9 {
			t.Fatalf("assessment score: %+v %v", history, err)
		}
	})
}

func TestForce_Capacity(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		fs := store.NewForceService(db.DB)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		perBand := map[safeguard.Band]int{safeguard.BandImmediate: 4, safeguard.BandLow: 0}
		if _, err := fs.SetForceCapacity(coord, "KNT", 12, perBand); err != nil {
			t.Fatal(err)
		}
		f, err := fs.FindForceByCode(coord, "KNT")
		if err != nil || f.WeeklyCapacity != 12 || len(f.BandCapacity) != 2 || f.BandCapacity[safeguard.BandImmediate] != 4 {
			t.Fatalf("after set: %+v %v", f, err)
		}
		// Clearing the per-band figures leaves the weekly one.
		if f, err = fs.SetForceCapacity(coord, "KNT", 7, nil); err != nil || f.BandCapacity != nil {
			t.Fatalf("clear: %+v %v", f, err)
		}
		if f, _ = fs.FindForceByCode(coord, "KNT"); f.WeeklyCapacity != 7 || f.BandCapacity != nil {
			t.Fatalf("after clear: %+v", f)
		}
		_, err = fs.SetForceCapacity(coord, "KNT", -1, nil)
		wantCode(t, err, safeguard.EINVALID)
		_, err = fs.SetForceCapacity(coord, "KNT", 1, map[safeguard.Band]int{"urgent": 1})
		wantCode(t, err, safeguard.EINVALID)
		_, err = fs.SetForceCapacity(coord, "NOPE", 1, nil)
		wantCode(t, err, safeguard.ENOTFOUND)
		_, err = fs.SetForceCapacity(ctxAs(safeguard.RoleSupervisor, "KNT"), "KNT", 100, nil)
		wantCode(t, err, safeguard.EFORBIDDEN)

		events, _, err := store.NewAuditService(db.DB).FindAuditEvents(ctxAs(safeguard.RoleAuditor, ""), safeguard.AuditFilter{Action: "force.capacity"})
		if err != nil || len(events) != 2 || events[0].Detail == "" {
			t.Fatalf("audit: %+v %v", events, err)
		}
	})
}

func TestSubject_Backlog(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		ss := store.NewSubjectService(db.DB)
		as := store.NewAssessmentService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		mk := func(force string, band safeguard.Band, closed bool) {
			s := &safeguard.Subject{ForceCode: force, AttributionStatus: safeguard.AttrUnresolved}
			if err := ss.CreateSubject(analyst, s); err != nil {
				t.Fatal(err)
			}
			if band != "" {
				if err := as.CreateAssessment(analyst, &safeguard.Assessment{SubjectID: s.ID, Band: band, PolicyVersion: "v1", DueAt: t0}); err != nil {
					t.Fatal(err)
				}
			}
			if closed {
				c := safeguard.SubjectClosed
				if _, err := ss.UpdateSubject(analyst, s.ID, safeguard.SubjectUpdate{Status: &c}); err != nil {
					t.Fatal(err)
				}
			}
		}
		mk("KNT", safeguard.BandHigh, false)
		mk("KNT", safeguard.BandLow, true) // closed: not waiting
		mk("KNT", "", false)               // unassessed: no due date to forecast
		mk("", safeguard.BandImmediate, false)
		items, err := ss.FindBacklog(analyst)
		if err != nil || len(items) != 2 {
			t.Fatalf("national backlog: %+v %v", items, err)
		}
		got := map[string]safeguard.Band{}
		for _, it := range items {
			got[it.ForceCode] = it.Band
			if !it.DueAt.Equal(t0.Truncate(time.Microsecond)) {
				t.Errorf("due %v, want %v", it.DueAt, t0)
			}
		}
		if got["KNT"] != safeguard.BandHigh || got[""] != safeguard.BandImmediate {
			t.Errorf("backlog = %v", got)
		}
		items, err = ss.FindBacklog(ctxAs(safeguard.RoleSupervisor, "KNT"))
		if err != nil || len(items) != 1 || items[0].ForceCode != "KNT" {
			t.Fatalf("force backlog: %+v %v", items, err)
		}
		_, err = ss.FindBacklog(ctxAs(safeguard.RoleAdmin, ""))
		if err != nil {
			t.Fatalf("admin (read_reports): %v", err)
		}
	})
}

func TestAuth_PurgeSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuthService(db.DB)
		_, pw := mustUser(t, db, "analyst1", safeguard.RoleAnalyst, "")
		if _, _, _, err := as.Login(at(0), "analyst1", pw); err != nil {
			t.Fatal(err)
		}
		fresh, _, _, err := as.Login(at(40*time.Minute), "analyst1", pw)
		if err != nil {
			t.Fatal(err)
		}
		// At +45 minutes the first session has been idle 45 minutes (past
		// the 30-minute limit), the second 5.
		n, err := as.PurgeSessions(at(45 * time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v", n, err)
		}
		if _, _, err := as.Authenticate(at(45*time.Minute), fresh); err != nil {
			t.Fatalf("the live session was purged: %v", err)
		}
		var left int
		if err := db.RawDB().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&left); err != nil || left != 1 {
			t.Fatalf("%d sessions left, %v", left, err)
		}
		if n, err := as.PurgeSessions(at(46 * time.Minute)); err != nil || n != 0 {
			t.Fatalf("second purge %d, %v", n, err)
		}
	})
}
