package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

func TestLoginGoesToTheRolesHome(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	for role, home := range map[safeguard.Role]string{
		safeguard.RoleAdmin:        "/users",
		safeguard.RoleAuditor:      "/audit",
		safeguard.RoleAnalyst:      "/queue",
		safeguard.RoleCoordinator:  "/queue",
		safeguard.RoleSupervisor:   "/queue",
		safeguard.RoleInvestigator: "/queue",
	} {
		b := e.NewBrowser(t)
		resp := b.Login(e.Users[role].Name, testPassword)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != home {
			t.Errorf("%s: login answered %d to %q, want 303 to %s", role, resp.StatusCode, resp.Header.Get("Location"), home)
			continue
		}
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "sg_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
			t.Errorf("%s: session cookie %+v", role, cookie)
		}
		if got := b.Get("/").Header.Get("Location"); got != home {
			t.Errorf("%s: / redirects to %q, want %s", role, got, home)
		}
		page := b.Get(home)
		if page.StatusCode != 200 {
			t.Errorf("%s: %s answered %d\n%s", role, home, page.StatusCode, page.Body)
		}
	}
}

func TestNavigationByRole(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	nav := func(role safeguard.Role, path string) string {
		b := e.NewBrowser(t)
		b.MustLogin(role)
		body := b.Get(path).Body
		start, end := strings.Index(body, `<nav class="site-nav"`), strings.Index(body, "</nav>")
		if start < 0 || end < start {
			t.Fatalf("%s: no navigation in\n%s", role, body)
		}
		return body[start:end]
	}
	auditor := nav(safeguard.RoleAuditor, "/audit")
	if !strings.Contains(auditor, `href="/audit"`) || strings.Contains(auditor, `href="/queue"`) || strings.Contains(auditor, `href="/users"`) {
		t.Errorf("auditor navigation:\n%s", auditor)
	}
	if !strings.Contains(auditor, `aria-current="page"`) {
		t.Errorf("no current page marked:\n%s", auditor)
	}
	admin := nav(safeguard.RoleAdmin, "/users")
	for _, want := range []string{"/users", "/tokens", "/forces", "/audit"} {
		if !strings.Contains(admin, `href="`+want+`"`) {
			t.Errorf("admin navigation lacks %s", want)
		}
	}
	if strings.Contains(admin, `href="/queue"`) {
		t.Errorf("admin navigation shows the queue")
	}
	inv := nav(safeguard.RoleInvestigator, "/queue")
	if !strings.Contains(inv, `href="/queue"`) || strings.Contains(inv, `href="/audit"`) || strings.Contains(inv, `href="/tokens"`) {
		t.Errorf("investigator navigation:\n%s", inv)
	}
}

func TestLoginWrongPassword(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	resp := b.Login(e.Users[safeguard.RoleAnalyst].Name, "not the password")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, "Wrong name or password") {
		t.Errorf("wrong password: %d\n%s", resp.StatusCode, resp.Body)
	}
	resp = b.Login("nobody-here", "not the password")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, "Wrong name or password") {
		t.Errorf("unknown name: %d", resp.StatusCode)
	}
	if got := b.Get("/queue"); got.StatusCode != http.StatusSeeOther || !strings.HasPrefix(got.Header.Get("Location"), "/login") {
		t.Errorf("after a failed login /queue answered %d", got.StatusCode)
	}
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, EnvOptions{Store: store.Options{MaxFailedLogins: 3}})
	b := e.NewBrowser(t)
	name := e.Users[safeguard.RoleAnalyst].Name
	var resp *Response
	for i := 0; i < 6 && (resp == nil || resp.StatusCode != http.StatusTooManyRequests); i++ {
		resp = b.Login(name, "wrong password "+string(rune('a'+i)))
	}
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(resp.Body, "Too many attempts, try again later") {
		t.Fatalf("repeated failures: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	// Locked: even the right password is refused for now.
	if got := b.Login(name, testPassword).StatusCode; got != http.StatusTooManyRequests {
		t.Errorf("right password while locked: %d, want 429", got)
	}
}

func TestLoginNeedsCSRF(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.Get("/login")
	form := url.Values{"name": {e.Users[safeguard.RoleAnalyst].Name}, "password": {testPassword}}
	if resp := b.PostForm("/login", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without a CSRF token: %d, want 403", resp.StatusCode)
	}
	form.Set("csrf_token", "forged-forged-forged-forged-forged-forged")
	if resp := b.PostForm("/login", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
}

func TestCSRFOnStateChangingForms(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAdmin)
	token := CSRF(t, b.Get("/tokens").Body)
	form := url.Values{"name": {"intake-gateway"}, "role": {"analyst"}}

	resp := b.PostForm("/tokens", form)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "did not come from Safeguard") {
		t.Errorf("no CSRF token: %d\n%s", resp.StatusCode, resp.Body)
	}
	form.Set("csrf_token", token+"x")
	if resp := b.PostForm("/tokens", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", resp.StatusCode)
	}
	// The right token from another site is still refused.
	form.Set("csrf_token", token)
	req, _ := http.NewRequest("POST", e.URL+"/tokens", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://attacker.example")
	if resp := b.Do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", resp.StatusCode)
	}
	// Logout is a form too.
	if resp := b.PostForm("/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d", resp.StatusCode)
	}
	if resp := b.PostForm("/tokens", form); resp.StatusCode != http.StatusCreated {
		t.Errorf("with the token: %d\n%s", resp.StatusCode, resp.Body)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	var old *http.Cookie
	for _, c := range b.Client.Jar.Cookies(mustURL(t, e.URL)) {
		if c.Name == "sg_session" {
			old = c
		}
	}
	resp := b.PostForm("/logout", url.Values{"csrf_token": {CSRF(t, b.Get("/queue").Body)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?m=logged_out" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(b.Get("/login?m=logged_out").Body, "You have logged out") {
		t.Errorf("no logout message")
	}
	// The old cookie no longer works: the session ended on the server.
	b2 := e.NewBrowser(t)
	b2.Client.Jar.SetCookies(mustURL(t, e.URL), []*http.Cookie{old})
	if got := b2.Get("/queue"); got.StatusCode != http.StatusSeeOther || !strings.Contains(got.Header.Get("Location"), "m=expired") {
		t.Errorf("old session after logout: %d %q", got.StatusCode, got.Header.Get("Location"))
	}
}

func TestAbsentAndExpiredSession(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, EnvOptions{Store: store.Options{SessionIdle: 2 * time.Second}})
	b := e.NewBrowser(t)
	resp := b.Get("/queue?sort=due")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fqueue%3Fsort%3Ddue" {
		t.Errorf("no session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.MustLogin(safeguard.RoleAnalyst)
	if got := b.Get("/queue").StatusCode; got != 200 {
		t.Fatalf("fresh session: %d", got)
	}
	time.Sleep(2500 * time.Millisecond)
	resp = b.Get("/queue")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?m=expired") {
		t.Fatalf("expired session: %d %q", resp.StatusCode, loc)
	}
	if page := b.Get(loc); !strings.Contains(page.Body, "Your session has expired") {
		t.Errorf("login page after expiry lacks the message:\n%s", page.Body)
	}
	// Logging in again returns to where the user was going.
	page := b.Get("/login?next=%2Fqueue%3Fsort%3Ddue")
	resp = b.PostForm("/login", url.Values{"csrf_token": {CSRF(t, page.Body)}, "name": {e.Users[safeguard.RoleAnalyst].Name},
		"password": {testPassword}, "next": {"/queue?sort=due"}})
	if got := resp.Header.Get("Location"); got != "/queue?sort=due" {
		t.Errorf("after login: Location %q", got)
	}
	// A foreign next is ignored.
	b = e.NewBrowser(t)
	page = b.Get("/login")
	resp = b.PostForm("/login", url.Values{"csrf_token": {CSRF(t, page.Body)}, "name": {e.Users[safeguard.RoleAnalyst].Name},
		"password": {testPassword}, "next": {"//evil.example.com/"}})
	if got := resp.Header.Get("Location"); got != "/queue" {
		t.Errorf("foreign next: Location %q", got)
	}
}

func TestMustChangePassword(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	u := &safeguard.User{Name: "newstarter", Role: safeguard.RoleAnalyst}
	otp, err := e.Svc.Users.CreateUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	b := e.NewBrowser(t)
	resp := b.Login("newstarter", otp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/password" {
		t.Fatalf("one-time password login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/", "/queue", "/subjects/" + e.Kent.Ref, "/referrals"} {
		if got := b.Get(path); got.StatusCode != http.StatusSeeOther || got.Header.Get("Location") != "/password" {
			t.Errorf("%s before changing: %d %q", path, got.StatusCode, got.Header.Get("Location"))
		}
	}
	page := b.Get("/password")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "You must choose your own password") {
		t.Fatalf("password page: %d\n%s", page.StatusCode, page.Body)
	}
	csrf := CSRF(t, page.Body)
	resp = b.PostForm("/password", url.Values{"csrf_token": {csrf}, "current_password": {otp}, "new_password": {"short"}, "confirm_password": {"short"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("weak password: %d", resp.StatusCode)
	}
	resp = b.PostForm("/password", url.Values{"csrf_token": {csrf}, "current_password": {otp}, "new_password": {"a much longer passphrase"}, "confirm_password": {"a much longer passphrase!"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "differ") {
		t.Errorf("mismatched confirmation: %d", resp.StatusCode)
	}
	resp = b.PostForm("/password", url.Values{"csrf_token": {csrf}, "current_password": {otp}, "new_password": {"a much longer passphrase"}, "confirm_password": {"a much longer passphrase"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
		t.Fatalf("change: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	if got := b.Get("/queue").StatusCode; got != 200 {
		t.Errorf("queue after changing: %d", got)
	}
}

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}
