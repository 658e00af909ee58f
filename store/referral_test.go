package store_test

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

func sampleReferral(ref string) *safeguard.Referral {
	port := 51234
	at := time.Date(2026, 2, 1, 10, 0, 0, 123456000, time.UTC)
	viewed := false
	return &safeguard.Referral{
		Source: safeguard.SourceCyberTip, SourceRef: ref, Format: "cybertip-xml",
		Document:     []byte("<report><id>" + ref + "</id></report>"),
		IncidentAt:   &at,
		IncidentType: "Child Pornography (possession, manufacture, and distribution)",
		Platform:     "ExampleChat", Escalated: true, Annotations: []string{"sextortion"},
		Identifiers: []safeguard.Identifier{
			{Kind: safeguard.IdentEmail, Value: "fictional.user@example.com"},
			{Kind: safeguard.IdentUsername, Value: "fict_user@examplechat"},
		},
		IPEvents: []safeguard.IPEvent{
			{IP: netip.MustParseAddr("192.0.2.10"), Port: &port, TimeText: "2026-02-01T10:00:00.123456Z", At: &at, HasOffset: true, EventType: "login"},
			{IP: netip.MustParseAddr("2001:db8::1"), TimeText: "01/02/2026 10:00", PossibleProxy: true},
		},
		Files: []safeguard.File{{Name: "IMG_0001.jpg", Size: 1234, MD5: "D41D8CD98F00B204E9800998ECF8427E",
			ViewedByESP: &viewed, Annotations: []string{"A1"}, Classification: "A1"}},
	}
}

func TestReferral_RoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		rs := store.NewReferralService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		r := sampleReferral("CT-100")
		if dup, err := rs.CreateReferral(analyst, r); err != nil || dup {
			t.Fatalf("create: dup=%v err=%v", dup, err)
		}
		got, err := rs.FindReferralByID(analyst, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Document) != string(r.Document) || got.DocumentSHA256 != r.DocumentSHA256 || len(got.DocumentSHA256) != 64 {
			t.Fatalf("document %q sha %s", got.Document, got.DocumentSHA256)
		}
		if !got.ReceivedAt.Equal(t0.Truncate(time.Microsecond)) || got.IncidentAt == nil || !got.IncidentAt.Equal(*r.IncidentAt) ||
			!got.Escalated || got.Platform != "ExampleChat" || len(got.Annotations) != 1 {
			t.Fatalf("referral %+v", got)
		}
		if len(got.Identifiers) != 2 || got.Identifiers[1].Value != "fict_user@examplechat" || got.Identifiers[0].ID == 0 {
			t.Fatalf("identifiers %+v", got.Identifiers)
		}
		e := got.IPEvents
		if len(e) != 2 || e[0].IP != r.IPEvents[0].IP || *e[0].Port != 51234 || !e[0].At.Equal(*r.IPEvents[0].At) ||
			!e[0].HasOffset || e[0].PossibleProxy || e[1].Port != nil || e[1].At != nil || e[1].HasOffset || e[1].IP.String() != "2001:db8::1" || !e[1].PossibleProxy {
			t.Fatalf("ip events %+v", e)
		}
		f := got.Files
		if len(f) != 1 || f[0].Name != "IMG_0001.jpg" || f[0].MD5 != "d41d8cd98f00b204e9800998ecf8427e" ||
			f[0].ViewedByESP == nil || *f[0].ViewedByESP || f[0].PubliclyAvail != nil || f[0].Classification != "A1" {
			t.Fatalf("files %+v", f)
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "referral.read", ObjectID: fmt.Sprint(r.ID)}); n != 1 {
			t.Fatalf("referral.read rows = %d", n)
		}
		bad := sampleReferral("CT-101")
		bad.DocumentSHA256 = "00"
		_, err = rs.CreateReferral(analyst, bad)
		wantCode(t, err, safeguard.EINVALID)
		_, err = rs.CreateReferral(ctxAs(safeguard.RoleSupervisor, "KNT"), sampleReferral("CT-102"))
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = rs.FindReferralByID(analyst, 9999)
		wantCode(t, err, safeguard.ENOTFOUND)
	})
}

func TestReferral_Idempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		rs := store.NewReferralService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		first := sampleReferral("CT-200")
		if dup, err := rs.CreateReferral(analyst, first); err != nil || dup {
			t.Fatalf("first: dup=%v err=%v", dup, err)
		}
		count := func() string {
			var out string
			for _, table := range []string{"referrals", "identifiers", "ip_events", "referral_files"} {
				var n int
				if err := db.RawDB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				out += fmt.Sprintf("%s=%d ", table, n)
			}
			return out
		}
		before := count()
		// The same report again, even concurrently, stores nothing more.
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				again := sampleReferral("CT-200")
				dup, err := rs.CreateReferral(analyst, again)
				if err != nil || !dup || again.ID != first.ID {
					t.Errorf("again: dup=%v id=%d (want %d) err=%v", dup, again.ID, first.ID, err)
				}
			}()
		}
		wg.Wait()
		if after := count(); after != before {
			t.Fatalf("rows before %s, after %s", before, after)
		}
		// A concurrent burst of new reports each lands once.
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 2; j++ {
					if _, err := rs.CreateReferral(analyst, sampleReferral("CT-300")); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		_, total, err := rs.FindReferrals(analyst, safeguard.ReferralFilter{})
		if err != nil || total != 2 {
			t.Fatalf("total %d, %v", total, err)
		}
		// A failure part-way leaves nothing behind.
		broken := sampleReferral("CT-400")
		broken.ForceCode = "NOPE"
		_, err = rs.CreateReferral(analyst, broken)
		wantCode(t, err, safeguard.ENOTFOUND)
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "referral.create"}); n != 2 {
			t.Fatalf("referral.create rows = %d, want 2", n)
		}
	})
}

func TestReferral_ForceScoping(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		rs := store.NewReferralService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		mustForce(t, db, "FA")
		mustForce(t, db, "FB")
		sb := mustSubject(t, db, "Fictional Bravo", "FB")
		ra := sampleReferral("CT-A")
		ra.ForceCode = "FA"
		rb := sampleReferral("CT-B")
		rb.ForceCode, rb.SubjectID = "FA", &sb.ID // its subject's force wins
		rn := sampleReferral("CT-N")
		for _, r := range []*safeguard.Referral{ra, rb, rn} {
			if _, err := rs.CreateReferral(analyst, r); err != nil {
				t.Fatal(err)
			}
		}
		supA := ctxAs(safeguard.RoleSupervisor, "FA")
		if _, err := rs.FindReferralByID(supA, ra.ID); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*safeguard.Referral{rb, rn} {
			_, err := rs.FindReferralByID(supA, r.ID)
			wantCode(t, err, safeguard.ENOTFOUND)
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "referral.read.denied"}); n != 2 {
			t.Fatalf("referral.read.denied rows = %d", n)
		}
		list, total, err := rs.FindReferrals(supA, safeguard.ReferralFilter{})
		if err != nil || total != 1 || list[0].ID != ra.ID || list[0].Document != nil {
			t.Fatalf("force list %+v, %d, %v", list, total, err)
		}
		list, total, err = rs.FindReferrals(analyst, safeguard.ReferralFilter{SubjectID: &sb.ID, Source: safeguard.SourceCyberTip})
		if err != nil || total != 1 || list[0].ID != rb.ID {
			t.Fatalf("subject filter %+v, %d, %v", list, total, err)
		}
		list, total, err = rs.FindReferrals(analyst, safeguard.ReferralFilter{Limit: 2, Offset: 2})
		if err != nil || total != 3 || len(list) != 1 {
			t.Fatalf("page 2 %+v, %d, %v", list, total, err)
		}
	})
}
