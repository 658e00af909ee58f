package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"safeguard"
	"safeguard/store"
)

// TestBrowserOperationLive records an action in one browser context (a
// Kent investigator) and watches the coordinator's operation page, open in
// another context with its own cookies, change without a reload.
func TestBrowserOperationLive(t *testing.T) {
	e := newBrowserEnv(t)
	base := e.main.Server.URL()
	db := e.main.DB
	sys := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("browser-test"))
	const pw = "a long passphrase for the live test"

	// Accounts with their passwords already changed.
	coord := &safeguard.User{Name: "national.coordinator", Role: safeguard.RoleCoordinator}
	otp, err := store.NewUserService(db).CreateUser(sys, coord)
	if err != nil {
		t.Fatal(err)
	}
	e.otp[coord.Name] = otp
	auth := store.NewAuthService(db)
	users, _, err := store.NewUserService(db).FindUsers(sys, safeguard.UserFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Name != coord.Name && u.Name != "kent.investigator" {
			continue
		}
		if err := auth.ChangePassword(safeguard.NewContextWithActor(context.Background(), u.Actor()), u.ID, e.otp[u.Name], pw); err != nil {
			t.Fatal(err)
		}
	}
	ops := store.NewOperationService(db)
	op := &safeguard.Operation{Code: "OP-BROWSER", Name: "Browser (synthetic)"}
	if err := ops.CreateOperation(sys, op); err != nil {
		t.Fatal(err)
	}
	pkg := &safeguard.Package{OperationID: op.ID, SubjectID: e.kent.ID}
	if err := ops.SendPackage(sys, pkg); err != nil {
		t.Fatal(err)
	}

	// The coordinator's page, live.
	if st := e.login(t, coord.Name, pw); st != 200 {
		t.Fatalf("coordinator login: %d", st)
	}
	e.step(t, "open the operation page",
		chromedp.Navigate(base+"/operations/OP-BROWSER"),
		chromedp.WaitVisible(chromedp.ID("total-arrests")),
		chromedp.Poll[chromedp.Void](`document.getElementById("live-status").textContent === "Live: connected"`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
	)
	if got := e.text(t, "#total-arrests"); got != "0" {
		t.Fatalf("arrests before: %q", got)
	}
	// A marker that a reload would wipe.
	e.step(t, "mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))

	// The investigator, in a browser context of its own.
	ictx, cancel := chromedp.NewContext(e.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ictx, chromedp.Navigate(base+"/login")); err != nil {
		t.Fatalf("second browser context: %v", err)
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ictx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.RunResponse(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("investigator login",
		chromedp.SendKeys(chromedp.ID("name"), "kent.investigator"),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)))
	run("open the package", chromedp.Navigate(base+"/packages/"+strconv.FormatInt(pkg.ID, 10)))
	run("record an arrest",
		chromedp.SetValue(chromedp.ID("kind"), safeguard.ActArrest),
		chromedp.Click(chromedp.CSS(`#record-form button[type="submit"]`)))
	recorded := time.Now()

	// The coordinator's page shows it, without a reload.
	e.step(t, "see the arrest on the coordinator's page",
		chromedp.Poll[chromedp.Void](`document.getElementById("total-arrests").textContent === "1" && window.notReloaded === true`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	took := time.Since(recorded)
	t.Logf("the coordinator's page changed %v after the action was recorded", took.Round(time.Millisecond))
	if took > 2*time.Second {
		t.Errorf("the page took %v to change, want within 2 s", took)
	}
	if tl := e.text(t, "#timeline-h + table"); !contains(tl, "arrest") || !contains(tl, "KNT") {
		t.Errorf("time line:\n%s", tl)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
