package store_test

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"safeguard"
	"safeguard/store"
)

// mustReferral stores a p2p referral with the identifiers ("kind=value")
// and IP addresses given.
func mustReferral(tb testing.TB, db *TestDB, ref string, idents []string, ips ...string) *safeguard.Referral {
	tb.Helper()
	r := &safeguard.Referral{Source: safeguard.SourceP2P, SourceRef: ref, Platform: "p2p.example", Document: []byte(`{"ref":"` + ref + `"}`)}
	for _, s := range idents {
		k, v, _ := strings.Cut(s, "=")
		r.Identifiers = append(r.Identifiers, safeguard.Identifier{Kind: k, Value: v})
	}
	for _, ip := range ips {
		r.IPEvents = append(r.IPEvents, safeguard.IPEvent{IP: netip.MustParseAddr(ip), TimeText: "2026-03-01T10:00:00Z", HasOffset: true})
	}
	if _, err := store.NewReferralService(db.DB).CreateReferral(ctxAs(safeguard.RoleAnalyst, ""), r); err != nil {
		tb.Fatal(err)
	}
	return r
}

// linkAll runs a linking pass as the ingest command does.
func linkAll(tb testing.TB, db *TestDB) safeguard.LinkSummary {
	tb.Helper()
	sum, err := store.NewLinkService(db.DB).LinkPending(systemCtx(), 0)
	if err != nil {
		tb.Fatal(err)
	}
	return sum
}

// subjectOf returns the subject a referral is linked to now.
func subjectOf(tb testing.TB, db *TestDB, refID int64) *safeguard.Subject {
	tb.Helper()
	r, err := store.NewReferralService(db.DB).FindReferralByID(ctxAs(safeguard.RoleAnalyst, ""), refID)
	if err != nil {
		tb.Fatal(err)
	}
	if r.SubjectID == nil {
		tb.Fatalf("referral %d is not linked", refID)
	}
	s, err := store.NewSubjectService(db.DB).FindSubjectByID(ctxAs(safeguard.RoleAnalyst, ""), *r.SubjectID)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// mustLinkedOnce fails unless every referral has a subject and exactly one
// current link, to that subject.
func mustLinkedOnce(tb testing.TB, db *TestDB) {
	tb.Helper()
	var unlinked, bad int
	db.RawDB().QueryRow(`SELECT COUNT(*) FROM referrals WHERE subject_id IS NULL`).Scan(&unlinked)
	db.RawDB().QueryRow(`SELECT COUNT(*) FROM referrals r WHERE 1 <> (SELECT COUNT(*) FROM subject_links l
		WHERE l.referral_id = r.id AND l.ended_at IS NULL AND l.subject_id = r.subject_id)`).Scan(&bad)
	if unlinked != 0 || bad != 0 {
		tb.Fatalf("%d referrals unlinked, %d without exactly one current link to their subject", unlinked, bad)
	}
}

func evidenceOf(s *safeguard.Subject, refID int64) string {
	for _, l := range s.Links {
		if l.ReferralID == refID {
			return l.Evidence
		}
	}
	return ""
}

func TestLink_ChainThroughThreeReferrals(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "C-1", []string{"email=ada@example.com"})
		r2 := mustReferral(t, db, "C-2", []string{"email=ADA@example.com", "phone=+44 7700 900123"})
		r3 := mustReferral(t, db, "C-3", []string{"phone=07700900123", "username=ada_x"})
		sum := linkAll(t, db)
		if sum.Linked != 3 || sum.Created != 1 || sum.Merged != 0 {
			t.Fatalf("summary %+v, want 3 linked into 1 new subject", sum)
		}
		s := subjectOf(t, db, r3.ID)
		if subjectOf(t, db, r1.ID).ID != s.ID || subjectOf(t, db, r2.ID).ID != s.ID {
			t.Fatal("the three referrals are not one subject")
		}
		want2 := "linked to " + s.Ref + " by e-mail a…@example.com in referrals " + itoa(r1.ID) + " and " + itoa(r2.ID)
		if got := evidenceOf(s, r2.ID); !strings.Contains(got, want2) {
			t.Errorf("evidence of the second referral %q, want it to say %q", got, want2)
		}
		want3 := "linked to " + s.Ref + " by phone +44…123 in referrals " + itoa(r2.ID) + " and " + itoa(r3.ID)
		if got := evidenceOf(s, r3.ID); !strings.Contains(got, want3) {
			t.Errorf("evidence of the third referral %q, want it to say %q", got, want3)
		}
		if strings.Contains(evidenceOf(s, r2.ID), "ada@") {
			t.Error("evidence holds a whole e-mail address")
		}
		mustLinkedOnce(t, db)
		if again := linkAll(t, db); again.Linked != 0 {
			t.Fatalf("a second pass linked %d referrals again", again.Linked)
		}
	})
}

func TestLink_BridgeMergesSubjectsWithHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "B-1", []string{"email=bea@example.com"})
		r2 := mustReferral(t, db, "B-2", []string{"device_id=35-209900-176148-1"})
		linkAll(t, db)
		a, b := subjectOf(t, db, r1.ID), subjectOf(t, db, r2.ID)
		if a.ID == b.ID {
			t.Fatal("unrelated referrals linked")
		}
		r3 := mustReferral(t, db, "B-3", []string{"email=bea@example.com", "device_id=352099001761481"})
		if sum := linkAll(t, db); sum.Merged != 1 {
			t.Fatalf("summary %+v, want the bridge to merge the two subjects", sum)
		}
		s := subjectOf(t, db, r2.ID)
		if s.ID != a.ID || subjectOf(t, db, r3.ID).ID != a.ID {
			t.Fatalf("after the bridge referral 2 is in %s, want %s", s.Ref, a.Ref)
		}
		if got := evidenceOf(s, r2.ID); !strings.Contains(got, "merged from "+b.Ref) {
			t.Errorf("moved link's evidence %q", got)
		}
		hist, err := store.NewLinkService(db.DB).FindLinkHistory(ctxAs(safeguard.RoleAnalyst, ""), b.Ref)
		if err != nil || len(hist) != 1 || hist[0].EndedAt == nil || !strings.Contains(hist[0].EndedReason, "merged into "+a.Ref) {
			t.Fatalf("history of the merged subject: %+v, %v", hist, err)
		}
		into, err := store.NewLinkService(db.DB).MergedInto(ctxAs(safeguard.RoleAnalyst, ""), b.Ref)
		if err != nil || into != a.Ref {
			t.Fatalf("merged into %q, %v", into, err)
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "subject.merge"}); n != 1 {
			t.Fatalf("%d subject.merge audit events, want 1", n)
		}
		mustLinkedOnce(t, db)
	})
}

func TestLink_WeakNeverLinksAlone(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "W-1", []string{"email=cy@example.com", "name=Cyril Fictional"}, "198.51.100.7")
		r2 := mustReferral(t, db, "W-2", []string{"email=dee@example.org", "name=cyril  FICTIONAL"}, "198.51.100.7")
		linkAll(t, db)
		a, b := subjectOf(t, db, r1.ID), subjectOf(t, db, r2.ID)
		if a.ID == b.ID {
			t.Fatal("a shared name and IP address linked two referrals")
		}
		links := mustPossible(t, db, b.Ref)
		if len(links) != 2 {
			t.Fatalf("%d possible links, want the name and the IP address: %+v", len(links), links)
		}
		var ip, name *safeguard.PossibleLink
		for _, p := range links {
			switch p.Kind {
			case "ip":
				ip = p
			case safeguard.IdentName:
				name = p
			}
		}
		if ip == nil || name == nil || ip.Masked != "198.51.100.…" || ip.Status != safeguard.LinkOpen {
			t.Fatalf("possible links %+v %+v", ip, name)
		}
		if !strings.Contains(evidenceOf(b, r2.ID), "possible link to "+a.Ref+" by IP address 198.51.100.…") {
			t.Errorf("evidence %q does not name the possible link", evidenceOf(b, r2.ID))
		}
		svc := store.NewLinkService(db.DB)
		_, err := svc.DecidePossibleLink(ctxAs(safeguard.RoleInvestigator, "KNT"), ip.ID, false, "a café's wifi")
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = svc.DecidePossibleLink(ctxAs(safeguard.RoleAnalyst, ""), ip.ID, false, "")
		wantCode(t, err, safeguard.EINVALID)
		got, err := svc.DecidePossibleLink(ctxAs(safeguard.RoleAnalyst, ""), ip.ID, false, "a café's wifi")
		if err != nil || got.Status != safeguard.LinkRejected || got.DecisionReason != "a café's wifi" {
			t.Fatalf("reject: %+v, %v", got, err)
		}
		_, err = svc.DecidePossibleLink(ctxAs(safeguard.RoleAnalyst, ""), ip.ID, true, "changed my mind")
		wantCode(t, err, safeguard.ECONFLICT)
		// The same address in a later referral of the same subjects is not
		// offered again.
		mustReferral(t, db, "W-3", []string{"email=dee@example.org"}, "198.51.100.7")
		linkAll(t, db)
		open := 0
		for _, p := range mustPossible(t, db, b.Ref) {
			if p.Status == safeguard.LinkOpen {
				open++
			}
		}
		if open != 1 {
			t.Fatalf("%d open possible links after a rejection, want only the name's", open)
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "possible_link.reject"}); n != 1 {
			t.Fatalf("%d reject audit events", n)
		}
		// Confirming the name merges the two subjects.
		if _, err := svc.DecidePossibleLink(ctxAs(safeguard.RoleAnalyst, ""), name.ID, true, "same person per the provider"); err != nil {
			t.Fatal(err)
		}
		if subjectOf(t, db, r2.ID).ID != a.ID {
			t.Fatal("a confirmed possible link did not merge the subjects")
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "possible_link.confirm"}); n != 1 {
			t.Fatalf("%d confirm audit events", n)
		}
		mustLinkedOnce(t, db)
	})
}

func mustPossible(tb testing.TB, db *TestDB, ref string) []*safeguard.PossibleLink {
	tb.Helper()
	links, err := store.NewLinkService(db.DB).FindPossibleLinks(ctxAs(safeguard.RoleAnalyst, ""), ref)
	if err != nil {
		tb.Fatal(err)
	}
	return links
}

func TestLink_SplitKeepsPartsApart(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "S-1", []string{"email=eve@example.com"})
		r2 := mustReferral(t, db, "S-2", []string{"email=eve@example.com", "subscriber_id=SUB 0001"})
		r3 := mustReferral(t, db, "S-3", []string{"subscriber_id=SUB0001"})
		linkAll(t, db)
		whole := subjectOf(t, db, r1.ID)
		svc := store.NewLinkService(db.DB)
		_, err := svc.SplitSubject(ctxAs(safeguard.RoleAnalyst, ""), whole.Ref, []int64{r1.ID, r2.ID, r3.ID}, "all of them")
		wantCode(t, err, safeguard.EINVALID)
		_, err = svc.SplitSubject(ctxAs(safeguard.RoleAnalyst, ""), whole.Ref, []int64{r3.ID}, "")
		wantCode(t, err, safeguard.EINVALID)
		_, err = svc.SplitSubject(ctxAs(safeguard.RoleInvestigator, "KNT"), whole.Ref, []int64{r3.ID}, "shared line")
		if safeguard.ErrorCode(err) == "" {
			t.Fatal("a force user split a subject")
		}
		part, err := svc.SplitSubject(ctxAs(safeguard.RoleAnalyst, ""), whole.Ref, []int64{r3.ID}, "the subscriber line is a shared house")
		if err != nil {
			t.Fatal(err)
		}
		if subjectOf(t, db, r3.ID).ID != part.ID || subjectOf(t, db, r2.ID).ID != whole.ID {
			t.Fatal("the split did not move exactly the chosen referral")
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "subject.split"}); n != 1 {
			t.Fatalf("%d split audit events", n)
		}
		// A later referral carrying both parts' identifiers does not join
		// them again: it is offered to an analyst instead.
		r4 := mustReferral(t, db, "S-4", []string{"subscriber_id=SUB0001", "email=eve@example.com"})
		if sum := linkAll(t, db); sum.Merged != 0 || sum.Possible != 1 {
			t.Fatalf("summary %+v: want no merge and one possible link", sum)
		}
		if subjectOf(t, db, r3.ID).ID == subjectOf(t, db, r4.ID).ID && subjectOf(t, db, r1.ID).ID == subjectOf(t, db, r4.ID).ID {
			t.Fatal("linking rejoined a split")
		}
		var bridge *safeguard.PossibleLink
		for _, p := range mustPossible(t, db, whole.Ref) {
			if p.Kind == safeguard.PossibleLinkBridge && p.Status == safeguard.LinkOpen {
				bridge = p
			}
		}
		if bridge == nil {
			t.Fatal("no bridge possible link offered")
		}
		hist, err := svc.FindLinkHistory(ctxAs(safeguard.RoleAnalyst, ""), whole.Ref)
		if err != nil || len(hist) < 3 {
			t.Fatalf("history %+v, %v", hist, err)
		}
		mustLinkedOnce(t, db)
	})
}

func TestLink_ManualMerge(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "M-1", []string{"email=fay@example.com"})
		r2 := mustReferral(t, db, "M-2", []string{"email=fay.other@example.com"})
		linkAll(t, db)
		a, b := subjectOf(t, db, r1.ID), subjectOf(t, db, r2.ID)
		svc := store.NewLinkService(db.DB)
		_, err := svc.MergeSubjects(ctxAs(safeguard.RoleAnalyst, ""), a.Ref, a.Ref, "self")
		wantCode(t, err, safeguard.EINVALID)
		got, err := svc.MergeSubjects(ctxAs(safeguard.RoleAnalyst, ""), a.Ref, b.Ref, "provider confirmed one account holder")
		if err != nil || got.ID != a.ID {
			t.Fatalf("merge: %+v, %v", got, err)
		}
		_, err = svc.MergeSubjects(ctxAs(safeguard.RoleAnalyst, ""), a.Ref, b.Ref, "again")
		wantCode(t, err, safeguard.EINVALID)
		if subjectOf(t, db, r2.ID).ID != a.ID {
			t.Fatal("not merged")
		}
		mustLinkedOnce(t, db)
	})
}

// TestLink_BlindIndexIsLinkingEquality: written forms linking calls equal
// (Gmail dots and googlemail, address punctuation) link and are found by
// one blind-index lookup.
func TestLink_BlindIndexIsLinkingEquality(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "G-1", []string{"email=gi.na.x@gmail.com"})
		r2 := mustReferral(t, db, "G-2", []string{"email=GINAX+tips@googlemail.com"})
		r3 := mustReferral(t, db, "G-3", []string{"address=Flat 2, 10 Example Street, Testtown, ZZ1 1AA"})
		r4 := mustReferral(t, db, "G-4", []string{"address=flat 2 10 example street testtown zz11aa"})
		linkAll(t, db)
		if subjectOf(t, db, r1.ID).ID != subjectOf(t, db, r2.ID).ID {
			t.Error("Gmail dot and googlemail forms did not link")
		}
		if subjectOf(t, db, r3.ID).ID != subjectOf(t, db, r4.ID).ID {
			t.Error("address punctuation forms did not link")
		}
		subs, err := store.NewSubjectService(db.DB).FindSubjectsByIdentifier(ctxAs(safeguard.RoleAnalyst, ""),
			safeguard.Identifier{Kind: safeguard.IdentEmail, Value: "ginax@gmail.com"})
		if err != nil || len(subs) != 1 {
			t.Fatalf("lookup by another written form: %d subjects, %v", len(subs), err)
		}
	})
}

// TestReindex: identifiers written under the old blind-index form are
// rewritten at migrate and then link like new ones.
func TestReindex(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "X-1", []string{"email=h.al@gmail.com"})
		// As an older version wrote it: Identifier.Normalized, version 1.
		kr := db.Sealer()
		old := kr.BlindIndex(safeguard.IdentEmail, "h.al@gmail.com")
		mustExec(t, db, `UPDATE identifiers SET blind_index = $1, bi_version = 1 WHERE referral_id = $2`, old, r1.ID)
		n, err := db.Reindex(systemCtx())
		if err != nil || n != 1 {
			t.Fatalf("reindexed %d, %v; want 1", n, err)
		}
		if n, _ := db.Reindex(systemCtx()); n != 0 {
			t.Fatalf("a second re-index rewrote %d rows", n)
		}
		r2 := mustReferral(t, db, "X-2", []string{"email=hal@gmail.com"})
		var a, b []byte
		db.RawDB().QueryRow(`SELECT blind_index FROM identifiers WHERE referral_id = $1`, r1.ID).Scan(&a)
		db.RawDB().QueryRow(`SELECT blind_index FROM identifiers WHERE referral_id = $1`, r2.ID).Scan(&b)
		if string(a) != string(b) || string(a) == string(old) {
			t.Fatal("the re-indexed row's blind index is not the new form")
		}
		linkAll(t, db)
		if subjectOf(t, db, r1.ID).ID != subjectOf(t, db, r2.ID).ID {
			t.Fatal("a re-indexed identifier did not link")
		}
		if c := auditCount(t, db, safeguard.AuditFilter{Action: "identifiers.reindex"}); c != 1 {
			t.Fatalf("%d reindex audit events", c)
		}
	})
}

func TestLink_ForcePlacementAndScope(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		r1 := mustReferral(t, db, "F-1", []string{"address=1 Example Road, Testtown ZZ1 2BB", "name=Ivy Fictional"})
		_, err := store.NewLinkService(db.DB).LinkPending(ctxAs(safeguard.RoleInvestigator, "KNT"), 0)
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = store.NewLinkService(db.DB).LinkPending(ctxAs(safeguard.RoleAuditor, ""), 0)
		wantCode(t, err, safeguard.EFORBIDDEN)
		linkAll(t, db)
		s := subjectOf(t, db, r1.ID)
		if s.ForceCode != "KNT" || s.Name != "Ivy Fictional" {
			t.Fatalf("subject force %q name %q, want KNT and the referral's name", s.ForceCode, s.Name)
		}
		if !strings.Contains(evidenceOf(s, r1.ID), "first referral of a new subject") {
			t.Errorf("evidence %q", evidenceOf(s, r1.ID))
		}
	})
}

func TestLinkReferral(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "L-1", []string{"email=jo@example.com"})
		svc := store.NewLinkService(db.DB)
		sum, err := svc.LinkReferral(systemCtx(), r1.ID)
		if err != nil || sum.Linked != 1 {
			t.Fatalf("%+v, %v", sum, err)
		}
		if sum, _ := svc.LinkReferral(systemCtx(), r1.ID); sum.Linked != 0 {
			t.Fatal("linked twice")
		}
		_, err = svc.LinkReferral(systemCtx(), 999999)
		wantCode(t, err, safeguard.ENOTFOUND)
	})
}

func TestIngestRuns(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		svc := store.NewIngestRunService(db.DB)
		ctx := ctxAs(safeguard.RoleAnalyst, "")
		run := &safeguard.IngestRun{Files: []string{"a.jsonl"}}
		if err := svc.StartIngestRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		run.Accepted, run.Duplicates, run.Rejected = 3, 2, 1
		rej := []safeguard.IngestRejection{{File: "a.jsonl", Where: "line 4", Error: `"203.0.113.300" is not an IP address`}}
		if err := svc.FinishIngestRun(ctx, run, rej); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := svc.RecordAPIIngest(ctx, true, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.RecordAPIIngest(ctx, false, &safeguard.IngestRejection{File: "POST /api/v1/referrals", Where: "ip_events[0].ip", Error: "not an IP"}); err != nil {
			t.Fatal(err)
		}
		runs, err := svc.FindIngestRuns(ctx, 10)
		if err != nil || len(runs) != 2 {
			t.Fatalf("%d runs, %v", len(runs), err)
		}
		var api *safeguard.IngestRun
		for _, r := range runs {
			if r.Origin == safeguard.IngestAPI {
				api = r
			}
		}
		if api == nil || api.Duplicates != 2 || api.Rejected != 1 {
			t.Fatalf("API run %+v", api)
		}
		rejs, err := svc.FindIngestRejections(ctx, 10)
		if err != nil || len(rejs) != 2 || rejs[1].Error != rej[0].Error && rejs[0].Error != rej[0].Error {
			t.Fatalf("rejections %+v, %v", rejs, err)
		}
		var raw int
		db.RawDB().QueryRow(`SELECT COUNT(*) FROM ingest_rejections WHERE error_enc IS NOT NULL`).Scan(&raw)
		if raw != 2 {
			t.Fatal("rejection errors are not sealed")
		}
		_, err = svc.FindIngestRuns(ctxAs(safeguard.RoleInvestigator, "KNT"), 10)
		wantCode(t, err, safeguard.EFORBIDDEN)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLink_ConcurrentPassesLinkOnce runs linking passes and single-referral
// links at once, as several servers and API posts would: every referral
// ends up linked exactly once and referrals sharing an e-mail address are
// one subject.
func TestLink_ConcurrentPassesLinkOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		const n = 120
		var refs []*safeguard.Referral
		for i := range n {
			refs = append(refs, mustReferral(t, db, "P-"+strconv.Itoa(i), []string{
				"email=person" + strconv.Itoa(i%17) + "@example.com", "phone=+4477009" + strconv.Itoa(10000+i%23)}))
		}
		svc := store.NewLinkService(db.DB)
		errs := make(chan error, 8)
		for w := range 4 {
			go func() {
				if w%2 == 0 {
					_, err := svc.LinkPending(systemCtx(), 0)
					errs <- err
					return
				}
				for i := w; i < n; i += 4 {
					if _, err := svc.LinkReferral(systemCtx(), refs[i].ID); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		mustLinkedOnce(t, db)
		var subjects int
		db.RawDB().QueryRow(`SELECT COUNT(DISTINCT subject_id) FROM referrals`).Scan(&subjects)
		// Every e-mail (i%17) and phone (i%23) chain joins all 120 into one.
		if subjects != 1 {
			t.Fatalf("%d subjects, want the one every chain joins", subjects)
		}
	})
}

// TestLink_ForcesKeepSubjectsApart: a referral joining subjects of two
// forces is linked to the older and offered for review, not merged.
// mustKentAndEssex stores two forces, KNT covering postcode area CT and
// ESX covering CM.
func mustKentAndEssex(tb testing.TB, db *TestDB) {
	tb.Helper()
	for _, code := range []string{"KNT", "ESX"} {
		f := &safeguard.Force{Code: code, Name: "Force " + code, Areas: []string{map[string]string{"KNT": "CT", "ESX": "CM"}[code]}, Synthetic: true}
		if err := store.NewForceService(db.DB).CreateForce(systemCtx(), f); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestLink_ForcesKeepSubjectsApart(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustKentAndEssex(t, db)
		r1 := mustReferral(t, db, "K-1", []string{"email=quin@example.com", "address=1 Example Street, Testtown CT1 1AA"})
		r2 := mustReferral(t, db, "E-1", []string{"phone=+44 7700 900789", "address=2 Example Road, Testtown CM1 1AA"})
		linkAll(t, db)
		a, b := subjectOf(t, db, r1.ID), subjectOf(t, db, r2.ID)
		if a.ForceCode != "KNT" || b.ForceCode != "ESX" {
			t.Fatalf("forces %q and %q", a.ForceCode, b.ForceCode)
		}
		r3 := mustReferral(t, db, "X-1", []string{"email=quin@example.com", "phone=07700900789"})
		if sum := linkAll(t, db); sum.Merged != 0 || sum.Possible != 1 {
			t.Fatalf("summary %+v, want no merge and one possible link", sum)
		}
		if subjectOf(t, db, r3.ID).ID != a.ID || subjectOf(t, db, r2.ID).ID != b.ID {
			t.Fatal("the bridge moved referrals between forces")
		}
		if !strings.Contains(evidenceOf(subjectOf(t, db, r3.ID), r3.ID), "different forces (KNT, ESX)") {
			t.Errorf("evidence %q", evidenceOf(subjectOf(t, db, r3.ID), r3.ID))
		}
		mustLinkedOnce(t, db)
	})
}
