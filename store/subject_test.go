package store_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// mustSubject creates a subject held by the force.
func mustSubject(tb testing.TB, db *TestDB, name, force string) *safeguard.Subject {
	tb.Helper()
	s := &safeguard.Subject{Name: name, Address: "1 Example Road, Testtown", ForceCode: force}
	if err := store.NewSubjectService(db.DB).CreateSubject(ctxAs(safeguard.RoleAnalyst, ""), s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// auditCount returns how many audit rows match.
func auditCount(tb testing.TB, db *TestDB, f safeguard.AuditFilter) int {
	tb.Helper()
	_, total, err := store.NewAuditService(db.DB).FindAuditEvents(systemCtx(), f)
	if err != nil {
		tb.Fatal(err)
	}
	return total
}

func TestSubject_PersonalDataEncryptedAtRest(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		const name = "Fictional Person Zebedee"
		mustForce(t, db, "KNT")
		s := mustSubject(t, db, name, "KNT")
		r := &safeguard.Referral{Source: safeguard.SourceHotline, SourceRef: "H-1",
			Document:    []byte(`{"reported_person":"Fictional Person Zebedee"}`),
			Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: "zebedee@example.com"}, {Kind: safeguard.IdentName, Value: name}},
			Files:       []safeguard.File{{Name: "zebedee_holiday.jpg", MD5: "d41d8cd98f00b204e9800998ecf8427e"}},
		}
		if _, err := store.NewReferralService(db.DB).CreateReferral(ctxAs(safeguard.RoleAnalyst, ""), r); err != nil {
			t.Fatal(err)
		}
		got, err := store.NewSubjectService(db.DB).FindSubjectByID(ctxAs(safeguard.RoleAnalyst, ""), s.ID)
		if err != nil || got.Name != name || got.Address != s.Address {
			t.Fatalf("round trip: %+v, %v", got, err)
		}
		needles := [][]byte{[]byte(name), []byte(strings.ToLower(name)), []byte("Zebedee"), []byte("zebedee")}
		check := func(where string, b []byte) {
			t.Helper()
			for _, n := range needles {
				if bytes.Contains(b, n) {
					t.Errorf("%s contains %q", where, n)
				}
			}
		}
		if db.Dialect() == store.SQLite {
			readAll := func(when string) {
				files, _ := filepath.Glob(db.Path + "*")
				var all []byte
				for _, f := range files {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					check(when+" "+filepath.Base(f), b)
					all = append(all, b...)
				}
				// Control: what is stored in clear is found, so the search works.
				if !bytes.Contains(all, []byte(s.Ref)) {
					t.Fatalf("%s: subject ref %s not found in the files: the search is broken", when, s.Ref)
				}
			}
			readAll("open")
			db.Close()
			readAll("closed")
			return
		}
		for _, table := range []string{"subjects", "referrals", "identifiers", "referral_files", "audit_events"} {
			rows, err := db.RawDB().Query(`SELECT t::text FROM ` + table + ` t`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var text string
				if err := rows.Scan(&text); err != nil {
					t.Fatal(err)
				}
				check(table, []byte(text))
			}
			rows.Close()
		}
		var ref string
		if err := db.RawDB().QueryRow(`SELECT t::text FROM subjects t`).Scan(&ref); err != nil || !strings.Contains(ref, s.Ref) {
			t.Fatalf("control: row text %q lacks ref %s (%v)", ref, s.Ref, err)
		}
		var raw []byte
		if err := db.RawDB().QueryRow(`SELECT name_enc FROM subjects WHERE id = $1`, s.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		check("subjects.name_enc", raw)
	})
}

func TestSubject_ForceScoping(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		ss := store.NewSubjectService(db.DB)
		mustForce(t, db, "FA")
		mustForce(t, db, "FB")
		a := mustSubject(t, db, "Fictional Alpha", "FA")
		b := mustSubject(t, db, "Fictional Bravo", "FB")
		mustSubject(t, db, "Fictional Unallocated", "")

		supA := ctxAs(safeguard.RoleSupervisor, "FA")
		if got, err := ss.FindSubjectByID(supA, a.ID); err != nil || got.Name != "Fictional Alpha" {
			t.Fatalf("own force: %+v, %v", got, err)
		}
		_, err := ss.FindSubjectByID(supA, b.ID)
		wantCode(t, err, safeguard.ENOTFOUND)
		_, errMissing := ss.FindSubjectByID(supA, 99999)
		wantCode(t, errMissing, safeguard.ENOTFOUND)
		if safeguard.ErrorMessage(err) != safeguard.ErrorMessage(errMissing) {
			t.Fatalf("denied says %q, missing says %q", safeguard.ErrorMessage(err), safeguard.ErrorMessage(errMissing))
		}
		_, err = ss.FindSubjectByRef(ctxAs(safeguard.RoleInvestigator, "FA"), b.Ref)
		wantCode(t, err, safeguard.ENOTFOUND)
		// Both refusals were committed to the audit log despite the error.
		if got := auditCount(t, db, safeguard.AuditFilter{Action: "subject.read.denied", ObjectID: fmt.Sprint(b.ID)}); got != 2 {
			t.Fatalf("subject.read.denied rows = %d, want 2", got)
		}
		list, total, err := ss.FindSubjects(supA, safeguard.SubjectFilter{})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("force list = %v, %d, %v", list, total, err)
		}
		list, total, err = ss.FindSubjects(supA, safeguard.SubjectFilter{ForceCode: "FB"})
		if err != nil || total != 0 || len(list) != 0 {
			t.Fatalf("other force list = %v, %d, %v", list, total, err)
		}
		_, total, err = ss.FindSubjects(ctxAs(safeguard.RoleCoordinator, ""), safeguard.SubjectFilter{})
		if err != nil || total != 3 {
			t.Fatalf("national list total %d, %v", total, err)
		}
		// Force users may not change another force's subject, nor move their own.
		name := "Changed"
		_, err = ss.UpdateSubject(supA, b.ID, safeguard.SubjectUpdate{Name: &name})
		wantCode(t, err, safeguard.ENOTFOUND)
		fb := "FB"
		_, err = ss.UpdateSubject(supA, a.ID, safeguard.SubjectUpdate{ForceCode: &fb})
		wantCode(t, err, safeguard.EFORBIDDEN)
		// Auditors see no personal data at all.
		_, err = ss.FindSubjectByID(ctxAs(safeguard.RoleAuditor, ""), a.ID)
		wantCode(t, err, safeguard.EFORBIDDEN)
	})
}

func TestSubject_RefsAreSequentialPerYear(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		ss := store.NewSubjectService(db.DB)
		const n = 12
		var wg sync.WaitGroup
		refs := make(chan string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := &safeguard.Subject{Name: "Fictional Concurrent"}
				if err := ss.CreateSubject(ctxAs(safeguard.RoleAnalyst, ""), s); err != nil {
					t.Error(err)
				}
				refs <- s.Ref
			}()
		}
		wg.Wait()
		close(refs)
		seen := map[string]bool{}
		for r := range refs {
			seen[r] = true
		}
		for i := 1; i <= n; i++ {
			if ref := safeguard.SubjectRef(2026, int64(i)); !seen[ref] {
				t.Errorf("missing %s in %v", ref, seen)
			}
		}
		// A new year starts again at 1.
		s := &safeguard.Subject{}
		ctx := safeguard.NewContextWithNow(ctxAs(safeguard.RoleAnalyst, ""), time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC))
		if err := ss.CreateSubject(ctx, s); err != nil {
			t.Fatal(err)
		}
		if got, want := s.Ref, "SG-2027-000001"; got != want {
			t.Fatalf("ref = %s, want %s", got, want)
		}
	})
}

func TestSubject_QueueSortAndPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		ss := store.NewSubjectService(db.DB)
		as := store.NewAssessmentService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		bands := []safeguard.Band{safeguard.BandLow, safeguard.BandImmediate, "", safeguard.BandHigh, safeguard.BandMedium}
		var ids []int64
		for i, b := range bands {
			s := &safeguard.Subject{Name: fmt.Sprintf("Fictional %d", i)}
			if err := ss.CreateSubject(analyst, s); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
			if b == "" {
				continue
			}
			a := &safeguard.Assessment{SubjectID: s.ID, Band: b, PolicyVersion: "v1",
				DueAt: t0.Add(time.Duration(b.Rank()+1) * 24 * time.Hour)}
			if err := as.CreateAssessment(analyst, a); err != nil {
				t.Fatal(err)
			}
		}
		order := func(sort string, limit, offset int) string {
			list, total, err := ss.FindSubjects(analyst, safeguard.SubjectFilter{Sort: sort, Limit: limit, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if total != 5 {
				t.Fatalf("total = %d", total)
			}
			var out []string
			for _, s := range list {
				out = append(out, string(s.Band)+"|")
			}
			return strings.Join(out, "")
		}
		if got, want := order("due", 0, 0), "immediate|high|medium|low||"; got != want {
			t.Errorf("due: got %s, want %s", got, want)
		}
		if got, want := order("band", 2, 1), "high|medium|"; got != want {
			t.Errorf("band page 2: got %s, want %s", got, want)
		}
		if got, want := order("-band", 0, 0), "low|medium|high|immediate||"; got != want {
			t.Errorf("-band: got %s, want %s", got, want)
		}
		if got, want := order("-created", 1, 0), "medium|"; got != want {
			t.Errorf("-created: got %s, want %s", got, want)
		}
		_, _, err := ss.FindSubjects(analyst, safeguard.SubjectFilter{Sort: "name"})
		wantCode(t, err, safeguard.EINVALID)
		list, total, err := ss.FindSubjects(analyst, safeguard.SubjectFilter{Band: safeguard.BandHigh})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != ids[3] {
			t.Fatalf("band filter: %v %d %v", list, total, err)
		}
		history, err := as.FindAssessments(analyst, ids[1])
		if err != nil || len(history) != 1 || history[0].Band != safeguard.BandImmediate || history[0].AssessedBy != "user:1:analyst1" {
			t.Fatalf("assessments %+v, %v", history, err)
		}
		got, err := ss.FindSubjectByID(analyst, ids[1])
		if err != nil || got.Band != safeguard.BandImmediate || got.DueAt == nil || !got.DueAt.Equal(t0.Add(24*time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("subject after assessment %+v, %v", got, err)
		}
		err = as.CreateAssessment(ctxAs(safeguard.RoleSupervisor, "KNT"), &safeguard.Assessment{SubjectID: ids[0], Band: safeguard.BandLow, PolicyVersion: "v1", DueAt: t0})
		wantCode(t, err, safeguard.EFORBIDDEN)
		err = as.CreateAssessment(analyst, &safeguard.Assessment{SubjectID: 9999, Band: safeguard.BandLow, PolicyVersion: "v1", DueAt: t0})
		wantCode(t, err, safeguard.ENOTFOUND)
	})
}

func TestSubject_UpdateLinkAndIdentifierLookup(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		ss := store.NewSubjectService(db.DB)
		rs := store.NewReferralService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		mustForce(t, db, "FA")
		mustForce(t, db, "FB")
		a := mustSubject(t, db, "Fictional Alpha", "FA")
		b := mustSubject(t, db, "Fictional Bravo", "FB")
		r1 := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: "CT-1",
			Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: "Alpha.Person@Example.com"}}}
		r2 := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: "CT-2", SubjectID: &b.ID,
			Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: "alpha.person@example.com"}}}
		for _, r := range []*safeguard.Referral{r1, r2} {
			if _, err := rs.CreateReferral(analyst, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := ss.LinkReferral(analyst, safeguard.SubjectLink{SubjectID: a.ID, ReferralID: r1.ID, Evidence: "shares email"}); err != nil {
			t.Fatal(err)
		}
		err := ss.LinkReferral(analyst, safeguard.SubjectLink{SubjectID: a.ID, ReferralID: r1.ID})
		wantCode(t, err, safeguard.ECONFLICT)
		err = ss.LinkReferral(analyst, safeguard.SubjectLink{SubjectID: a.ID, ReferralID: 9999})
		wantCode(t, err, safeguard.ENOTFOUND)

		probe := safeguard.Identifier{Kind: safeguard.IdentEmail, Value: " ALPHA.PERSON@example.COM "}
		found, err := ss.FindSubjectsByIdentifier(analyst, probe)
		if err != nil || len(found) != 2 || found[0].ID != a.ID || found[1].ID != b.ID {
			t.Fatalf("lookup = %+v, %v", found, err)
		}
		found, err = ss.FindSubjectsByIdentifier(ctxAs(safeguard.RoleInvestigator, "FB"), probe)
		if err != nil || len(found) != 1 || found[0].ID != b.ID {
			t.Fatalf("force lookup = %+v, %v", found, err)
		}
		found, err = ss.FindSubjectsByIdentifier(analyst, safeguard.Identifier{Kind: safeguard.IdentPhone, Value: "alpha.person@example.com"})
		if err != nil || len(found) != 0 {
			t.Fatalf("other kind matched: %+v, %v", found, err)
		}

		got, err := ss.FindSubjectByID(analyst, a.ID)
		if err != nil || len(got.Links) != 1 || got.Links[0].ReferralID != r1.ID || got.Links[0].Evidence != "shares email" {
			t.Fatalf("links %+v, %v", got, err)
		}
		name, addr, fb, status := "Fictional Alpha Renamed", "", "FB", safeguard.AttrCorroborated
		got, err = ss.UpdateSubject(ctxAs(safeguard.RoleCoordinator, ""), a.ID,
			safeguard.SubjectUpdate{Name: &name, Address: &addr, ForceCode: &fb, AttributionStatus: &status})
		if err != nil {
			t.Fatal(err)
		}
		got, err = ss.FindSubjectByID(ctxAs(safeguard.RoleSupervisor, "FB"), a.ID)
		if err != nil || got.Name != name || got.Address != "" || got.AttributionStatus != status {
			t.Fatalf("after update %+v, %v", got, err)
		}
		bad := "certain"
		_, err = ss.UpdateSubject(analyst, a.ID, safeguard.SubjectUpdate{AttributionStatus: &bad})
		wantCode(t, err, safeguard.EINVALID)
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "subject.update"}); n != 1 {
			t.Fatalf("subject.update rows = %d", n)
		}
	})
}
