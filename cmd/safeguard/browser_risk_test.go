package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"safeguard"
	"safeguard/store"
)

// testAssessment: a coordinator opens the queue, records a fact on a
// subject's page, sees the subject re-assessed by the server's own
// assessor and the explanation in plain words, then opens the forecast.
func (e *browserEnv) testAssessment(t *testing.T) {
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("browser-test"))
	const pw = "a passphrase for the assessment test"
	u := &safeguard.User{Name: "coordinator", Role: safeguard.RoleCoordinator}
	otp, err := store.NewUserService(e.main.DB).CreateUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.NewAuthService(e.main.DB).ChangePassword(safeguard.NewContextWithActor(context.Background(), u.Actor()), u.ID, otp, pw); err != nil {
		t.Fatal(err)
	}
	// A subtest before may have left someone logged in.
	e.step(t, "open a page", chromedp.Navigate(e.main.Server.URL()+"/password"))
	if !strings.HasPrefix(e.location(t), "/login") {
		e.submit(t, "log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	}
	if st := e.login(t, "coordinator", pw); st != 200 {
		t.Fatalf("login: %d", st)
	}
	if loc := e.location(t); loc != "/queue" {
		t.Fatalf("coordinator home: %s, want /queue", loc)
	}
	if table := e.text(t, "main table"); !strings.Contains(table, e.kent.Ref) || !strings.Contains(table, e.essex.Ref) {
		t.Errorf("national queue:\n%s", table)
	}

	// The subject's page, from the queue; record a fact with its form.
	subject := "/subjects/" + e.kent.Ref
	if st := e.submit(t, "open subject", chromedp.Click(chromedp.CSS(`main a[href="`+subject+`"]`))); st != 200 {
		t.Fatalf("subject page: %d", st)
	}
	if why := e.text(t, "#risk-why .explanation"); !strings.HasPrefix(why, "Low") {
		t.Errorf("before the fact: %q", why)
	}
	recorded := time.Now()
	st := e.submit(t, "record a fact",
		chromedp.SetValue(chromedp.ID("fact-path"), "access_to_children.occupation"),
		chromedp.SendKeys(chromedp.ID("fact-value"), "scout_leader"),
		chromedp.SendKeys(chromedp.ID("fact-note"), "from the force's enquiry"),
		chromedp.Click(chromedp.CSS(`form[action="`+subject+`/facts"] button[type="submit"]`)),
	)
	if st != 200 || !strings.Contains(e.text(t, `[role="status"]`), "The fact has been recorded") {
		t.Fatalf("after recording: %d at %s", st, e.location(t))
	}
	// serve's assessor runs every 250 ms: the page says why within seconds.
	var why string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		e.step(t, "reload subject", chromedp.Navigate(e.main.Server.URL()+subject))
		if why = e.text(t, "#risk-why .explanation"); strings.HasPrefix(why, "Immediate") {
			break
		}
	}
	if !strings.HasPrefix(why, "Immediate because: works or volunteers as a scout leader (analyst entry by user:") {
		t.Errorf("explanation: %q", why)
	}
	t.Logf("the page explained the new band %v after the form was sent", time.Since(recorded).Round(time.Millisecond))
	if hist := e.text(t, "#risk-history"); !strings.Contains(hist, "band low → immediate") {
		t.Errorf("history:\n%s", hist)
	}

	e.step(t, "open forecast", chromedp.Navigate(e.main.Server.URL()+"/forecast"))
	if h1 := e.text(t, "main h1"); h1 != "Capacity forecast" {
		t.Errorf("forecast heading %q", h1)
	}
	cctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	charts, err := chromedp.Run(cctx, chromedp.Nodes(chromedp.CSS("main figure svg")))
	if err != nil || len(charts) == 0 {
		t.Errorf("forecast chart: %d svg, %v", len(charts), err)
	}
}
