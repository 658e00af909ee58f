package store_test

import (
	"reflect"
	"testing"

	"safeguard"
	"safeguard/store"
)

// ingestRef is a referral for the ingest attribution test: an e-mail
// that links it, and its events (the time exactly as a source gave it).
func ingestRef(ref, email string, events ...ev) *safeguard.Referral {
	r := &safeguard.Referral{Source: safeguard.SourceP2P, SourceRef: ref, Platform: "p2p.example", Format: "json",
		Document: []byte(`{"ref":"` + ref + `"}`), Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: email}},
		IPEvents: ipEvents(events...)}
	return r
}

// ingestBatches are two batches of referrals: four people, one of them
// seen again in the second batch, between them every event status.
func ingestBatches() [][]*safeguard.Referral {
	return [][]*safeguard.Referral{{
		// Corroborated: two independent events at the same subscriber, in
		// two referrals linked by their e-mail (the second in batch two).
		ingestRef("ING-1", "corr@example.com", ev{ip: "198.51.100.7", time: "2026-02-03T10:00:00Z"}),
		// Ambiguous: two subscribers, a time without an offset, CGNAT
		// without a port, a port outside the blocks, a proxy.
		ingestRef("ING-2", "amb@example.com",
			ev{ip: "203.0.113.20", time: "2026-02-01T11:30:00Z"}, ev{ip: "198.51.100.7", time: "2026-02-03 10:00"},
			ev{ip: "100.64.1.1", time: "2026-02-03T10:00:00Z"}, ev{ip: "100.64.1.1", time: "2026-02-03T10:00:00Z", port: 3000},
			ev{ip: "192.0.2.66", time: "2026-02-03T10:00:00Z"}),
		// Unresolved: no lease covers it.
		ingestRef("ING-3", "none@example.com", ev{ip: "192.0.2.200", time: "2026-02-03T10:00:00Z"}),
	}, {
		ingestRef("ING-4", "corr@example.com", ev{ip: "198.51.100.7", time: "2026-02-05T18:30:00+01:00"}),
		// Confirmed by a CGNAT port block, and an IPv6 delegation.
		ingestRef("ING-5", "cgnat@example.com", ev{ip: "100.64.1.1", time: "2026-02-03T10:00:00+01:00", port: 1500},
			ev{ip: "2001:db8:12:3456::1", time: "2026-02-03T10:00:00Z"}),
	}}
}

// TestIngestAttribution_SameAsResolveSubject ingests referrals after the
// leases are imported, storing, linking and marking them batch by batch
// and resolving the marked subjects at the end as `safeguard ingest`
// does, and checks that every subject ends exactly as linking the same
// referrals and resolving each subject through ResolveSubject leaves it in
// a second database: per-event statuses, reasons, subscribers and imports,
// the subject's status, reasons, installation and billing addresses, note,
// address and force.
func TestIngestAttribution_SameAsResolveSubject(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		ref := MustOpenDB(t, db.Dialect())
		for _, d := range []*TestDB{db, ref} {
			attrForces(t, d)
			svc := store.NewAttributionService(d.DB)
			mustImport(t, svc, safeguard.ImportISPCSV, "isp.csv", ispFixture)
			mustImport(t, svc, safeguard.ImportProxyList, "exits.txt", "192.0.2.64/29 # synthetic exits\n")
		}

		// The ingest way: store and link each batch in one transaction,
		// then resolve what was marked.
		links := store.NewLinkService(db.DB)
		links.Attribute = store.NewAttributionService(db.DB).ForIngest()
		for _, batch := range ingestBatches() {
			if _, _, err := links.CreateAndLinkReferrals(systemCtx(), batch); err != nil {
				t.Fatal(err)
			}
		}
		if n := countRows(t, db, "attribution_pending"); n != 4 {
			t.Fatalf("%d subjects marked, want 4", n)
		}
		n, err := links.AttributePending(systemCtx())
		if err != nil || n != 4 {
			t.Fatalf("AttributePending = %d, %v; want 4 subjects", n, err)
		}
		if left := countRows(t, db, "attribution_pending"); left != 0 {
			t.Fatalf("%d marks left", left)
		}
		if n, err := links.AttributePending(systemCtx()); err != nil || n != 0 {
			t.Fatalf("second AttributePending = %d, %v; want nothing to do", n, err)
		}

		// The existing way, in the other database.
		refReferrals := store.NewReferralService(ref.DB)
		for _, batch := range ingestBatches() {
			if _, err := refReferrals.CreateReferrals(systemCtx(), batch); err != nil {
				t.Fatal(err)
			}
		}
		linkAll(t, ref)
		refSvc := store.NewAttributionService(ref.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		for id := int64(1); id <= 4; id++ {
			if _, err := refSvc.ResolveSubject(analyst, id); err != nil {
				t.Fatal(err)
			}
		}

		statuses := map[string]int{}
		svc := store.NewAttributionService(db.DB)
		for id := int64(1); id <= 4; id++ {
			got, err := svc.FindSubjectAttribution(analyst, id)
			if err != nil {
				t.Fatal(err)
			}
			want, err := refSvc.FindSubjectAttribution(analyst, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("subject %d: ingest gave\n%+v\nResolveSubject gave\n%+v", id, got, want)
			}
			for _, e := range got.Events {
				statuses[e.Status]++
				if e.Status == "" {
					t.Errorf("subject %d: event %d not resolved", id, e.IPEventID)
				}
			}
			statuses["subject "+got.Status]++
			gs, err := store.NewSubjectService(db.DB).FindSubjectByID(analyst, id)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := store.NewSubjectService(ref.DB).FindSubjectByID(analyst, id)
			if err != nil {
				t.Fatal(err)
			}
			if gs.Ref != ws.Ref || gs.Address != ws.Address || gs.ForceCode != ws.ForceCode || gs.AttributionStatus != ws.AttributionStatus {
				t.Errorf("subject %d: ingest left %s %q %s %s, ResolveSubject %s %q %s %s", id,
					gs.Ref, gs.Address, gs.ForceCode, gs.AttributionStatus, ws.Ref, ws.Address, ws.ForceCode, ws.AttributionStatus)
			}
		}
		for _, k := range []string{safeguard.AttrConfirmed, safeguard.AttrAmbiguous, safeguard.AttrUnresolved,
			"subject " + safeguard.AttrCorroborated, "subject " + safeguard.AttrAmbiguous, "subject " + safeguard.AttrUnresolved} {
			if statuses[k] == 0 {
				t.Errorf("no %s in the case: %v", k, statuses)
			}
		}
		// The corroborated subject took its installation address's force.
		s := subjectOf(t, db, 1)
		if s.AttributionStatus != safeguard.AttrCorroborated || s.Address != "1 Example Street, CT1 1AA" || s.ForceCode != "KNT" {
			t.Errorf("corroborated subject: %+v", s)
		}
		if n := auditActionCount(t, db, "attribution.resolve"); n != 4 {
			t.Errorf("%d attribution.resolve events, want 4", n)
		}
		mustLinkedOnce(t, db)
		mustAuditIntact(t, db)
	})
}

// TestIngestAttribution_NoImportNoMarks: without any import, an ingest
// batch marks nothing and its subjects stay unresolved, unresolved rows
// not written.
func TestIngestAttribution_NoImportNoMarks(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		links := store.NewLinkService(db.DB)
		links.Attribute = store.NewAttributionService(db.DB).ForIngest()
		if _, _, err := links.CreateAndLinkReferrals(systemCtx(), ingestBatches()[0]); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "attribution_pending"); n != 0 {
			t.Fatalf("%d subjects marked without leases", n)
		}
		if n, err := links.AttributePending(systemCtx()); err != nil || n != 0 {
			t.Fatalf("AttributePending = %d, %v", n, err)
		}
		if n := countRows(t, db, "ip_event_attributions"); n != 0 {
			t.Fatalf("%d event attributions stored", n)
		}
	})
}
