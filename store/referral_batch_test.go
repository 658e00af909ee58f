package store_test

import (
	"fmt"
	"strings"
	"testing"

	"safeguard"
	"safeguard/store"
)

func TestReferral_CreateReferrals(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		rs := store.NewReferralService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		if dup, err := rs.CreateReferral(analyst, sampleReferral("CT-1")); err != nil || dup {
			t.Fatalf("single: dup=%v err=%v", dup, err)
		}
		// CT-1 is stored already and CT-3 comes twice in the batch.
		batch := []*safeguard.Referral{sampleReferral("CT-2"), sampleReferral("CT-1"), sampleReferral("CT-3"), sampleReferral("CT-3")}
		dups, err := rs.CreateReferrals(analyst, batch)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(dups), "[false true false true]"; got != want {
			t.Fatalf("dups = %s, want %s", got, want)
		}
		if batch[3].ID != batch[2].ID || batch[1].ID == 0 || batch[0].Identifiers[0].ID == 0 || batch[0].IPEvents[1].ID == 0 || batch[0].Files[0].ID == 0 {
			t.Fatalf("ids not set: %d %d %d", batch[1].ID, batch[2].ID, batch[3].ID)
		}
		got, err := rs.FindReferralByID(analyst, batch[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Document) != string(batch[0].Document) || len(got.Identifiers) != 2 || len(got.IPEvents) != 2 ||
			!got.IPEvents[1].PossibleProxy || got.IPEvents[0].At == nil || len(got.Files) != 1 || got.Files[0].Name != "IMG_0001.jpg" {
			t.Fatalf("read back %+v", got)
		}
		// One audit event for the single referral, one for the batch naming
		// both new referrals.
		events, _, err := store.NewAuditService(db.DB).FindAuditEvents(systemCtx(), safeguard.AuditFilter{Action: "referral.create"})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 {
			t.Fatalf("%d referral.create events, want 2", len(events))
		}
		want := fmt.Sprintf("batch referrals=2 duplicates=2 identifiers=4 ip_events=4 files=2 ids=%d-%d", batch[0].ID, batch[2].ID)
		if batch[2].ID != batch[0].ID+1 {
			want = fmt.Sprintf("batch referrals=2 duplicates=2 identifiers=4 ip_events=4 files=2 ids=%d,%d", batch[0].ID, batch[2].ID)
		}
		if events[0].Detail != want {
			t.Fatalf("batch audit detail %q, want %q", events[0].Detail, want)
		}

		count := func() int {
			var n int
			db.RawDB().QueryRow(`SELECT COUNT(*) FROM referrals`).Scan(&n)
			return n
		}
		// All duplicates: nothing stored, nothing audited.
		again := []*safeguard.Referral{sampleReferral("CT-2"), sampleReferral("CT-3")}
		if dups, err := rs.CreateReferrals(analyst, again); err != nil || fmt.Sprint(dups) != "[true true]" {
			t.Fatalf("again: %v %v", dups, err)
		}
		// One bad referral fails the whole batch: nothing partial.
		broken := sampleReferral("CT-5")
		broken.ForceCode = "NOPE"
		_, err = rs.CreateReferrals(analyst, []*safeguard.Referral{sampleReferral("CT-4"), broken})
		wantCode(t, err, safeguard.ENOTFOUND)
		bad := sampleReferral("CT-6")
		bad.DocumentSHA256 = "00"
		_, err = rs.CreateReferrals(analyst, []*safeguard.Referral{sampleReferral("CT-4"), bad})
		wantCode(t, err, safeguard.EINVALID)
		if n := count(); n != 3 {
			t.Fatalf("%d referrals after failed batches, want 3", n)
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "referral.create"}); n != 2 {
			t.Fatalf("referral.create rows = %d, want 2", n)
		}
		_, err = rs.CreateReferrals(ctxAs(safeguard.RoleSupervisor, "KNT"), []*safeguard.Referral{sampleReferral("CT-7")})
		wantCode(t, err, safeguard.EFORBIDDEN)
		if dups, err := rs.CreateReferrals(analyst, nil); err != nil || len(dups) != 0 {
			t.Fatalf("empty batch: %v %v", dups, err)
		}
		big := make([]*safeguard.Referral, store.MaxReferralBatch+1)
		_, err = rs.CreateReferrals(analyst, big)
		if wantCode(t, err, safeguard.EINVALID); !strings.Contains(err.Error(), "at most") {
			t.Fatal(err)
		}
		// A bigger batch lands whole.
		many := make([]*safeguard.Referral, 300)
		for i := range many {
			many[i] = sampleReferral(fmt.Sprintf("CT-M%03d", i))
		}
		if _, err := rs.CreateReferrals(analyst, many); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 303 {
			t.Fatalf("%d referrals, want 303", n)
		}
		// Past the first multi-row INSERT, rows still get their own IDs.
		last := many[len(many)-1]
		back, err := rs.FindReferralByID(analyst, last.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, ident := range back.Identifiers {
			if ident.ID != last.Identifiers[i].ID || ident.Value != last.Identifiers[i].Value {
				t.Fatalf("identifier %d: stored %d %q, set %d %q", i, ident.ID, ident.Value, last.Identifiers[i].ID, last.Identifiers[i].Value)
			}
		}
		for i, e := range back.IPEvents {
			if e.ID != last.IPEvents[i].ID || e.TimeText != last.IPEvents[i].TimeText {
				t.Fatalf("ip event %d: stored %d, set %d", i, e.ID, last.IPEvents[i].ID)
			}
		}
		if back.SourceRef != "CT-M299" || back.Files[0].ID != last.Files[0].ID {
			t.Fatalf("read back %s, file %d (set %d)", back.SourceRef, back.Files[0].ID, last.Files[0].ID)
		}
	})
}
