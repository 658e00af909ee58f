package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/risk"
	"safeguard/store"
)

// assessedSubject creates a subject with one CyberTip referral of the
// incident type and drains the assessor.
func assessedSubject(tb testing.TB, db *TestDB, ref, incident string) *safeguard.Subject {
	tb.Helper()
	s := &safeguard.Subject{Name: "Synthetic Person " + ref, AttributionStatus: safeguard.AttrUnresolved}
	if err := store.NewSubjectService(db.DB).CreateSubject(systemCtx(), s); err != nil {
		tb.Fatal(err)
	}
	r := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: ref, Format: "json", IncidentType: incident,
		Document: []byte(`{"synthetic":true}`), SubjectID: &s.ID}
	if _, err := store.NewReferralService(db.DB).CreateReferral(systemCtx(), r); err != nil {
		tb.Fatal(err)
	}
	mustDrain(tb, db)
	return s
}

func mustDrain(tb testing.TB, db *TestDB) int {
	tb.Helper()
	n, err := store.NewAssessor(db.DB, 0).Drain(systemCtx())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func readSubject(tb testing.TB, db *TestDB, id int64) *safeguard.Subject {
	tb.Helper()
	s, err := store.NewSubjectService(db.DB).FindSubjectByID(ctxAs(safeguard.RoleAnalyst, ""), id)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func history(tb testing.TB, db *TestDB, id int64) []*safeguard.Assessment {
	tb.Helper()
	as, err := store.NewAssessmentService(db.DB).FindAssessments(ctxAs(safeguard.RoleAnalyst, ""), id)
	if err != nil {
		tb.Fatal(err)
	}
	return as
}

func traceHas(as *safeguard.Assessment, rule string) bool {
	for _, r := range as.Trace {
		if r.Rule == rule {
			return true
		}
	}
	return false
}

// TestAssessor_FactChangeReassesses: a referral's facts assess the subject;
// an analyst's fact re-assesses it, the trace says why, the history keeps
// both, and a drain with nothing changed writes nothing.
func TestAssessor_FactChangeReassesses(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		s := assessedSubject(t, db, "ENT-1", "Online Enticement of Children for Sexual Acts")
		got := readSubject(t, db, s.ID)
		h := history(t, db, s.ID)
		if len(h) != 1 || got.Band == "" || got.DueAt == nil || h[0].PolicyVersion != risk.Builtin().Version {
			t.Fatalf("after the referral: band %q, history %+v", got.Band, h)
		}
		if !traceHas(h[0], "current-soliciting-children") {
			t.Errorf("trace lacks the soliciting rule: %+v", h[0].Trace)
		}
		first := got.Band
		if n := mustDrain(t, db); n != 0 {
			t.Errorf("a second drain assessed %d subjects", n)
		}

		rs := store.NewRiskService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		e := &safeguard.FactEntry{SubjectID: s.ID, Path: "access_to_children.occupation", Value: `"scout_leader"`, Note: "from the force's enquiry"}
		if err := rs.RecordFact(analyst, e); err != nil {
			t.Fatal(err)
		}
		if n := mustDrain(t, db); n != 1 {
			t.Fatalf("drain after a fact assessed %d", n)
		}
		got = readSubject(t, db, s.ID)
		h = history(t, db, s.ID)
		if got.Band != safeguard.BandImmediate || len(h) != 2 || !traceHas(h[0], "access-occupation") {
			t.Fatalf("after scout leader: band %s (was %s), history %d, trace %+v", got.Band, first, len(h), h[0].Trace)
		}
		if !strings.Contains(h[0].Trace[0].Reason+h[0].Trace[1].Reason, "scout") {
			t.Errorf("trace does not say why: %+v", h[0].Trace)
		}
		if d := got.DueAt.Sub(t0); d < 23*time.Hour || d > 25*time.Hour {
			t.Errorf("immediate due in %v, want 24h", d)
		}

		// Retracting the fact re-assesses back.
		if err := rs.RetractFact(analyst, e.ID, "wrong person"); err != nil {
			t.Fatal(err)
		}
		mustDrain(t, db)
		if got = readSubject(t, db, s.ID); got.Band != first {
			t.Errorf("after retraction band %s, want %s", got.Band, first)
		}
		facts, err := rs.FindFacts(analyst, s.ID)
		if err != nil || len(facts) != 1 || facts[0].RetractedAt == nil || facts[0].Note != "from the force's enquiry" {
			t.Fatalf("fact history: %+v %v", facts, err)
		}
		// Bad entries name what is wrong.
		for _, bad := range []safeguard.FactEntry{
			{SubjectID: s.ID, Path: "access_to_children.pets", Value: "true"},
			{SubjectID: s.ID, Path: "history.other_convictions", Value: `"many"`},
			{SubjectID: s.ID, Path: "history.other_convictions", Value: `-1`},
		} {
			wantCode(t, rs.RecordFact(analyst, &bad), safeguard.EINVALID)
		}
		wantCode(t, rs.RecordFact(ctxAs(safeguard.RoleInvestigator, "KNT"), &safeguard.FactEntry{SubjectID: s.ID,
			Path: "history.on_sex_offender_register", Value: "true"}), safeguard.EFORBIDDEN)
	})
}

// TestAssessor_Override: a supervisor's lower band stands, shown beside the
// computed one; a later fact that raises the band above it raises it.
func TestAssessor_Override(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		s := assessedSubject(t, db, "POS-2", "Child Pornography (possession, manufacture, and distribution)")
		computed := readSubject(t, db, s.ID).Band
		rs := store.NewRiskService(db.DB)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		_, err := rs.SetOverride(coord, s.ID, safeguard.BandLow, "")
		wantCode(t, err, safeguard.EINVALID)
		_, err = rs.SetOverride(ctxAs(safeguard.RoleAnalyst, ""), s.ID, safeguard.BandLow, "reviewed")
		wantCode(t, err, safeguard.EFORBIDDEN)
		if _, err := rs.SetOverride(coord, s.ID, safeguard.BandLow, "the files are one forwarded meme, per the platform"); err != nil {
			t.Fatal(err)
		}
		mustDrain(t, db)
		h := history(t, db, s.ID)
		if got := readSubject(t, db, s.ID); got.Band != safeguard.BandLow || h[0].OverrideReason == "" {
			t.Fatalf("override: band %s, latest %+v", got.Band, h[0])
		}
		var computedBand string
		if err := db.RawDB().QueryRow(`SELECT computed_band FROM assessments WHERE id = $1`, h[0].ID).Scan(&computedBand); err != nil {
			t.Fatal(err)
		}
		if computedBand != string(computed) || h[0].ComputedBand != computed {
			t.Errorf("computed band kept beside the override = %q (read back %q), want %q", computedBand, h[0].ComputedBand, computed)
		}

		// A child in the household, recorded an hour later, raises it anyway.
		later := safeguard.NewContextWithNow(ctxAs(safeguard.RoleAnalyst, ""), t0.Add(time.Hour))
		if err := rs.RecordFact(later, &safeguard.FactEntry{SubjectID: s.ID,
			Path: "access_to_children.children_in_household", Value: "true"}); err != nil {
			t.Fatal(err)
		}
		mustDrain(t, db)
		h = history(t, db, s.ID)
		if got := readSubject(t, db, s.ID); got.Band != safeguard.BandImmediate || h[0].OverrideReason != "" || !traceHas(h[0], "override") {
			t.Fatalf("after a raising fact: band %s, latest %+v", got.Band, h[0])
		}
		overrides, err := rs.FindOverrides(coord, s.ID)
		if err != nil || len(overrides) != 1 {
			t.Fatalf("overrides %+v %v", overrides, err)
		}
		if err := rs.EndOverride(coord, s.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, rs.EndOverride(coord, s.ID), safeguard.ENOTFOUND)
	})
}

// TestPolicy_WhatIfEqualsApply: a candidate that makes every possession
// case high is tried over the backlog; the moves it counts are exactly the
// moves applying it makes.
func TestPolicy_WhatIfEqualsApply(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		var subjects []*safeguard.Subject
		for i, incident := range []string{
			"Child Pornography (possession, manufacture, and distribution)",
			"Child Pornography (possession, manufacture, and distribution)",
			"Online Enticement of Children for Sexual Acts",
			"Misleading Domain Name",
		} {
			subjects = append(subjects, assessedSubject(t, db, "WI-"+string(rune('A'+i)), incident))
		}
		before := map[int64]safeguard.Band{}
		for _, s := range subjects {
			before[s.ID] = readSubject(t, db, s.ID).Band
		}
		var doc map[string]any
		if err := json.Unmarshal(risk.BuiltinJSON(), &doc); err != nil {
			t.Fatal(err)
		}
		doc["version"] = "test-2026.2"
		doc["default_band"] = "medium"
		for _, r := range doc["rules"].([]any) {
			if rule := r.(map[string]any); rule["id"] == "current-possession" {
				rule["band"] = "high"
			}
		}
		b, _ := json.Marshal(doc)
		rs := store.NewRiskService(db.DB)
		admin := ctxAs(safeguard.RoleAdmin, "")
		if _, err := rs.LoadPolicy(admin, []byte(`{"version": 3}`)); safeguard.ErrorCode(err) != safeguard.EINVALID {
			t.Fatalf("a bad policy: %v", err)
		}
		p, err := rs.LoadPolicy(admin, b)
		if err != nil {
			t.Fatal(err)
		}
		_, err = rs.LoadPolicy(admin, b)
		wantCode(t, err, safeguard.ECONFLICT)
		w, err := rs.WhatIf(admin, p.Version, 10)
		if err != nil {
			t.Fatal(err)
		}
		if w.Subjects != 4 || len(w.Which) == 0 {
			t.Fatalf("what-if %+v", w)
		}
		if mustDrain(t, db) != 0 {
			t.Fatal("the what-if changed something")
		}
		if err := rs.ApplyPolicy(admin, p.Version); err != nil {
			t.Fatal(err)
		}
		if n := mustDrain(t, db); n != 4 {
			t.Fatalf("apply re-assessed %d subjects, want 4", n)
		}
		moves := map[string]int{}
		for _, s := range subjects {
			got := readSubject(t, db, s.ID)
			if got.Band != before[s.ID] {
				moves[string(before[s.ID])+">"+string(got.Band)]++
			}
			if h := history(t, db, s.ID); h[0].PolicyVersion != p.Version && got.Band != before[s.ID] {
				t.Errorf("moved subject's latest assessment is under %s", h[0].PolicyVersion)
			}
		}
		if len(moves) == 0 || len(moves) != len(w.Moves) {
			t.Fatalf("apply moved %v, what-if said %v", moves, w.Moves)
		}
		for k, n := range moves {
			if w.Moves[k] != n {
				t.Errorf("move %s: apply %d, what-if %d", k, n, w.Moves[k])
			}
		}
		wantCode(t, rs.ApplyPolicy(admin, p.Version), safeguard.ECONFLICT)
		wantCode(t, rs.DiscardPolicy(admin, p.Version), safeguard.ECONFLICT)
		_, err = rs.WhatIf(ctxAs(safeguard.RoleAnalyst, ""), p.Version, 10)
		wantCode(t, err, safeguard.EFORBIDDEN)
	})
}

func TestCPORT_Record(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		s := assessedSubject(t, db, "CP-1", "Misleading Domain Name")
		rs := store.NewRiskService(db.DB)
		yes, no := true, false
		a := [7]*bool{&yes, &no, &yes, nil, &yes, &no, &yes}
		rec, err := rs.RecordCPORT(ctxAs(safeguard.RoleAnalyst, ""), s.ID, a)
		if err != nil || rec.Score != 4 || rec.Missing != 1 {
			t.Fatalf("one missing: %+v %v", rec, err)
		}
		a[1] = nil
		_, err = rs.RecordCPORT(ctxAs(safeguard.RoleAnalyst, ""), s.ID, a)
		wantCode(t, err, safeguard.EINVALID)
		list, err := rs.FindCPORT(ctxAs(safeguard.RoleAnalyst, ""), s.ID)
		if err != nil || len(list) != 1 || list[0].Answers[3] != nil || *list[0].Answers[0] != true {
			t.Fatalf("stored %+v %v", list, err)
		}
		// The investigator of the subject's force completes one too; an
		// auditor may not.
		mustForce(t, db, "KNT")
		knt := "KNT"
		if _, err := store.NewSubjectService(db.DB).UpdateSubject(ctxAs(safeguard.RoleCoordinator, ""), s.ID, safeguard.SubjectUpdate{ForceCode: &knt}); err != nil {
			t.Fatal(err)
		}
		a[1] = &no
		if _, err := rs.RecordCPORT(ctxAs(safeguard.RoleInvestigator, "KNT"), s.ID, a); err != nil {
			t.Fatalf("investigator: %v", err)
		}
		_, err = rs.RecordCPORT(ctxAs(safeguard.RoleAuditor, ""), s.ID, a)
		wantCode(t, err, safeguard.EFORBIDDEN)
	})
}

// TestAssessor_ConcurrentDrains: several assessors draining one database
// at once (servers sharing it) assess each subject exactly once: a write
// is conditional on the versions its reader saw, so the slower assessor
// skips what the faster one wrote. A fact changed after that is assessed
// once more.
func TestAssessor_ConcurrentDrains(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		const n = 240
		subjects, referrals := store.NewSubjectService(db.DB), store.NewReferralService(db.DB)
		ids := make([]int64, n)
		for i := range n {
			s := &safeguard.Subject{Name: fmt.Sprintf("Synthetic Person %d", i), AttributionStatus: safeguard.AttrUnresolved}
			if err := subjects.CreateSubject(systemCtx(), s); err != nil {
				t.Fatal(err)
			}
			r := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: fmt.Sprintf("CONC-%d", i), Format: "json",
				IncidentType: "Child Pornography (possession, manufacture, and distribution)", Document: []byte(`{"synthetic":true}`), SubjectID: &s.ID}
			if _, err := referrals.CreateReferral(systemCtx(), r); err != nil {
				t.Fatal(err)
			}
			ids[i] = s.ID
		}
		var wg sync.WaitGroup
		counts := make([]int, 3)
		for k := range counts {
			// Small reads, so the assessors interleave over many chunks.
			a := store.NewAssessor(db.DB, 16)
			wg.Go(func() {
				c, err := a.Drain(systemCtx())
				if err != nil {
					t.Errorf("%+v", errors.Unwrap(err))
				}
				counts[k] = c
			})
		}
		wg.Wait()
		if total := counts[0] + counts[1] + counts[2]; total != n {
			t.Errorf("the assessors wrote %v subjects, %d in all, want %d", counts, total, n)
		}
		for _, id := range ids {
			if h := history(t, db, id); len(h) != 1 {
				t.Fatalf("subject %d has %d assessments, want 1", id, len(h))
			}
		}
		if got := mustDrain(t, db); got != 0 {
			t.Errorf("a drain after the others assessed %d", got)
		}
		e := &safeguard.FactEntry{SubjectID: ids[7], Path: "access_to_children.children_in_household", Value: "true"}
		if err := store.NewRiskService(db.DB).RecordFact(ctxAs(safeguard.RoleAnalyst, ""), e); err != nil {
			t.Fatal(err)
		}
		if got := mustDrain(t, db); got != 1 {
			t.Errorf("a drain after one fact assessed %d", got)
		}
		if h := history(t, db, ids[7]); len(h) != 2 || h[0].Band != safeguard.BandImmediate {
			t.Errorf("after the fact: %d assessments, latest %+v", len(h), h[0])
		}
	})
}
