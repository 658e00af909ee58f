package store_test

import (
	"net/netip"
	"testing"

	"safeguard"
	"safeguard/store"
)

// attachLate attaches to the stored p2p referral ref a document bringing
// the identifiers and addresses given, and links what it brought, as an
// ingest run does with a late fileDetails.
func attachLate(tb testing.TB, db *TestDB, ref, key string, idents []safeguard.Identifier, ips ...string) safeguard.LinkSummary {
	tb.Helper()
	a := &safeguard.Attachment{Kind: safeguard.AttachFileDetails, Key: key, Document: []byte("<fileDetails><fileId>" + key + "</fileId></fileDetails>"),
		Identifiers: idents}
	for _, ip := range ips {
		a.IPEvents = append(a.IPEvents, safeguard.IPEvent{IP: netip.MustParseAddr(ip), TimeText: "2026-03-02T10:00:00Z", HasOffset: true})
	}
	if _, err := store.NewReferralService(db.DB).AttachToReferral(ctxAs(safeguard.RoleAnalyst, ""), safeguard.SourceP2P, ref, a); err != nil {
		tb.Fatal(err)
	}
	sum, err := store.NewLinkService(db.DB).LinkAttached(systemCtx(), safeguard.SourceP2P, ref, a)
	if err != nil {
		tb.Fatal(err)
	}
	return sum
}

// TestLink_AttachedIdentifiersLink: a device id a late document brings to
// a linked referral merges the subject carrying it with the referral's
// (the older subject stays, every referral linked once); run again it
// changes nothing; a shared address it brings is only offered as a
// possible link; and across forces a strong one is offered, not merged.
func TestLink_AttachedIdentifiersLink(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		r1 := mustReferral(t, db, "A-1", []string{"email=rowan@example.com"})
		r2 := mustReferral(t, db, "A-2", []string{"device_id=dev-shared-7"}, "198.51.100.77")
		r3 := mustReferral(t, db, "A-3", []string{"email=sky@example.org"}, "203.0.113.88")
		linkAll(t, db)
		s1, s2, s3 := subjectOf(t, db, r1.ID), subjectOf(t, db, r2.ID), subjectOf(t, db, r3.ID)
		if s1.ID == s2.ID || s2.ID == s3.ID {
			t.Fatal("referrals with nothing in common linked")
		}
		device := []safeguard.Identifier{{Kind: safeguard.IdentDeviceID, Value: "dev-shared-7"}}
		if sum := attachLate(t, db, "A-3", "f-1", device); sum.Merged != 1 {
			t.Fatalf("summary %+v, want one merge", sum)
		}
		if subjectOf(t, db, r3.ID).ID != s2.ID || subjectOf(t, db, r2.ID).ID != s2.ID || subjectOf(t, db, r1.ID).ID != s1.ID {
			t.Fatalf("after the attach: subjects %d %d %d, want %d %d %d", subjectOf(t, db, r1.ID).ID, subjectOf(t, db, r2.ID).ID,
				subjectOf(t, db, r3.ID).ID, s1.ID, s2.ID, s2.ID)
		}
		mustLinkedOnce(t, db)
		if sum := attachLate(t, db, "A-3", "f-1", device); sum.Merged != 0 || sum.Possible != 0 {
			t.Errorf("the same attachment again: %+v, want nothing", sum)
		}
		if sum := attachLate(t, db, "A-1", "f-2", nil, "198.51.100.77"); sum.Merged != 0 || sum.Possible != 1 {
			t.Errorf("a shared address attached: %+v, want one possible link and no merge", sum)
		}
		if subjectOf(t, db, r1.ID).ID != s1.ID {
			t.Error("a weak identifier merged subjects")
		}
		if links := mustPossible(t, db, s1.Ref); len(links) != 1 {
			t.Errorf("possible links of %s: %+v", s1.Ref, links)
		}
		mustLinkedOnce(t, db)

		mustKentAndEssex(t, db)
		k := mustReferral(t, db, "K-1", []string{"email=quin@example.com", "address=1 Example Street, Testtown CT1 1AA"})
		e := mustReferral(t, db, "E-1", []string{"device_id=dev-essex-1", "address=2 Example Road, Testtown CM1 1AA"})
		linkAll(t, db)
		kept := []safeguard.Identifier{{Kind: safeguard.IdentDeviceID, Value: "dev-essex-1"}}
		if sum := attachLate(t, db, "K-1", "f-3", kept); sum.Merged != 0 || sum.Possible != 1 {
			t.Errorf("a device id joining two forces' subjects: %+v, want one possible link and no merge", sum)
		}
		if a, b := subjectOf(t, db, k.ID), subjectOf(t, db, e.ID); a.ID == b.ID || a.ForceCode != "KNT" || b.ForceCode != "ESX" {
			t.Errorf("subjects %s (%s) and %s (%s) after the attach, want apart", a.Ref, a.ForceCode, b.Ref, b.ForceCode)
		}
		mustLinkedOnce(t, db)
	})
}
