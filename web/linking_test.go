package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safeguard"
)

// postReferral posts a p2p referral through the API and returns its id.
func postReferral(t *testing.T, e *Env, tok, ref, email, ip string) int64 {
	t.Helper()
	body := `{"source":"p2p","source_ref":"` + ref + `","identifiers":[{"kind":"email","value":"` + email + `"}],
		"ip_events":[{"ip":"` + ip + `","time_text":"2026-01-02T03:04:05Z","has_offset":true}]}`
	resp := e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(body))
	var got struct{ ID int64 }
	if json.Unmarshal([]byte(resp.Body), &got); resp.StatusCode != http.StatusCreated {
		t.Fatalf("post %s: %d %s", ref, resp.StatusCode, resp.Body)
	}
	return got.ID
}

// subjectRefOf returns the reference of the subject a referral is linked to.
func subjectRefOf(t *testing.T, e *Env, referralID int64) string {
	t.Helper()
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	r, err := e.Svc.Referrals.FindReferralByID(ctx, referralID)
	if err != nil {
		t.Fatal(err)
	}
	if r.SubjectID == nil {
		t.Fatalf("referral %d was not linked when the API answered", referralID)
	}
	s, err := e.Svc.Subjects.FindSubjectByID(ctx, *r.SubjectID)
	if err != nil {
		t.Fatal(err)
	}
	return s.Ref
}

// TestSubjectPage_Evidence: referrals posted to the API are linked at once
// and the subject page gives the evidence in words.
func TestSubjectPage_Evidence(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	r1 := postReferral(t, e, tok, "EV-1", "kim@example.com", "192.0.2.10")
	r2 := postReferral(t, e, tok, "EV-2", "KIM@example.com", "192.0.2.11")
	ref := subjectRefOf(t, e, r2)
	if subjectRefOf(t, e, r1) != ref {
		t.Fatal("two referrals sharing an e-mail address are not one subject")
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/subjects/" + ref)
	want := "linked to " + ref + " by e-mail k…@example.com in referrals " + itoa(r1) + " and " + itoa(r2)
	if page.StatusCode != 200 || !strings.Contains(html.UnescapeString(page.Body), want) {
		t.Fatalf("subject page %d does not say %q:\n%s", page.StatusCode, want, page.Body)
	}
	if strings.Contains(page.Body, "kim@example.com") && !strings.Contains(page.Body, "Linked referrals") {
		t.Fatal("page layout unexpected")
	}
	for _, s := range []string{`id="linking-h"`, `action="/subjects/` + ref + `/split"`, `action="/subjects/` + ref + `/merge"`} {
		if !strings.Contains(page.Body, s) {
			t.Errorf("subject page lacks %s", s)
		}
	}
}

var possibleFormRE = regexp.MustCompile(`action="/possible-links/(\d+)"`)

// TestSubjectPage_PossibleLinkAndSplit: a shared IP address alone is shown
// as a possible link with a form; rejecting it through the page removes
// it from review and is audited; a split through the page makes a new
// subject.
func TestSubjectPage_PossibleLinkAndSplit(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	r1 := postReferral(t, e, tok, "PL-1", "lee@example.com", "203.0.113.20")
	r2 := postReferral(t, e, tok, "PL-2", "max@example.org", "203.0.113.20")
	a, bRef := subjectRefOf(t, e, r1), subjectRefOf(t, e, r2)
	if a == bRef {
		t.Fatal("a shared IP address linked two referrals")
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/subjects/" + bRef)
	m := possibleFormRE.FindStringSubmatch(page.Body)
	if m == nil || !strings.Contains(html.UnescapeString(page.Body), "203.0.113.…") {
		t.Fatalf("no possible link form on the page:\n%s", page.Body)
	}
	resp := b.PostForm("/possible-links/"+m[1], url.Values{"csrf_token": {CSRF(t, page.Body)}, "back": {bRef}, "decision": {"reject"}, "reason": {""}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "a reason is required") {
		t.Fatalf("reject without a reason: %d", resp.StatusCode)
	}
	resp = b.PostForm("/possible-links/"+m[1], url.Values{"csrf_token": {CSRF(t, page.Body)}, "back": {bRef}, "decision": {"reject"}, "reason": {"a library's public wifi"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject: %d %s", resp.StatusCode, resp.Body)
	}
	page = b.Get("/subjects/" + bRef)
	if possibleFormRE.MatchString(page.Body) || !strings.Contains(page.Body, "a library&#39;s public wifi") {
		t.Fatalf("the rejected link is still offered, or the decision is not shown:\n%s", page.Body)
	}
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	if _, n, _ := e.Svc.Audit.FindAuditEvents(ctx, safeguard.AuditFilter{Action: "possible_link.reject"}); n != 1 {
		t.Fatalf("%d reject audit events", n)
	}

	// Merge b into a through the page, then split it off again.
	page = b.Get("/subjects/" + a)
	resp = b.PostForm("/subjects/"+a+"/merge", url.Values{"csrf_token": {CSRF(t, page.Body)}, "from": {bRef}, "reason": {"one household account"}})
	if resp.StatusCode != http.StatusSeeOther || subjectRefOf(t, e, r2) != a {
		t.Fatalf("merge: %d %s", resp.StatusCode, resp.Body)
	}
	page = b.Get("/subjects/" + bRef)
	if !strings.Contains(page.Body, "merged into") {
		t.Errorf("the merged subject's page does not say so")
	}
	page = b.Get("/subjects/" + a)
	resp = b.PostForm("/subjects/"+a+"/split", url.Values{"csrf_token": {CSRF(t, page.Body)}, "referral": {itoa(r2)}, "reason": {"two people after all"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("split: %d %s", resp.StatusCode, resp.Body)
	}
	if got := subjectRefOf(t, e, r2); got == a || got == bRef || !strings.Contains(resp.Header.Get("Location"), got) {
		t.Fatalf("after the split referral %d is in %s (redirect %s)", r2, got, resp.Header.Get("Location"))
	}
	page = b.Get("/subjects/" + a)
	if !strings.Contains(page.Body, "Earlier links") || !strings.Contains(page.Body, "two people after all") {
		t.Errorf("link history not shown:\n%s", page.Body)
	}

	// A force user sees no review forms and may not decide.
	f := e.NewBrowser(t)
	f.MustLogin(safeguard.RoleSupervisor)
	resp = f.PostForm("/possible-links/"+m[1], url.Values{"csrf_token": {CSRF(t, f.Get("/queue").Body)}, "decision": {"confirm"}, "reason": {"x"}})
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a supervisor decided a possible link: %d", resp.StatusCode)
	}
}

// TestIntakePage lists runs from the command and the API, rejections with
// file, where and error, and the latest referrals; force users may not see it.
func TestIntakePage(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	postReferral(t, e, tok, "IN-1", "nia@example.com", "198.51.100.30")
	resp := e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(`{"source":"p2p","source_ref":"IN-1"}`))
	if resp.StatusCode != 200 {
		t.Fatalf("duplicate: %d", resp.StatusCode)
	}
	resp = e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(`{"source":"p2p","source_ref":"IN-2","ip_events":[{"ip":"198.51.100.300","time_text":"x"}]}`))
	if resp.StatusCode != 400 {
		t.Fatalf("bad referral: %d", resp.StatusCode)
	}
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("ingest"))
	run := &safeguard.IngestRun{Origin: safeguard.IngestCLI, Files: []string{"hotline-2026-03.jsonl"}}
	if err := e.Svc.IngestRuns.StartIngestRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Accepted, run.Rejected = 7, 1
	if err := e.Svc.IngestRuns.FinishIngestRun(ctx, run, []safeguard.IngestRejection{{File: "hotline-2026-03.jsonl", Where: "line 8", Error: "malformed JSON"}}); err != nil {
		t.Fatal(err)
	}

	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/intake")
	if page.StatusCode != 200 {
		t.Fatalf("intake page: %d", page.StatusCode)
	}
	for _, s := range []string{"IN-1", "hotline-2026-03.jsonl", "line 8", "malformed JSON", "POST /api/v1/referrals", "198.51.100.300", ">API<", `href="/intake"`} {
		if !strings.Contains(page.Body, s) {
			t.Errorf("intake page lacks %q", s)
		}
	}
	apiRuns := e.API(t, "GET", "/api/v1/intake/runs", tok, nil)
	var runs struct{ Items []safeguard.IngestRun }
	if json.Unmarshal([]byte(apiRuns.Body), &runs); apiRuns.StatusCode != 200 || len(runs.Items) != 2 {
		t.Fatalf("runs: %d %s", apiRuns.StatusCode, apiRuns.Body)
	}
	for _, r := range runs.Items {
		if r.Origin == safeguard.IngestAPI && (r.Accepted != 1 || r.Duplicates != 1 || r.Rejected != 1) {
			t.Errorf("API run counts %+v, want 1 accepted, 1 duplicate, 1 rejected", r)
		}
	}
	if got := e.API(t, "GET", "/api/v1/intake/rejections", tok, nil); got.StatusCode != 200 || !strings.Contains(got.Body, "line 8") {
		t.Errorf("rejections: %d %s", got.StatusCode, got.Body)
	}
	f := e.NewBrowser(t)
	f.MustLogin(safeguard.RoleInvestigator)
	if got := f.Get("/intake").StatusCode; got != http.StatusForbidden {
		t.Errorf("an investigator got the intake page: %d", got)
	}
}

// TestAPILinking merges, lists possible links and splits through the
// API; a force token may not.
func TestAPILinking(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	r1 := postReferral(t, e, tok, "AL-1", "oli@example.com", "192.0.2.40")
	r2 := postReferral(t, e, tok, "AL-2", "pat@example.com", "192.0.2.40")
	a, b := subjectRefOf(t, e, r1), subjectRefOf(t, e, r2)
	resp := e.API(t, "GET", "/api/v1/subjects/"+b+"/possible-links", tok, nil)
	var list struct{ Items []safeguard.PossibleLink }
	if json.Unmarshal([]byte(resp.Body), &list); resp.StatusCode != 200 || len(list.Items) != 1 || list.Items[0].Kind != "ip" {
		t.Fatalf("possible links: %d %s", resp.StatusCode, resp.Body)
	}
	force := e.MustToken(t, safeguard.RoleSupervisor)
	if got := e.API(t, "POST", "/api/v1/possible-links/"+itoa(list.Items[0].ID), force, strings.NewReader(`{"decision":"confirm","reason":"x"}`)); got.StatusCode != 403 {
		t.Fatalf("a force token decided: %d", got.StatusCode)
	}
	got := e.API(t, "POST", "/api/v1/possible-links/"+itoa(list.Items[0].ID), tok, strings.NewReader(`{"decision":"confirm","reason":"same device seen by the provider"}`))
	if got.StatusCode != 200 || subjectRefOf(t, e, r2) != a {
		t.Fatalf("confirm: %d %s", got.StatusCode, got.Body)
	}
	got = e.API(t, "POST", "/api/v1/subjects/"+a+"/split", tok, strings.NewReader(`{"referrals":[`+itoa(r2)+`],"reason":"two people"}`))
	if got.StatusCode != 201 {
		t.Fatalf("split: %d %s", got.StatusCode, got.Body)
	}
	c := subjectRefOf(t, e, r2)
	got = e.API(t, "POST", "/api/v1/subjects/"+a+"/merge", tok, strings.NewReader(`{"from":"`+c+`","reason":"one person after all"}`))
	if got.StatusCode != 200 || subjectRefOf(t, e, r2) != a {
		t.Fatalf("merge: %d %s", got.StatusCode, got.Body)
	}
	hist := e.API(t, "GET", "/api/v1/subjects/"+a+"/links", tok, nil)
	if hist.StatusCode != 200 || !strings.Contains(hist.Body, `"ended_reason": "split off to `+c) {
		t.Fatalf("history: %d %s", hist.StatusCode, hist.Body)
	}
}
