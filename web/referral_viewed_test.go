package web_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"safeguard"
)

// TestReferralNotViewedByProvider: a file the provider did not open carries
// the warning that viewing it may need a warrant (US v. Wilson), and the
// files' hashes are counted by bank category.
func TestReferralNotViewedByProvider(t *testing.T) {
	t.Parallel()
	e, set := mustMatchEnv(t)
	if err := set.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	body := `{"source":"cybertip","source_ref":"CT-WILSON-1","files":[` +
		`{"name":"a.jpg","md5":"` + testMD5 + `","viewed_by_esp":false},` +
		`{"name":"b.jpg","md5":"69b0834fac1477a4397a0be6b6e55c1a","viewed_by_esp":true}]}`
	resp := e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(body))
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Body)
	}
	var got struct{ ID int64 }
	json.Unmarshal([]byte(resp.Body), &got)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/referrals/" + itoa(got.ID))
	if page.StatusCode != 200 {
		t.Fatalf("referral page: %d", page.StatusCode)
	}
	if n := strings.Count(page.Body, "not viewed by the provider: a warrant may be needed before viewing"); n != 1 {
		t.Fatalf("warning shown %d times, want once (one file not viewed):\n%s", n, page.Body)
	}
	// The file hashes are matched against the banks: one file is in the UK
	// bank as category A.
	if !strings.Contains(page.Body, "1 of 2 files match the hash banks") || !regexp.MustCompile(`(?s)<td class="num">1</td><td class="num">0</td>`).MatchString(page.Body) {
		t.Fatalf("no category counts for the referral's files:\n%s", page.Body)
	}
}
