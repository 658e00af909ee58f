package store_test

import (
	"net/netip"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// TestReferral_AttachToReferral: a document sent apart from its referral
// (a CyberTipline fileDetails) is attached to the stored referral with
// what it brings, kept as received, and the subject's facts move; the
// same document again is a duplicate, a different one for the same key a
// conflict, a referral that is not stored is not found, and a role
// without intake may not attach.
func TestReferral_AttachToReferral(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		rs := store.NewReferralService(db.DB)
		analyst := ctxAs(safeguard.RoleAnalyst, "")
		mustForce(t, db, "FA")
		sb := mustSubject(t, db, "Fictional Alpha", "FA")
		r := sampleReferral("240009001")
		r.SubjectID = &sb.ID
		if _, err := rs.CreateReferral(analyst, r); err != nil {
			t.Fatal(err)
		}
		facts := func() (v int64) {
			t.Helper()
			if err := db.RawDB().QueryRow(`SELECT facts_version FROM subjects WHERE id = $1`, sb.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		before := facts()
		at := time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC)
		doc := []byte("<fileDetails><reportId>240009001</reportId><fileId>f-1</fileId></fileDetails>")
		a := &safeguard.Attachment{Kind: safeguard.AttachFileDetails, Key: "f-1", Document: doc,
			Files:       []safeguard.File{{Name: "IMG_0002.jpg", SHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}},
			IPEvents:    []safeguard.IPEvent{{IP: netip.MustParseAddr("198.51.100.7"), TimeText: "2026-02-02T09:30:00Z", At: &at, HasOffset: true}},
			Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentDeviceID, Value: "dev-attached-9"}}}
		if dup, err := rs.AttachToReferral(analyst, safeguard.SourceCyberTip, "240009001", a); err != nil || dup {
			t.Fatalf("attach: dup=%v err=%v", dup, err)
		}
		got, err := rs.FindReferralByID(analyst, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Files) != 2 || got.Files[1].Name != "IMG_0002.jpg" || len(got.IPEvents) != 3 || got.IPEvents[2].IP.String() != "198.51.100.7" ||
			len(got.Identifiers) != 3 || got.Identifiers[2].Value != "dev-attached-9" {
			t.Fatalf("after attach: files %+v events %+v identifiers %+v", got.Files, got.IPEvents, got.Identifiers)
		}
		if len(got.Attachments) != 1 || string(got.Attachments[0].Document) != string(doc) || got.Attachments[0].Key != "f-1" ||
			got.Attachments[0].DocumentSHA256 != a.DocumentSHA256 || len(a.DocumentSHA256) != 64 {
			t.Fatalf("attachments %+v", got.Attachments)
		}
		if v := facts(); v <= before {
			t.Errorf("subject facts_version %d, was %d: the subject is not assessed again", v, before)
		}
		if n := auditCount(t, db, safeguard.AuditFilter{Action: "referral.attach"}); n != 1 {
			t.Errorf("%d referral.attach audit events, want 1", n)
		}

		again := *a
		if dup, err := rs.AttachToReferral(analyst, safeguard.SourceCyberTip, "240009001", &again); err != nil || !dup {
			t.Fatalf("attach again: dup=%v err=%v", dup, err)
		}
		changed := *a
		changed.Document, changed.DocumentSHA256 = append([]byte("<!-- changed -->"), doc...), ""
		_, err = rs.AttachToReferral(analyst, safeguard.SourceCyberTip, "240009001", &changed)
		wantCode(t, err, safeguard.ECONFLICT)
		_, err = rs.AttachToReferral(analyst, safeguard.SourceCyberTip, "240009999", a)
		wantCode(t, err, safeguard.ENOTFOUND)
		_, err = rs.AttachToReferral(ctxAs(safeguard.RoleSupervisor, "FA"), safeguard.SourceCyberTip, "240009001", a)
		wantCode(t, err, safeguard.EFORBIDDEN) // intake is not a force role's
		bad := *a
		bad.Kind = "photo"
		_, err = rs.AttachToReferral(analyst, safeguard.SourceCyberTip, "240009001", &bad)
		wantCode(t, err, safeguard.EINVALID)
		if got, err = rs.FindReferralByID(analyst, r.ID); err != nil || len(got.Files) != 2 || len(got.Attachments) != 1 {
			t.Fatalf("after refused attaches: %d files, %d attachments, %v", len(got.Files), len(got.Attachments), err)
		}
	})
}
