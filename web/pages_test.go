package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safeguard"
	"safeguard/web"
)

func TestQueueShowsRefsNotNames(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	resp := b.Get("/queue")
	if resp.StatusCode != 200 {
		t.Fatalf("queue: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, s := range []*safeguard.Subject{e.Kent, e.Essex} {
		if !strings.Contains(resp.Body, `href="/subjects/`+s.Ref+`"`) {
			t.Errorf("queue lacks %s", s.Ref)
		}
		if strings.Contains(resp.Body, s.Name) || strings.Contains(resp.Body, "Fictional Person") {
			t.Errorf("queue shows a name")
		}
	}
	if !strings.Contains(resp.Body, `aria-sort="ascending"`) || !strings.Contains(resp.Body, "sort=-queue") {
		t.Errorf("queue has no sort state on its band column\n%s", resp.Body)
	}
	if got := b.Get("/queue?sort=name").StatusCode; got != 400 {
		t.Errorf("unknown sort: %d, want 400", got)
	}
	if got := b.Get("/queue?band=purple").StatusCode; got != 400 {
		t.Errorf("unknown band: %d, want 400", got)
	}
}

func TestQueueIsSortedByBandThenDueAndPaged(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	now := safeguard.NowFromContext(ctx)
	// low due soonest, immediate due latest: band rank wins.
	plan := []struct {
		band safeguard.Band
		due  int
	}{{safeguard.BandLow, 1}, {safeguard.BandImmediate, 30}, {safeguard.BandHigh, 2}, {safeguard.BandImmediate, 10}}
	var want []string
	byBand := map[safeguard.Band][]string{}
	for _, p := range plan {
		s := &safeguard.Subject{ForceCode: "KNT", AttributionStatus: safeguard.AttrUnresolved}
		if err := e.Svc.Subjects.CreateSubject(ctx, s); err != nil {
			t.Fatal(err)
		}
		a := &safeguard.Assessment{SubjectID: s.ID, Band: p.band, DueAt: now.Add(timeDays(p.due)), PolicyVersion: "test-1", AssessedBy: "test"}
		if err := e.Svc.Assessments.CreateAssessment(ctx, a); err != nil {
			t.Fatal(err)
		}
		byBand[p.band] = append(byBand[p.band], s.Ref)
	}
	// immediate due 10, immediate due 30, high, low.
	want = []string{byBand[safeguard.BandImmediate][1], byBand[safeguard.BandImmediate][0], byBand[safeguard.BandHigh][0], byBand[safeguard.BandLow][0]}

	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleCoordinator)
	refs := regexp.MustCompile(`<td><a href="/subjects/(SG-[0-9-]+)">`)
	var got []string
	for _, m := range refs.FindAllStringSubmatch(b.Get("/queue?limit=2").Body, -1) {
		got = append(got, m[1])
	}
	page2 := b.Get("/queue?limit=2&offset=2")
	for _, m := range refs.FindAllStringSubmatch(page2.Body, -1) {
		got = append(got, m[1])
	}
	if len(got) < 4 || strings.Join(got[:4], " ") != strings.Join(want, " ") {
		t.Errorf("queue order = %v, want %v first", got, want)
	}
	if !strings.Contains(page2.Body, "Showing 3–4 of 6") || !strings.Contains(page2.Body, `rel="prev"`) {
		t.Errorf("page 2 pager:\n%s", page2.Body)
	}
}

func TestSubjectPageAndForceScoping(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleInvestigator) // KNT
	resp := b.Get("/subjects/" + e.Kent.Ref)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, e.Kent.Name) || !strings.Contains(resp.Body, e.Kent.Address) {
		t.Errorf("own force's subject: %d\n%s", resp.StatusCode, resp.Body)
	}
	resp = b.Get("/subjects/" + e.Essex.Ref)
	if resp.StatusCode != 404 || strings.Contains(resp.Body, e.Essex.Name) {
		t.Errorf("another force's subject: %d, want 404 without the name", resp.StatusCode)
	}
	queue := b.Get("/queue")
	if strings.Contains(queue.Body, e.Essex.Ref) {
		t.Errorf("a KNT investigator's queue lists an ESX subject")
	}
	// The refused read is audited.
	ctx := safeguard.NewContextWithActor(context.Background(), e.Users[safeguard.RoleAuditor].Actor())
	events, _, err := e.Svc.Audit.FindAuditEvents(ctx, safeguard.AuditFilter{Actor: e.Users[safeguard.RoleInvestigator].Actor().Label(), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range events {
		found = found || (ev.ObjectID == e.Essex.Ref || ev.ObjectID == itoa(e.Essex.ID)) && ev.RequestID == resp.Header.Get("X-Request-Id")
	}
	if !found {
		t.Errorf("the refused read was not audited with its request id: %+v", events)
	}
}

func TestAuditPage(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	// Something to find: an analyst reads a subject.
	a := e.NewBrowser(t)
	a.MustLogin(safeguard.RoleAnalyst)
	a.Get("/subjects/" + e.Kent.Ref)

	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAuditor)
	resp := b.Get("/audit")
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Audit log") {
		t.Fatalf("audit page: %d\n%s", resp.StatusCode, resp.Body)
	}
	analyst := e.Users[safeguard.RoleAnalyst].Actor().Label()
	resp = b.Get("/audit?" + url.Values{"actor": {analyst}, "since": {"2000-01-01"}, "until": {"2999-12-31"}}.Encode())
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, analyst) {
		t.Errorf("filtered by actor: %d", resp.StatusCode)
	}
	if strings.Contains(resp.Body, "user:"+itoa(e.Users[safeguard.RoleAdmin].ID)+":") {
		t.Errorf("the actor filter let another actor's events through")
	}
	if got := b.Get("/audit?since=yesterday").StatusCode; got != 400 {
		t.Errorf("bad date: %d, want 400", got)
	}
	// No personal data on the audit page.
	if strings.Contains(resp.Body, "Fictional Person") {
		t.Errorf("audit page shows a name")
	}
	// Roles without the audit permission are refused.
	if got := a.Get("/audit").StatusCode; got != 403 {
		t.Errorf("analyst on /audit: %d, want 403", got)
	}
	// And the auditor sees no personal data pages.
	if got := b.Get("/subjects/" + e.Kent.Ref).StatusCode; got != 403 {
		t.Errorf("auditor on a subject: %d, want 403", got)
	}
}

func TestAdminCreatesUserAndResetsPassword(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAdmin)
	form := b.Get("/users/new")
	if form.StatusCode != 200 || !strings.Contains(form.Body, `<label for="name">`) {
		t.Fatalf("new user form: %d", form.StatusCode)
	}
	csrf := CSRF(t, form.Body)
	resp := b.PostForm("/users", url.Values{"csrf_token": {csrf}, "name": {"kent.inv2"}, "display_name": {"Test Investigator"}, "role": {"investigator"}, "force_code": {"KNT"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create user: %d\n%s", resp.StatusCode, resp.Body)
	}
	otp := secretIn(t, resp.Body)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the one-time password page may be cached")
	}
	// The new user logs in with it and must change it.
	nb := e.NewBrowser(t)
	if got := nb.Login("kent.inv2", otp); got.Header.Get("Location") != "/password" {
		t.Errorf("new user's first login goes to %q", got.Header.Get("Location"))
	}
	// Errors come back on the form.
	resp = b.PostForm("/users", url.Values{"csrf_token": {csrf}, "name": {"kent.inv2"}, "role": {"investigator"}, "force_code": {"KNT"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, `value="kent.inv2"`) {
		t.Errorf("duplicate name: %d", resp.StatusCode)
	}
	resp = b.PostForm("/users", url.Values{"csrf_token": {csrf}, "name": {"x"}, "role": {"investigator"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad user: %d", resp.StatusCode)
	}
	// Reset.
	list := b.Get("/users")
	if !strings.Contains(list.Body, "kent.inv2") {
		t.Fatalf("user list lacks the new user")
	}
	var id int64
	users, _, _ := e.Svc.Users.FindUsers(safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test")), safeguard.UserFilter{Limit: 100})
	for _, u := range users {
		if u.Name == "kent.inv2" {
			id = u.ID
		}
	}
	confirm := b.Get("/users/" + itoa(id) + "/password")
	if confirm.StatusCode != 200 || !strings.Contains(confirm.Body, "Reset the password of kent.inv2?") {
		t.Fatalf("reset confirmation: %d\n%s", confirm.StatusCode, confirm.Body)
	}
	resp = b.PostForm("/users/"+itoa(id)+"/password", url.Values{"csrf_token": {CSRF(t, confirm.Body)}})
	if resp.StatusCode != 200 {
		t.Fatalf("reset: %d\n%s", resp.StatusCode, resp.Body)
	}
	if otp2 := secretIn(t, resp.Body); otp2 == otp {
		t.Errorf("reset gave the same password")
	}
	// Only admins manage users.
	o := e.NewBrowser(t)
	o.MustLogin(safeguard.RoleCoordinator)
	if got := o.Get("/users").StatusCode; got != 403 {
		t.Errorf("coordinator on /users: %d", got)
	}
}

func TestAdminCreatesAndRevokesToken(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAdmin)
	csrf := CSRF(t, b.Get("/tokens").Body)
	resp := b.PostForm("/tokens", url.Values{"csrf_token": {csrf}, "name": {"intake-gateway"}, "role": {"analyst"}, "force_code": {"KNT"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d\n%s", resp.StatusCode, resp.Body)
	}
	secret := secretIn(t, resp.Body)
	if got := e.API(t, "GET", "/api/v1/me", secret, nil); got.StatusCode != 200 || !strings.Contains(got.Body, `"name": "intake-gateway"`) {
		t.Fatalf("new token on /me: %d %s", got.StatusCode, got.Body)
	}
	list := b.Get("/tokens")
	if strings.Contains(list.Body, secret) {
		t.Errorf("the token list shows the secret")
	}
	m := regexp.MustCompile(`href="/tokens/(\d+)/revoke"`).FindStringSubmatch(list.Body)
	if m == nil {
		t.Fatalf("no revoke link:\n%s", list.Body)
	}
	confirm := b.Get("/tokens/" + m[1] + "/revoke")
	if confirm.StatusCode != 200 || !strings.Contains(confirm.Body, `action="/tokens/`+m[1]+`/revoke"`) || !strings.Contains(confirm.Body, "intake-gateway") {
		t.Fatalf("revoke confirmation: %d\n%s", confirm.StatusCode, confirm.Body)
	}
	resp = b.PostForm("/tokens/"+m[1]+"/revoke", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(b.Get(resp.Header.Get("Location")).Body, "has been revoked") {
		t.Errorf("no confirmation after revoking")
	}
	if got := b.Get("/tokens/" + m[1] + "/revoke").StatusCode; got != 404 {
		t.Errorf("confirming a revoked token's revocation: %d, want 404", got)
	}
	if got := e.API(t, "GET", "/api/v1/me", secret, nil); got.StatusCode != 401 {
		t.Errorf("revoked token: %d, want 401", got.StatusCode)
	}
}

func TestForcesPage(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAdmin)
	page := b.Get("/forces")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Kent Police (synthetic)") {
		t.Fatalf("forces: %d", page.StatusCode)
	}
	resp := b.PostForm("/forces", url.Values{"csrf_token": {CSRF(t, page.Body)}, "code": {"sfk"}, "name": {"Suffolk (synthetic)"}, "areas": {"IP, CO"}, "weekly_capacity": {"5"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add force: %d\n%s", resp.StatusCode, resp.Body)
	}
	if page := b.Get("/forces?done=force"); !strings.Contains(page.Body, "SFK") || !strings.Contains(page.Body, "IP, CO") {
		t.Errorf("new force not listed")
	}
}

func TestReferralPages(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	port := 51234
	r := &safeguard.Referral{Source: safeguard.SourceHotline, SourceRef: "HL-1", Format: "json", Document: []byte(`{}`),
		DocumentSHA256: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
		ReceivedAt:     safeguard.NowFromContext(ctx), ForceCode: "KNT",
		Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: "someone@example.com"}},
		IPEvents: []safeguard.IPEvent{{IP: mustAddr("192.0.2.10"), Port: &port, TimeText: "2026-01-02 03:04:05"},
			{IP: mustAddr("100.64.1.2"), TimeText: "2026-01-02T03:04:05Z", HasOffset: true}},
		Files: []safeguard.File{{Name: "file1.jpg", Size: 1234, MD5: "d41d8cd98f00b204e9800998ecf8427e"}}}
	if _, err := e.Svc.Referrals.CreateReferral(ctx, r); err != nil {
		t.Fatal(err)
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	list := b.Get("/referrals?source=hotline")
	if list.StatusCode != 200 || !strings.Contains(list.Body, "HL-1") {
		t.Fatalf("referrals: %d\n%s", list.StatusCode, list.Body)
	}
	page := b.Get("/referrals/" + itoa(r.ID))
	for _, want := range []string{"HL-1", "someone@example.com", "192.0.2.10", "51234", "no time-zone offset", "d41d8cd98f00b204e9800998ecf8427e", "shared (CGNAT) address without a port"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("referral page lacks %q", want)
		}
	}
	if got := b.Get("/referrals/999999").StatusCode; got != 404 {
		t.Errorf("unknown referral: %d", got)
	}
	if got := b.Get("/referrals/abc").StatusCode; got != 404 {
		t.Errorf("malformed referral id: %d", got)
	}
}

func TestMissingServicesAnswer503(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, EnvOptions{Edit: func(s *web.Services) { s.Operations, s.Banks, s.Scans = nil, nil, nil }})
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleCoordinator)
	if got := b.Get("/operations"); got.StatusCode != 503 || !strings.Contains(got.Body, "not available") {
		t.Errorf("operations without a service: %d", got.StatusCode)
	}
	if got := b.Get("/banks").StatusCode; got != 503 {
		t.Errorf("banks without a service: %d", got)
	}
}

func secretIn(tb testing.TB, body string) string {
	tb.Helper()
	m := regexp.MustCompile(`id="secret" type="text" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no secret shown in\n%s", body)
	}
	return m[1]
}
