package store_test

import (
	"errors"
	"testing"

	"safeguard"
	"safeguard/store"
)

// identSubject creates a subject held by force with the address and a
// referral carrying the identifiers.
func identSubject(tb testing.TB, db *TestDB, ref, force, address string, ids ...safeguard.Identifier) *safeguard.Subject {
	tb.Helper()
	s := &safeguard.Subject{Name: "Synthetic Person " + ref, Address: address, ForceCode: force, AttributionStatus: safeguard.AttrCorroborated}
	if err := store.NewSubjectService(db.DB).CreateSubject(systemCtx(), s); err != nil {
		tb.Fatal(err)
	}
	if len(ids) > 0 {
		r := &safeguard.Referral{Source: safeguard.SourceHotline, SourceRef: ref, Format: "json",
			Document: []byte(`{"synthetic":true}`), SubjectID: &s.ID, Identifiers: ids}
		if _, err := store.NewReferralService(db.DB).CreateReferral(systemCtx(), r); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// wantHits fails unless err is a deconfliction error holding a hit with
// the match, identifier kind, holder and force.
func wantHit(tb testing.TB, err error, match, identKind, heldBy, force string) *safeguard.DeconflictHit {
	tb.Helper()
	var de *safeguard.DeconflictionError
	if !errors.As(err, &de) || safeguard.ErrorCode(err) != safeguard.ECONFLICT {
		tb.Fatalf("want a deconfliction error, got %v", err)
	}
	return findHit(tb, de.Hits, match, identKind, heldBy, force)
}

func findHit(tb testing.TB, hits []*safeguard.DeconflictHit, match, identKind, heldBy, force string) *safeguard.DeconflictHit {
	tb.Helper()
	for _, h := range hits {
		if h.Match == match && h.IdentifierKind == identKind && h.HeldBy == heldBy && h.ForceCode == force {
			return h
		}
	}
	for _, h := range hits {
		tb.Logf("hit: %s", h)
	}
	tb.Fatalf("no %s/%s hit held by %s %s among %d", match, identKind, heldBy, force, len(hits))
	return nil
}

func TestDeconflict_EachIdentifierKindAndAddress(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		mustForce(t, db, "KNT")
		mustForce(t, db, "ESX")
		ops := store.NewOperationService(db.DB)
		coord := ctxAs(safeguard.RoleCoordinator, "")
		op := &safeguard.Operation{Code: "OP-ONE", Name: "One (synthetic)"}
		if err := ops.CreateOperation(coord, op); err != nil {
			t.Fatal(err)
		}
		held := []safeguard.Identifier{
			{Kind: safeguard.IdentEmail, Value: "held.person@example.com"},
			{Kind: safeguard.IdentPhone, Value: "+44 7700 900123"},
			{Kind: safeguard.IdentUsername, Value: "held_user@examplechat"},
			{Kind: safeguard.IdentAccountID, Value: "ACC-1001"},
			{Kind: safeguard.IdentDeviceID, Value: "00:1A:2B:3C:4D:5E"},
			{Kind: safeguard.IdentSubscriber, Value: "SUB-77"},
			{Kind: safeguard.IdentAddress, Value: "9 Example Lane, CT2 2BB"},
		}
		a := identSubject(t, db, "HOLD-A", "KNT", "1 Example Street, CT1 1AA", held...)
		pa := &safeguard.Package{OperationID: op.ID, SubjectID: a.ID}
		if err := ops.SendPackage(coord, pa); err != nil {
			t.Fatalf("first package: %v", err)
		}
		// The same identifiers written another way still match, by
		// normalised blind index (linking's rules: account, subscriber and opaque device ids keep
		// their case, so only their spacing differs; a MAC address's does not).
		other := map[string]string{
			safeguard.IdentEmail: "Held.Person@EXAMPLE.com", safeguard.IdentPhone: "+44 (0)7700-900123",
			safeguard.IdentUsername: "HELD_USER@examplechat", safeguard.IdentAccountID: " ACC-1001 ",
			safeguard.IdentDeviceID: "00-1a-2b-3c-4d-5e", safeguard.IdentSubscriber: "SUB- 77",
			safeguard.IdentAddress: "9  example lane,  ct2 2bb",
		}
		for _, h := range held {
			value := other[h.Kind]
			if h.Kind == safeguard.IdentPhone {
				value = "+447700900123"
			}
			b := identSubject(t, db, "B-"+h.Kind, "ESX", "", safeguard.Identifier{Kind: h.Kind, Value: value})
			err := ops.SendPackage(coord, &safeguard.Package{OperationID: op.ID, SubjectID: b.ID})
			match, kind := safeguard.MatchIdentifier, h.Kind
			if h.Kind == safeguard.IdentAddress {
				match, kind = safeguard.MatchIdentifier, safeguard.IdentAddress
			}
			hit := wantHit(t, err, match, kind, safeguard.HeldByPackage, "KNT")
			if hit.PackageID != pa.ID || hit.OperationCode != "OP-ONE" || hit.SubjectRef != a.Ref {
				t.Fatalf("%s: hit %+v", h.Kind, hit)
			}
			wantHit(t, err, match, kind, safeguard.HeldByAllocation, "KNT")
		}
		// The installation address, with no referral at all.
		c := identSubject(t, db, "C", "ESX", "1 EXAMPLE STREET,  CT1 1AA")
		err := ops.SendPackage(coord, &safeguard.Package{OperationID: op.ID, SubjectID: c.ID})
		if hit := wantHit(t, err, safeguard.MatchAddress, "", safeguard.HeldByPackage, "KNT"); hit.PackageID != pa.ID {
			t.Fatalf("address hit %+v", hit)
		}
		// The subject itself, sent to another force.
		err = ops.SendPackage(coord, &safeguard.Package{OperationID: op.ID, SubjectID: a.ID, ForceCode: "ESX"})
		wantHit(t, err, safeguard.MatchSubject, "", safeguard.HeldByPackage, "KNT")
		wantHit(t, err, safeguard.MatchSubject, "", safeguard.HeldByAllocation, "KNT")
		if n := auditActionCount(t, db, "package.send"); n != 1 {
			t.Fatalf("%d packages sent despite conflicts", n)
		}

		// Confirming coordination lets the package go, audited.
		pc := &safeguard.Package{OperationID: op.ID, SubjectID: c.ID, Coordinated: true}
		if err := ops.SendPackage(coord, pc); err != nil {
			t.Fatal(err)
		}
		if n := auditActionCount(t, db, "deconflict.confirm"); n != 1 {
			t.Fatalf("%d deconflict.confirm events", n)
		}
		// A warrant on C's package now meets A's package by address.
		w := &safeguard.Action{PackageID: pc.ID, Kind: safeguard.ActWarrantApplied, At: t0}
		_, err = ops.RecordAction(ctxAs(safeguard.RoleInvestigator, "ESX"), w)
		wantHit(t, err, safeguard.MatchAddress, "", safeguard.HeldByPackage, "KNT")
		w.Coordinated = true
		if _, err := ops.RecordAction(ctxAs(safeguard.RoleInvestigator, "ESX"), w); err != nil {
			t.Fatal(err)
		}
		if n := auditActionCount(t, db, "deconflict.confirm"); n != 2 {
			t.Fatalf("%d deconflict.confirm events", n)
		}
		// Non-warrant actions are not held up.
		if _, err := ops.RecordAction(ctxAs(safeguard.RoleInvestigator, "ESX"), &safeguard.Action{PackageID: pc.ID, Kind: safeguard.ActSearch, At: t0}); err != nil {
			t.Fatal(err)
		}

		// The check offered to other systems, by identifiers alone.
		esx := ctxAs(safeguard.RoleInvestigator, "ESX")
		hits, err := ops.Deconflict(esx, safeguard.DeconflictRequest{Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentDeviceID, Value: "001a.2b3c.4d5e"}}})
		if err != nil {
			t.Fatal(err)
		}
		findHit(t, hits, safeguard.MatchIdentifier, safeguard.IdentDeviceID, safeguard.HeldByPackage, "KNT")
		hits, err = ops.Deconflict(esx, safeguard.DeconflictRequest{Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: "nobody@example.org"}}})
		if err != nil || len(hits) != 0 {
			t.Fatalf("unrelated identifier: %v, %v", hits, err)
		}
		_, err = ops.Deconflict(esx, safeguard.DeconflictRequest{})
		wantCode(t, err, safeguard.EINVALID)
		_, err = ops.Deconflict(esx, safeguard.DeconflictRequest{Identifiers: []safeguard.Identifier{{Kind: "shoe_size", Value: "9"}}})
		wantCode(t, err, safeguard.EINVALID)
		_, err = ops.Deconflict(ctxAs(safeguard.RoleAuditor, ""), safeguard.DeconflictRequest{Address: "1 Example Street"})
		wantCode(t, err, safeguard.EFORBIDDEN)
		if n := auditActionCount(t, db, "deconflict.check"); n != 2 {
			t.Fatalf("%d deconflict.check events", n)
		}

		// A closed operation holds nothing; the allocation still counts.
		closed := safeguard.OpClosed
		if _, err := ops.UpdateOperation(coord, "OP-ONE", safeguard.OperationUpdate{Status: &closed}); err != nil {
			t.Fatal(err)
		}
		hits, err = ops.Deconflict(coord, safeguard.DeconflictRequest{Address: "1 example street, ct1 1aa"})
		if err != nil || len(hits) != 0 {
			t.Fatalf("after closing: %v, %v", hits, err)
		}
		hits, err = ops.Deconflict(coord, safeguard.DeconflictRequest{SubjectID: a.ID, ForceCode: "ESX"})
		if err != nil || len(hits) != 1 || hits[0].HeldBy != safeguard.HeldByAllocation {
			t.Fatalf("after closing, subject: %v, %v", hits, err)
		}
		mustAuditIntact(t, db)
	})
}
