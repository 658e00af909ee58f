package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"safeguard"
)

// TestReferralAsReceived: the referral page shows the document exactly as
// received beside the parsed facts, says whether it still matches its
// recorded SHA-256, and offers it for download; a force user of another
// force gets neither.
func TestReferralAsReceived(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	doc := []byte("{\"source_ref\":\"HL-ORIG\",\"note\":\"<b>kept as sent</b> — ümlaut\"}\n")
	sum := sha256.Sum256(doc)
	r := &safeguard.Referral{Source: safeguard.SourceHotline, SourceRef: "HL-ORIG", Format: "json", Document: doc,
		DocumentSHA256: hex.EncodeToString(sum[:]), ReceivedAt: safeguard.NowFromContext(ctx), ForceCode: "ESX"}
	if _, err := e.Svc.Referrals.CreateReferral(ctx, r); err != nil {
		t.Fatal(err)
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/referrals/" + itoa(r.ID)).Body
	for _, want := range []string{"As received", "still hashes to the SHA-256 recorded at intake",
		"&lt;b&gt;kept as sent&lt;/b&gt; — ümlaut", `href="/referrals/` + itoa(r.ID) + `/original"`} {
		if !strings.Contains(page, want) {
			t.Errorf("referral page lacks %q", want)
		}
	}
	dl := b.Get("/referrals/" + itoa(r.ID) + "/original")
	if dl.StatusCode != 200 || dl.Body != string(doc) || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") ||
		dl.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("download: %d %q %v", dl.StatusCode, dl.Body, dl.Header)
	}
	inv := e.NewBrowser(t)
	inv.MustLogin(safeguard.RoleInvestigator) // KNT
	if got := inv.Get("/referrals/" + itoa(r.ID) + "/original").StatusCode; got != 404 {
		t.Errorf("a KNT investigator downloading an ESX referral: %d", got)
	}
}
