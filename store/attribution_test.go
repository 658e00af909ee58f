package store_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// ispFixture is a synthetic ISP response: documentation-range and CGNAT
// addresses, fictional subscribers and example addresses. SUB-1001's
// installation address is in Kent's area (CT), its billing address in
// Essex's (CM), so using the wrong one would send the wrong force.
const ispFixture = `ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address,shared
198.51.100.7,,,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-1001,Fictional Resident,"1 Example Street, CT1 1AA","PO Box 9, CM1 1AA",
203.0.113.20,,,2026-02-01T00:00:00Z,2026-02-01T12:00:00Z,SUB-2002,Other Fictional,"2 Example Road, CM2 2BB",,
203.0.113.20,,,2026-02-01T11:00:00Z,2026-02-02T00:00:00Z,SUB-3003,Third Fictional,"3 Example Lane, CM3 3CC",,
100.64.1.1,1024,2047,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-4004,Shared Fictional,"4 Example Close, CT4 4DD",,true
192.0.2.66,,,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-5005,Proxy Fictional,"5 Example Mews, CT5 5EE",,
2001:db8:12:3400::/56,,,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-6006,Six Fictional,"6 Example Row, CT6 6FF",,
`

// attrForces creates Kent (CT) and Essex (CM).
func attrForces(tb testing.TB, db *TestDB) {
	tb.Helper()
	for _, f := range []*safeguard.Force{
		{Code: "KNT", Name: "Kent (synthetic)", Areas: []string{"CT"}, Synthetic: true},
		{Code: "ESX", Name: "Essex (synthetic)", Areas: []string{"CM"}, Synthetic: true},
	} {
		if err := store.NewForceService(db.DB).CreateForce(systemCtx(), f); err != nil {
			tb.Fatal(err)
		}
	}
}

// ev is an IP event for attrSubject: the time exactly as a source gave it.
type ev struct {
	ip, time string
	port     int // 0 for none
	proxy    bool
}

// attrSubject creates a subject and a referral carrying the events,
// linked to it.
func attrSubject(tb testing.TB, db *TestDB, ref string, subj *safeguard.Subject, events ...ev) *safeguard.Subject {
	tb.Helper()
	ctx := systemCtx()
	if err := store.NewSubjectService(db.DB).CreateSubject(ctx, subj); err != nil {
		tb.Fatal(err)
	}
	r := &safeguard.Referral{Source: safeguard.SourceP2P, SourceRef: ref, Format: "json", Document: []byte(`{"synthetic":true}`),
		IPEvents: ipEvents(events...)}
	if _, err := store.NewReferralService(db.DB).CreateReferral(ctx, r); err != nil {
		tb.Fatal(err)
	}
	if err := store.NewSubjectService(db.DB).LinkReferral(ctx, safeguard.SubjectLink{SubjectID: subj.ID, ReferralID: r.ID, Evidence: "synthetic"}); err != nil {
		tb.Fatal(err)
	}
	return subj
}

// ipEvents turns evs into IP events as a referral carries them: an
// instant only for a time with an offset.
func ipEvents(evs ...ev) []safeguard.IPEvent {
	var out []safeguard.IPEvent
	for _, e := range evs {
		ie := safeguard.IPEvent{IP: netip.MustParseAddr(e.ip), TimeText: e.time, PossibleProxy: e.proxy}
		if t, err := time.Parse(time.RFC3339, e.time); err == nil {
			t = t.UTC()
			ie.At, ie.HasOffset = &t, true
		}
		if e.port != 0 {
			p := e.port
			ie.Port = &p
		}
		out = append(out, ie)
	}
	return out
}

func mustImport(tb testing.TB, svc *store.AttributionService, kind, name, doc string) *safeguard.AttributionImport {
	tb.Helper()
	imp := &safeguard.AttributionImport{Kind: kind, FileName: name}
	if err := svc.ImportAttributionFile(ctxAs(safeguard.RoleAnalyst, ""), imp, strings.NewReader(doc)); err != nil {
		tb.Fatal(err)
	}
	return imp
}

func countRows(tb testing.TB, db *TestDB, table string) int {
	tb.Helper()
	var n int
	if err := db.RawDB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestAttribution_ImportAllOrNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		svc := store.NewAttributionService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		for _, tt := range []struct {
			kind, name, doc, want string
		}{
			// Line 3 has no offset: nothing of line 2 may be stored.
			{safeguard.ImportISPCSV, "bad.csv", "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n" +
				"198.51.100.7,,,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-1,A,,\n" +
				"198.51.100.8,,,2026-02-01 14:00:00,2026-02-10T00:00:00Z,SUB-2,B,,\n", "bad.csv:3"},
			// A 12-hour clock without AM/PM.
			{safeguard.ImportISPCSV, "clock.csv", "198.51.100.7,,,2026-02-01 07:15:00,2026-02-10T00:00:00Z,SUB-1,A,,\n", "clock.csv:1"},
			{safeguard.ImportRADIUS, "acct.log", "Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name\n" +
				"2026-03-05T08:00:00Z,Start,S1,192.0.2.80,rita@example.com\n2026-03-05T09:00:00Z,Start,S2,not-an-ip,sam@example.com\n", "acct.log:3"},
			{safeguard.ImportProxyList, "exits.txt", "192.0.2.64/29\nexit.example.org\n", "exits.txt:2"},
			{safeguard.ImportISPCSV, "empty.csv", "", "no leases"},
			{"whois", "x.txt", "192.0.2.1\n", "unknown import kind"},
		} {
			err := svc.ImportAttributionFile(analyst, &safeguard.AttributionImport{Kind: tt.kind, FileName: tt.name}, strings.NewReader(tt.doc))
			wantCode(t, err, safeguard.EINVALID)
			if !strings.Contains(safeguard.ErrorMessage(err), tt.want) {
				t.Errorf("%s: error %q does not name %q", tt.name, safeguard.ErrorMessage(err), tt.want)
			}
		}
		for _, table := range []string{"attribution_imports", "leases", "proxy_ranges"} {
			if n := countRows(t, db, table); n != 0 {
				t.Fatalf("%d rows in %s after refused imports", n, table)
			}
		}
		// Only an analyst or coordinator imports.
		err := svc.ImportAttributionFile(ctxAs(safeguard.RoleInvestigator, "KNT"), &safeguard.AttributionImport{Kind: safeguard.ImportISPCSV, FileName: "x.csv"}, strings.NewReader("not, a lease file"))
		wantCode(t, err, safeguard.EFORBIDDEN)
		if n := auditActionCount(t, db, "access.denied"); n != 1 {
			t.Fatalf("%d access.denied events", n)
		}

		imp := mustImport(t, svc, safeguard.ImportISPCSV, "/tmp/client/path/isp-response.csv", ispFixture)
		if imp.ID == 0 || imp.Rows != 6 || imp.FileName != "isp-response.csv" || len(imp.SHA256) != 64 || imp.ImportedBy != "user:1:analyst1" ||
			imp.From == nil || !imp.From.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) || !imp.To.Equal(time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("import = %+v", imp)
		}
		mustImport(t, svc, safeguard.ImportProxyList, "exits.txt", "# synthetic exits\n192.0.2.64/29 tor\n2001:db8:ee::/48\n")
		list, err := svc.FindAttributionImports(analyst, 0)
		if err != nil || len(list) != 2 || list[0].Kind != safeguard.ImportProxyList || list[0].Rows != 2 || list[1].ID != imp.ID || list[1].SHA256 != imp.SHA256 {
			t.Fatalf("FindAttributionImports = %+v, %v", list, err)
		}
		if n := auditActionCount(t, db, "attribution.import"); n != 2 {
			t.Fatalf("%d attribution.import events", n)
		}
		// Personal data is sealed: no subscriber id, name or address in clear.
		var sub, inst []byte
		if err := db.RawDB().QueryRow(`SELECT subscriber_enc, install_address_enc FROM leases ORDER BY id LIMIT 1`).Scan(&sub, &inst); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sub), "SUB-1001") || strings.Contains(string(inst), "Example Street") || len(sub) == 0 {
			t.Fatalf("lease personal data not sealed: %q %q", sub, inst)
		}
		mustAuditIntact(t, db)
	})
}

// attrCase is a subject whose events each resolve to one status with the
// reason named.
type attrCase struct {
	events []ev
	want   []string // per event: status + " " + reason code
}

func TestAttribution_ResolveStatusesAndReasons(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		attrForces(t, db)
		svc := store.NewAttributionService(db.DB)
		mustImport(t, svc, safeguard.ImportISPCSV, "isp.csv", ispFixture)
		mustImport(t, svc, safeguard.ImportProxyList, "exits.txt", "192.0.2.64/29 # synthetic exits\n")
		c := attrCase{
			events: []ev{
				{ip: "203.0.113.20", time: "2026-02-01T11:30:00Z"},
				{ip: "198.51.100.7", time: "2026-02-03 10:00"},
				{ip: "100.64.1.1", time: "2026-02-03T10:00:00Z"},
				{ip: "100.64.1.1", time: "2026-02-03T10:00:00Z", port: 3000},
				{ip: "198.51.100.7", time: "2026-02-09T23:59:30Z"},
				{ip: "192.0.2.66", time: "2026-02-03T10:00:00Z"},
				{ip: "198.51.100.7", time: "2026-02-06T10:00:00Z", proxy: true},
				{ip: "192.0.2.200", time: "2026-02-03T10:00:00Z"},
				{ip: "100.64.1.1", time: "2026-02-03T10:00:00+01:00", port: 1500},
			},
			want: []string{
				"ambiguous multiple_subscribers",
				"ambiguous time_without_offset",
				"ambiguous shared_address_without_port",
				"ambiguous port_outside_allocated_blocks",
				"ambiguous near_lease_boundary",
				"ambiguous known_vpn_proxy_tor_exit",
				"ambiguous possible_proxy",
				"unresolved no_lease_covers",
				"confirmed lease_covers_with_margin",
			},
		}
		subj := attrSubject(t, db, "P2P-AMB", &safeguard.Subject{Name: "Fictional Ambiguous"}, c.events...)
		got, err := svc.ResolveSubject(ctxAs(safeguard.RoleAnalyst, ""), subj.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Events) != len(c.want) {
			t.Fatalf("%d events, want %d", len(got.Events), len(c.want))
		}
		for i, a := range got.Events {
			status, code, _ := strings.Cut(c.want[i], " ")
			if a.Status != status || !hasReason(a.Reasons, code) || a.IP != c.events[i].ip || a.TimeText != c.events[i].time {
				t.Errorf("event %d (%s at %s): %s %+v, want %s with %s", i, a.IP, a.TimeText, a.Status, a.Reasons, status, code)
			}
			for _, r := range a.Reasons {
				if r.Text == "" {
					t.Errorf("event %d: reason %s without a sentence", i, r.Code)
				}
			}
			if (a.Status == safeguard.AttrConfirmed) != (a.SubscriberID != "") {
				t.Errorf("event %d: %s with subscriber %q", i, a.Status, a.SubscriberID)
			}
			if a.Status != safeguard.AttrUnresolved && len(a.ImportIDs) == 0 {
				t.Errorf("event %d: no import ids", i)
			}
		}
		if e := got.Events[8]; e.SubscriberID != "SUB-4004" || e.InstallAddress != "4 Example Close, CT4 4DD" || e.At == nil {
			t.Errorf("CGNAT event with port: %+v", e)
		}
		// One confirmed event only: confirmed, not corroborated.
		if got.Status != safeguard.AttrConfirmed || !hasReason(got.Reasons, "only_one_confirmed_event") {
			t.Errorf("subject %s %+v, want confirmed with only_one_confirmed_event", got.Status, got.Reasons)
		}
		// Stored: read back, with the subject's status set.
		again, err := svc.FindSubjectAttribution(ctxAs(safeguard.RoleAnalyst, ""), subj.ID)
		if err != nil || again.Status != safeguard.AttrConfirmed || len(again.Events) != 9 || again.ResolvedAt == nil ||
			again.Events[0].Reasons[0].Text != got.Events[0].Reasons[0].Text {
			t.Fatalf("FindSubjectAttribution = %+v, %v", again, err)
		}
		s, err := store.NewSubjectService(db.DB).FindSubjectByID(ctxAs(safeguard.RoleAnalyst, ""), subj.ID)
		if err != nil || s.AttributionStatus != safeguard.AttrConfirmed {
			t.Fatalf("subject = %+v, %v", s, err)
		}
		// An IPv6 delegation: the lease is found by its /56 prefix.
		v6 := attrSubject(t, db, "P2P-V6", &safeguard.Subject{Name: "Fictional Six"}, ev{ip: "2001:db8:12:3456::1", time: "2026-02-03T10:00:00Z"})
		got, err = svc.ResolveSubject(ctxAs(safeguard.RoleAnalyst, ""), v6.ID)
		if err != nil || got.Status != safeguard.AttrConfirmed || got.SubscriberID != "SUB-6006" || got.Events[0].InstallAddress != "6 Example Row, CT6 6FF" {
			t.Fatalf("IPv6 subject = %+v, %v", got, err)
		}
		if n := auditActionCount(t, db, "attribution.resolve"); n != 2 {
			t.Fatalf("%d attribution.resolve events", n)
		}
		// Reasons are sealed: codes in clear, sentences (naming subscribers) not.
		var codes string
		var sealed []byte
		if err := db.RawDB().QueryRow(`SELECT reason_codes, reasons_enc FROM ip_event_attributions WHERE status = 'confirmed'`).Scan(&codes, &sealed); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(codes, "lease_covers_with_margin") || strings.Contains(string(sealed), "SUB-4004") {
			t.Fatalf("codes %q, sealed %q", codes, sealed)
		}
	})
}

func hasReason(rs []safeguard.AttributionReason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

func TestAttribution_CorroborationSetsInstallationAddress(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		attrForces(t, db)
		svc := store.NewAttributionService(db.DB)
		// Subjects exist before the import: the import resolves them.
		corr := attrSubject(t, db, "P2P-CORR", &safeguard.Subject{Name: "Fictional Corroborated"},
			ev{ip: "198.51.100.7", time: "2026-02-03T10:00:00Z"}, ev{ip: "198.51.100.7", time: "2026-02-05T18:30:00+01:00"})
		// An analyst set this one's address and force by hand.
		kept := attrSubject(t, db, "P2P-KEPT", &safeguard.Subject{Name: "Fictional Kept", Address: "9 Analyst Road, CM9 9ZZ", ForceCode: "ESX"},
			ev{ip: "198.51.100.7", time: "2026-02-04T09:00:00Z"}, ev{ip: "198.51.100.7", time: "2026-02-07T09:00:00Z"})
		near := attrSubject(t, db, "P2P-NEAR", &safeguard.Subject{Name: "Fictional Close"},
			ev{ip: "198.51.100.7", time: "2026-02-04T09:00:00Z"}, ev{ip: "198.51.100.7", time: "2026-02-04T09:20:00Z"})
		outside := attrSubject(t, db, "P2P-OUT", &safeguard.Subject{Name: "Fictional Outside"}, ev{ip: "198.51.100.7", time: "2026-03-20T09:00:00Z"})

		imp := mustImport(t, svc, safeguard.ImportISPCSV, "isp.csv", ispFixture)
		if imp.SubjectsResolved != 3 {
			t.Fatalf("import re-resolved %d subjects, want 3 (not the one outside its span)", imp.SubjectsResolved)
		}
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		subjects := store.NewSubjectService(db.DB)
		got, err := svc.FindSubjectAttribution(analyst, corr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != safeguard.AttrCorroborated || got.SubscriberID != "SUB-1001" || !hasReason(got.Reasons, "independent_events_same_subscriber") ||
			got.InstallAddress != "1 Example Street, CT1 1AA" || got.BillingAddress != "PO Box 9, CM1 1AA" || !got.AddressFromInstallation {
			t.Fatalf("corroborated subject = %+v", got)
		}
		s, err := subjects.FindSubjectByID(analyst, corr.ID)
		// The installation address (Kent), never the billing one (Essex).
		if err != nil || s.Address != "1 Example Street, CT1 1AA" || s.ForceCode != "KNT" || s.AttributionStatus != safeguard.AttrCorroborated {
			t.Fatalf("corroborated subject = %+v, %v", s, err)
		}

		got, err = svc.FindSubjectAttribution(analyst, kept.ID)
		if err != nil || got.Status != safeguard.AttrCorroborated || got.AddressFromInstallation || !strings.Contains(got.AddressNote, "was kept") {
			t.Fatalf("hand-set subject = %+v, %v", got, err)
		}
		s, err = subjects.FindSubjectByID(analyst, kept.ID)
		if err != nil || s.Address != "9 Analyst Road, CM9 9ZZ" || s.ForceCode != "ESX" {
			t.Fatalf("hand-set subject changed: %+v, %v", s, err)
		}
		if a, f := auditActionCount(t, db, "attribution.address.kept"), auditActionCount(t, db, "attribution.force.kept"); a != 1 || f != 1 {
			t.Fatalf("kept events: address %d, force %d", a, f)
		}

		got, err = svc.FindSubjectAttribution(analyst, near.ID)
		if err != nil || got.Status != safeguard.AttrConfirmed || !hasReason(got.Reasons, "confirmed_events_not_independent") {
			t.Fatalf("events 20 minutes apart = %+v, %v", got, err)
		}
		got, err = svc.FindSubjectAttribution(analyst, outside.ID)
		if err != nil || got.Status != safeguard.AttrUnresolved || got.ResolvedAt != nil {
			t.Fatalf("subject outside the span = %+v, %v", got, err)
		}

		// A later list of proxies covering the address makes the events
		// ambiguous: the address set from the installation address is
		// removed, and the force kept with a note.
		pl := mustImport(t, svc, safeguard.ImportProxyList, "exits.txt", "198.51.100.0/28 # synthetic VPN\n")
		if pl.SubjectsResolved != 3 {
			t.Fatalf("proxy list re-resolved %d subjects, want 3", pl.SubjectsResolved)
		}
		got, err = svc.FindSubjectAttribution(analyst, corr.ID)
		if err != nil || got.Status != safeguard.AttrAmbiguous || !strings.Contains(got.AddressNote, "removed") {
			t.Fatalf("after the proxy list = %+v, %v", got, err)
		}
		s, err = subjects.FindSubjectByID(analyst, corr.ID)
		if err != nil || s.Address != "" || s.ForceCode != "KNT" || s.AttributionStatus != safeguard.AttrAmbiguous {
			t.Fatalf("after the proxy list: %+v, %v", s, err)
		}
		mustAuditIntact(t, db)
	})
}

func TestAttribution_RADIUSImportResolves(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		attrForces(t, db)
		svc := store.NewAttributionService(db.DB)
		subj := attrSubject(t, db, "P2P-RAD", &safeguard.Subject{Name: "Fictional Radius"},
			ev{ip: "192.0.2.80", time: "2026-03-05T09:30:00Z"}, ev{ip: "192.0.2.80", time: "2026-03-05T11:30:00Z"})
		imp := mustImport(t, svc, safeguard.ImportRADIUS, "acct.log", `Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name,Calling-Station-Id
2026-03-05T08:00:00Z,Start,S1,192.0.2.80,rita@example.com,00-00-5E-00-53-01
2026-03-05T10:00:00Z,Stop,S1,192.0.2.80,rita@example.com,00-00-5E-00-53-01
2026-03-05T10:30:00Z,Start,S2,192.0.2.80,sam@example.com,00-00-5E-00-53-02
2026-03-05T12:00:00Z,Interim-Update,S2,192.0.2.80,sam@example.com,00-00-5E-00-53-02
`)
		if imp.Rows != 2 || imp.SubjectsResolved != 1 {
			t.Fatalf("RADIUS import = %+v", imp)
		}
		got, err := svc.FindSubjectAttribution(ctxAs(safeguard.RoleAnalyst, ""), subj.ID)
		if err != nil || len(got.Events) != 2 {
			t.Fatalf("attribution = %+v, %v", got, err)
		}
		// Two sessions, two account holders: confirmed each, never corroborated.
		if e := got.Events[0]; e.Status != safeguard.AttrConfirmed || e.SubscriberID != "rita@example.com" {
			t.Errorf("event in session S1 = %+v", e)
		}
		// S2 has no Stop, but its Interim-Update shows it up at 12:00.
		if e := got.Events[1]; e.Status != safeguard.AttrConfirmed || e.SubscriberID != "sam@example.com" {
			t.Errorf("event in session S2 without a Stop, before its last record = %+v", e)
		}
		if got.Status != safeguard.AttrAmbiguous || !hasReason(got.Reasons, "confirmed_events_different_subscribers") {
			t.Errorf("subject = %s %+v, want ambiguous with confirmed_events_different_subscribers", got.Status, got.Reasons)
		}
	})
}

func TestAttribution_FollowsTheReferralsCurrentSubject(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		attrForces(t, db)
		svc := store.NewAttributionService(db.DB)
		mustImport(t, svc, safeguard.ImportISPCSV, "isp.csv", ispFixture)
		a := attrSubject(t, db, "P2P-SPLIT", &safeguard.Subject{Name: "Fictional Before"},
			ev{ip: "198.51.100.7", time: "2026-02-03T10:00:00Z"}, ev{ip: "198.51.100.7", time: "2026-02-05T10:00:00Z"})
		b := &safeguard.Subject{Name: "Fictional After"}
		if err := store.NewSubjectService(db.DB).CreateSubject(systemCtx(), b); err != nil {
			t.Fatal(err)
		}
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		if got, err := svc.ResolveSubject(analyst, a.ID); err != nil || got.Status != safeguard.AttrCorroborated {
			t.Fatalf("before the split: %+v, %v", got, err)
		}
		// Linking moves the referral to another subject (a split).
		mustExec(t, db, `UPDATE referrals SET subject_id = $1 WHERE subject_id = $2`, b.ID, a.ID)
		got, err := svc.ResolveSubject(analyst, b.ID)
		if err != nil || got.Status != safeguard.AttrCorroborated || len(got.Events) != 2 || got.Events[0].Status != safeguard.AttrConfirmed {
			t.Fatalf("subject the referral moved to: %+v, %v", got, err)
		}
		got, err = svc.ResolveSubject(analyst, a.ID)
		if err != nil || got.Status != safeguard.AttrUnresolved || len(got.Events) != 0 || !strings.Contains(got.AddressNote, "removed") {
			t.Fatalf("subject the referral left: %+v, %v", got, err)
		}
		if s, err := store.NewSubjectService(db.DB).FindSubjectByID(analyst, a.ID); err != nil || s.Address != "" || s.AttributionStatus != safeguard.AttrUnresolved {
			t.Fatalf("subject the referral left: %+v, %v", s, err)
		}
		if n := countRows(t, db, "ip_event_attributions"); n != 2 {
			t.Fatalf("%d stored event attributions, want 2", n)
		}
	})
}

func TestAttribution_ForceScoping(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		attrForces(t, db)
		svc := store.NewAttributionService(db.DB)
		subj := attrSubject(t, db, "P2P-ESX", &safeguard.Subject{Name: "Fictional Essex", ForceCode: "ESX"}, ev{ip: "198.51.100.7", time: "2026-02-03T10:00:00Z"})
		_, err := svc.FindSubjectAttribution(ctxAs(safeguard.RoleInvestigator, "KNT"), subj.ID)
		wantCode(t, err, safeguard.ENOTFOUND)
		if n := auditActionCount(t, db, "subject.read.denied"); n != 1 {
			t.Fatalf("%d subject.read.denied events", n)
		}
		if _, err := svc.FindSubjectAttribution(ctxAs(safeguard.RoleInvestigator, "ESX"), subj.ID); err != nil {
			t.Fatal(err)
		}
		// Force users read attribution but do not resolve.
		_, err = svc.ResolveSubject(ctxAs(safeguard.RoleSupervisor, "ESX"), subj.ID)
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = svc.FindSubjectAttribution(ctxAs(safeguard.RoleAuditor, ""), subj.ID)
		wantCode(t, err, safeguard.EFORBIDDEN)
	})
}

func TestAction_WarrantOverrideSupervisorOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		f := mustOpFixture(t, db)
		inv, sup := ctxAs(safeguard.RoleInvestigator, "KNT"), ctxAs(safeguard.RoleSupervisor, "KNT")
		reason := "provider account data confirms the subscriber (synthetic)"
		w := &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActWarrantApplied, At: t0, OverrideReason: reason}
		// An investigator's reason is refused, and the refusal audited.
		_, err := f.ops.RecordAction(inv, w)
		wantCode(t, err, safeguard.EFORBIDDEN)
		if n := auditActionCount(t, db, "action.override.denied"); n != 1 {
			t.Fatalf("%d action.override.denied events", n)
		}
		// So is a coordinator's: the national centre does not override a force's gate.
		_, err = f.ops.RecordAction(ctxAs(safeguard.RoleCoordinator, ""), w)
		wantCode(t, err, safeguard.EFORBIDDEN)
		// A supervisor without a reason is told one is needed.
		_, err = f.ops.RecordAction(sup, &safeguard.Action{PackageID: f.kent.ID, Kind: safeguard.ActWarrantApplied, At: t0})
		wantCode(t, err, safeguard.EINVALID)
		got, err := f.ops.RecordAction(sup, w)
		if err != nil {
			t.Fatal(err)
		}
		if got.OverrideReason != reason || got.RecordedBy != "user:1:supervisor1" {
			t.Fatalf("recorded %+v", got)
		}
		if n := auditActionCount(t, db, "action.override"); n != 1 {
			t.Fatalf("%d action.override events", n)
		}
		if n := countRows(t, db, "actions"); n != 1 {
			t.Fatalf("%d actions stored, want only the supervisor's", n)
		}
		// The override is on the subject's attribution, with who, why and the status then.
		sa, err := store.NewAttributionService(db.DB).FindSubjectAttribution(inv, f.kentSubj.ID)
		if err != nil || len(sa.Overrides) != 1 {
			t.Fatalf("overrides = %+v, %v", sa, err)
		}
		o := sa.Overrides[0]
		if o.ActionID != got.ID || o.Kind != safeguard.ActWarrantApplied || o.Reason != reason || o.By != "user:1:supervisor1" ||
			o.AttributionStatus != safeguard.AttrUnresolved || o.PackageID != f.kent.ID {
			t.Fatalf("override = %+v", o)
		}
		mustAuditIntact(t, db)
	})
}

// TestAttribution_RADIUSSessionGapsNeverCorroborate: events after a
// session's last record with no Stop in the log, or before its first with
// no Start, are ambiguous through the store as offline, so two of them
// hours apart do not corroborate a subscriber whose session may have ended.
func TestAttribution_RADIUSSessionGapsNeverCorroborate(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		attrForces(t, db)
		svc := store.NewAttributionService(db.DB)
		gap := attrSubject(t, db, "P2P-RAD-GAP", &safeguard.Subject{Name: "Fictional Gap"},
			ev{ip: "192.0.2.81", time: "2026-03-05T10:00:00Z"}, ev{ip: "192.0.2.81", time: "2026-03-05T13:00:00Z"})
		early := attrSubject(t, db, "P2P-RAD-EARLY", &safeguard.Subject{Name: "Fictional Early"},
			ev{ip: "192.0.2.82", time: "2026-03-05T07:00:00Z"})
		imp := mustImport(t, svc, safeguard.ImportRADIUS, "acct.log", `Event-Timestamp,Acct-Status-Type,Acct-Session-Id,Framed-IP-Address,User-Name
2026-03-05T06:00:00Z,Start,G0,192.0.2.83,cal@example.com
2026-03-05T08:00:00Z,Start,G1,192.0.2.81,uma@example.com
2026-03-05T09:00:00Z,Interim-Update,G1,192.0.2.81,uma@example.com
2026-03-05T09:30:00Z,Stop,G2,192.0.2.82,vic@example.com
2026-03-05T14:00:00Z,Stop,G0,192.0.2.83,cal@example.com
`)
		if imp.SubjectsResolved != 2 {
			t.Fatalf("import = %+v", imp)
		}
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		got, err := svc.FindSubjectAttribution(analyst, gap.ID)
		if err != nil || len(got.Events) != 2 {
			t.Fatalf("attribution = %+v, %v", got, err)
		}
		for _, e := range got.Events {
			if e.Status != safeguard.AttrAmbiguous || !hasReason(e.Reasons, "session_end_unknown") || e.SubscriberID != "" {
				t.Errorf("event after the session's last record = %+v", e)
			}
		}
		if got.Status != safeguard.AttrAmbiguous || got.SubscriberID != "" || got.InstallAddress != "" {
			t.Errorf("subject = %+v, want ambiguous with no subscriber", got)
		}
		got, err = svc.FindSubjectAttribution(analyst, early.ID)
		if err != nil || len(got.Events) != 1 {
			t.Fatalf("attribution = %+v, %v", got, err)
		}
		if e := got.Events[0]; e.Status != safeguard.AttrAmbiguous || !hasReason(e.Reasons, "session_start_unknown") {
			t.Errorf("event before a session's first record, no Start = %+v", e)
		}
	})
}
