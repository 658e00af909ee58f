package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"safeguard"
	"safeguard/keyring"
	"safeguard/password"
	"safeguard/store"
)

// chromiumPath is Debian's Chromium, which scripts/test installs.
const chromiumPath = "/usr/bin/chromium"

// browserEnv is the real Main serving a seeded database on :0, and a
// headless Chromium to drive it.
type browserEnv struct {
	main  *Main
	ctx   context.Context // a chromedp context: one tab
	kent  *safeguard.Subject
	essex *safeguard.Subject
	otp   map[string]string // one-time passwords by login name
}

// mustChromium returns the browser path, failing when browsers are
// required (CI, or SAFEGUARD_REQUIRE_BROWSER) and skipping otherwise.
func mustChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("SAFEGUARD_REQUIRE_BROWSER") != "" {
			t.Fatalf("browser tests need %s: %v (scripts/test installs it)", chromiumPath, err)
		}
		t.Skipf("%s not found; set SAFEGUARD_REQUIRE_BROWSER to make this a failure", chromiumPath)
	}
	return chromiumPath
}

func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	exe := mustChromium(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "safeguard.key")
	if err := keyring.WriteFile(keyFile); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.PasswordParams = &password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	m.Config.DB = "sqlite:" + filepath.Join(dir, "safeguard.db")
	m.Config.Addr = "127.0.0.1:0"
	m.Config.KeyFile = keyFile
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	e := &browserEnv{main: m, otp: map[string]string{}}
	e.seed(t)

	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
	)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	e.ctx = ctx
	return e
}

// seed adds two forces, a subject in each and the accounts the tests use.
func (e *browserEnv) seed(t *testing.T) {
	t.Helper()
	db := e.main.DB
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("browser-test"))
	forces := store.NewForceService(db)
	for _, f := range []*safeguard.Force{
		{Code: "KNT", Name: "Kent Police (synthetic)", Areas: []string{"CT"}, WeeklyCapacity: 5, Synthetic: true},
		{Code: "ESX", Name: "Essex Police (synthetic)", Areas: []string{"CM"}, WeeklyCapacity: 5, Synthetic: true},
	} {
		if err := forces.CreateForce(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	subjects := store.NewSubjectService(db)
	e.kent = &safeguard.Subject{Name: "Fictional Person Kent", ForceCode: "KNT", AttributionStatus: safeguard.AttrCorroborated}
	e.essex = &safeguard.Subject{Name: "Fictional Person Essex", ForceCode: "ESX", AttributionStatus: safeguard.AttrUnresolved}
	for _, s := range []*safeguard.Subject{e.kent, e.essex} {
		if err := subjects.CreateSubject(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	users := store.NewUserService(db)
	for _, u := range []*safeguard.User{
		{Name: "kent.investigator", Role: safeguard.RoleInvestigator, ForceCode: "KNT"},
		{Name: "auditor", Role: safeguard.RoleAuditor},
	} {
		otp, err := users.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		e.otp[u.Name] = otp
	}
}

// step runs actions with a time limit, failing the test with what.
func (e *browserEnv) step(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submit runs actions that submit a form and waits for the page that
// answers, returning its status.
func (e *browserEnv) submit(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return resp.Status
}

func (e *browserEnv) text(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (e *browserEnv) location(t *testing.T) string {
	t.Helper()
	loc, err := chromedp.Run(e.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(loc, e.main.Server.URL())
}

// login fills the login form.
func (e *browserEnv) login(t *testing.T, name, pw string) int64 {
	t.Helper()
	e.step(t, "open login page", chromedp.Navigate(e.main.Server.URL()+"/login"))
	return e.submit(t, "log in as "+name,
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
	)
}

// TestBrowser drives the real server with Chromium. The subtests share one
// server and one browser (starting each costs seconds) and run in order.
func TestBrowser(t *testing.T) {
	e := newBrowserEnv(t)
	t.Run("investigator", e.testInvestigator)
	t.Run("auditor", e.testAuditor)
	t.Run("assessment", e.testAssessment)
}

// testInvestigator: first login, forced password change, the queue as home
// page, the force's own subject, another force's subject refused (404),
// logout, and a wrong password.
func (e *browserEnv) testInvestigator(t *testing.T) {
	base := e.main.Server.URL()
	const newPW = "a long passphrase for the browser test"

	// First login with the one-time password leads to the forced change.
	if st := e.login(t, "kent.investigator", e.otp["kent.investigator"]); st != 200 {
		t.Fatalf("login answered %d", st)
	}
	if loc := e.location(t); loc != "/password" {
		t.Fatalf("after the first login: %s, want /password", loc)
	}
	st := e.submit(t, "change password",
		chromedp.SendKeys(chromedp.ID("current_password"), e.otp["kent.investigator"]),
		chromedp.SendKeys(chromedp.ID("new_password"), newPW),
		chromedp.SendKeys(chromedp.ID("confirm_password"), newPW),
		chromedp.Click(chromedp.CSS(`form[action="/password"] button[type="submit"]`)),
	)
	// The role's home page: the queue, listing its force's subject by reference.
	if loc := e.location(t); st != 200 || loc != "/queue" {
		t.Fatalf("after changing the password: %d at %s, want the queue", st, loc)
	}
	if h1 := e.text(t, "main h1"); h1 != "Queue" {
		t.Errorf("home page heading %q, want Queue", h1)
	}
	table := e.text(t, "main table")
	if !strings.Contains(table, e.kent.Ref) || strings.Contains(table, e.essex.Ref) || strings.Contains(table, "Fictional Person") {
		t.Errorf("queue table:\n%s", table)
	}
	nav := e.text(t, "nav.site-nav")
	if strings.Contains(nav, "Audit") || strings.Contains(nav, "Users") || !strings.Contains(nav, "Queue") {
		t.Errorf("investigator navigation: %q", nav)
	}

	// Follow the link to the force's own subject.
	st = e.submit(t, "open own subject", chromedp.Click(chromedp.CSS(`a[href="/subjects/`+e.kent.Ref+`"]`)))
	if st != 200 || !strings.Contains(e.text(t, "main"), "Fictional Person Kent") {
		t.Errorf("own subject: %d", st)
	}

	// Another force's subject is refused as not found.
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/subjects/"+e.essex.Ref))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 404 {
		t.Errorf("another force's subject: %d, want 404", resp.Status)
	}
	if body := e.text(t, "main"); !strings.Contains(body, "Not found") || strings.Contains(body, "Fictional Person Essex") {
		t.Errorf("404 page:\n%s", body)
	}

	// Log out with the header's button; the queue then needs a login again.
	e.submit(t, "log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	if loc := e.location(t); !strings.HasPrefix(loc, "/login") {
		t.Errorf("after logout: %s", loc)
	}
	e.step(t, "queue after logout", chromedp.Navigate(base+"/queue"))
	if loc := e.location(t); !strings.HasPrefix(loc, "/login") {
		t.Errorf("queue after logout: %s, want the login page", loc)
	}

	// A wrong password gets the login page again with a message.
	if st := e.login(t, "kent.investigator", "not the password at all"); st != 401 {
		t.Errorf("wrong password: %d, want 401", st)
	}
	if msg := e.text(t, `[role="alert"]`); !strings.Contains(msg, "Wrong name or password") {
		t.Errorf("wrong password message: %q", msg)
	}
}

// testAuditor: the audit log as home page, its filter, and subjects refused.
func (e *browserEnv) testAuditor(t *testing.T) {
	auth := store.NewAuthService(e.main.DB)
	const pw = "another long passphrase for tests"
	users := store.NewUserService(e.main.DB)
	list, _, err := users.FindUsers(safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("browser-test")), safeguard.UserFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range list {
		if u.Name == "auditor" {
			if err := auth.ChangePassword(safeguard.NewContextWithActor(context.Background(), u.Actor()), u.ID, e.otp["auditor"], pw); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st := e.login(t, "auditor", pw); st != 200 {
		t.Fatalf("login: %d", st)
	}
	if loc := e.location(t); loc != "/audit" {
		t.Fatalf("auditor home: %s, want /audit", loc)
	}
	if h1 := e.text(t, "main h1"); h1 != "Audit log" {
		t.Errorf("heading %q", h1)
	}
	// The auditor's own login is in the log; filter by action.
	st := e.submit(t, "filter audit log",
		chromedp.SendKeys(chromedp.ID("action"), "user.create"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
	)
	if st != 200 || !strings.Contains(e.location(t), "action=user.create") {
		t.Errorf("filter: %d at %s", st, e.location(t))
	}
	// An auditor may not read subjects.
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(e.main.Server.URL()+"/subjects/"+e.kent.Ref))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 403 {
		t.Errorf("auditor on a subject: %d, want 403", resp.Status)
	}
}
