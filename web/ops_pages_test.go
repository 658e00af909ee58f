package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"safeguard"
)

var keyRE = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

func TestOperationForms_SendAnswerRecordReport(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	coord := e.NewBrowser(t)
	coord.MustLogin(safeguard.RoleCoordinator)
	csrf := CSRF(t, coord.Get("/operations/new").Body)

	resp := coord.PostForm("/operations", url.Values{"csrf_token": {csrf}, "code": {"op-form"}, "name": {"Form (synthetic)"},
		"forces": {"KNT, ESX"}, "accept_hours": {"x"}})
	if resp.StatusCode != 400 || !strings.Contains(resp.Body, "Hours to accept must be a whole number") {
		t.Fatalf("bad hours: %d", resp.StatusCode)
	}
	resp = coord.PostForm("/operations", url.Values{"csrf_token": {csrf}, "code": {"op-form"}, "name": {"Form (synthetic)"},
		"forces": {"KNT, ESX"}, "accept_hours": {"6"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/operations/OP-FORM?done=created" {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Body)
	}
	page := coord.Get("/operations/OP-FORM?done=created")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "The operation has been created.") || !strings.Contains(page.Body, "ESX, KNT") ||
		!strings.Contains(page.Body, `data-events="/operations/OP-FORM/events?after=0"`) || !strings.Contains(page.Body, "/static/live.") {
		t.Fatalf("operation page: %d\n%s", page.StatusCode, page.Body)
	}
	send := func(ref, force, coordinated string) *Response {
		return coord.PostForm("/operations/OP-FORM/packages", url.Values{"csrf_token": {csrf}, "subject_ref": {ref},
			"force_code": {force}, "coordinated": {coordinated}})
	}
	if resp := send(e.Kent.Ref, "", ""); resp.StatusCode != 303 {
		t.Fatalf("send: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := send("SG-0000-000000", "", ""); resp.StatusCode != 400 || !strings.Contains(resp.Body, "There is no subject") {
		t.Fatalf("unknown subject: %d", resp.StatusCode)
	}
	// Deconfliction stops the second package until coordination is confirmed.
	resp = send(e.Kent.Ref, "ESX", "")
	if resp.StatusCode != 409 || !strings.Contains(resp.Body, "held by KNT") || !strings.Contains(resp.Body, `name="coordinated"`) {
		t.Fatalf("deconfliction: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := send(e.Essex.Ref, "", ""); resp.StatusCode != 303 {
		t.Fatalf("send essex: %d %s", resp.StatusCode, resp.Body)
	}
	pkgs, err := e.Svc.Operations.FindPackages(safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test")), mustOp(t, e, "OP-FORM").ID)
	if err != nil || len(pkgs) != 2 {
		t.Fatalf("packages %v, %v", pkgs, err)
	}
	kent, essex := itoa(pkgs[0].ID), itoa(pkgs[1].ID)

	// Kent's supervisor: a return needs a reason; accepting works.
	sup := e.NewBrowser(t)
	sup.MustLogin(safeguard.RoleSupervisor)
	p := sup.Get("/packages/" + kent)
	if p.StatusCode != 200 || !strings.Contains(p.Body, `value="accepted"`) {
		t.Fatalf("package page: %d", p.StatusCode)
	}
	sc := CSRF(t, p.Body)
	if r := sup.PostForm("/packages/"+kent+"/answer", url.Values{"csrf_token": {sc}, "answer": {"returned"}}); r.StatusCode != 400 || !strings.Contains(r.Body, "needs a reason") {
		t.Fatalf("return without reason: %d", r.StatusCode)
	}
	if r := sup.PostForm("/packages/"+kent+"/answer", url.Values{"csrf_token": {sc}, "answer": {"accepted"}}); r.StatusCode != 303 {
		t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
	}
	// Force scoping of every page: Essex's package is not found for Kent.
	for _, path := range []string{"/packages/" + essex} {
		if got := sup.Get(path).StatusCode; got != 404 {
			t.Errorf("KNT GET %s: %d", path, got)
		}
	}
	for _, path := range []string{"/packages/" + essex + "/answer", "/packages/" + essex + "/actions"} {
		if got := sup.PostForm(path, url.Values{"csrf_token": {sc}, "answer": {"accepted"}, "kind": {"arrest"}, "at": {"2026-03-14T10:00"}}).StatusCode; got != 404 {
			t.Errorf("KNT POST %s: %d", path, got)
		}
	}

	// Kent's investigator records an arrest; the form posted twice records one.
	inv := e.NewBrowser(t)
	inv.MustLogin(safeguard.RoleInvestigator)
	p = inv.Get("/packages/" + kent)
	key := keyRE.FindStringSubmatch(p.Body)
	if key == nil {
		t.Fatalf("no idempotency key in the form")
	}
	form := url.Values{"csrf_token": {CSRF(t, p.Body)}, "idempotency_key": {key[1]}, "kind": {"arrest"}, "at": {"2026-03-14T10:00"}, "note": {"arrested at home (synthetic)"}, "officer": {"PC 4321 (synthetic)"}}
	for range 2 {
		if r := inv.PostForm("/packages/"+kent+"/actions", form); r.StatusCode != 303 {
			t.Fatalf("record: %d %s", r.StatusCode, r.Body)
		}
	}
	form.Set("idempotency_key", "other")
	form.Set("at", "yesterday")
	if r := inv.PostForm("/packages/"+kent+"/actions", form); r.StatusCode != 400 || !strings.Contains(r.Body, "When must be a date and time") {
		t.Fatalf("bad time: %d", r.StatusCode)
	}
	if p := inv.Get("/packages/" + kent); strings.Count(p.Body, "<td>arrest</td>") != 1 || !strings.Contains(p.Body, "<td>PC 4321 (synthetic)</td>") {
		t.Fatalf("arrests on the page: %d", strings.Count(p.Body, "<td>arrest</td>"))
	}

	// The live fragment, the report and its CSV.
	frag := coord.Get("/operations/OP-FORM?fragment=live")
	if frag.StatusCode != 200 || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, `<dd id="total-arrests">1</dd>`) {
		t.Fatalf("fragment: %d\n%s", frag.StatusCode, frag.Body)
	}
	rep := coord.Get("/operations/OP-FORM/report")
	if rep.StatusCode != 200 || !strings.Contains(rep.Body, "1 person arrested in") || !strings.Contains(rep.Body, "/static/ops.") {
		t.Fatalf("report: %d\n%s", rep.StatusCode, rep.Body)
	}
	csv := coord.Get("/operations/OP-FORM/report.csv")
	if csv.StatusCode != 200 || !strings.Contains(csv.Body, "\nKNT,1,1,0,0,0,1,0,0,1\n") || !strings.Contains(csv.Body, "\nESX,1,0,0,0,0,0,0,0,0\n") ||
		!strings.Contains(csv.Body, "\nTOTAL,2,1,0,0,0,1,0,0,1\n") {
		t.Fatalf("csv: %d\n%s", csv.StatusCode, csv.Body)
	}
	if tl := coord.Get("/operations/OP-FORM/report.csv?part=timeline"); !strings.Contains(tl.Body, ",KNT,"+kent+","+e.Kent.Ref+",arrest,0,,,true\n") {
		t.Fatalf("timeline csv:\n%s", tl.Body)
	}
	if got := sup.Get("/operations/OP-FORM/report.csv").Body; strings.Contains(got, "ESX") {
		t.Fatalf("KNT's CSV names ESX:\n%s", got)
	}
	if got := sup.Get("/operations/OP-FORM").Body; strings.Contains(got, e.Essex.Ref) || !strings.Contains(got, e.Kent.Ref) {
		t.Fatalf("KNT's operation page shows Essex's package")
	}
	// The auditor reads the report, not the operational page.
	aud := e.NewBrowser(t)
	aud.MustLogin(safeguard.RoleAuditor)
	if got := aud.Get("/operations/OP-FORM/report").StatusCode; got != 200 {
		t.Fatalf("auditor report: %d", got)
	}
	if got := aud.Get("/operations/OP-FORM").StatusCode; got != 403 {
		t.Fatalf("auditor live page: %d", got)
	}
	// Closing the operation.
	if r := coord.PostForm("/operations/OP-FORM/status", url.Values{"csrf_token": {csrf}, "status": {"closed"}}); r.StatusCode != 303 {
		t.Fatalf("close: %d", r.StatusCode)
	}
	if mustOp(t, e, "OP-FORM").Status != safeguard.OpClosed {
		t.Fatal("not closed")
	}
}

func mustOp(tb testing.TB, e *Env, code string) *safeguard.Operation {
	tb.Helper()
	op, err := e.Svc.Operations.FindOperationByCode(safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test")), code)
	if err != nil {
		tb.Fatal(err)
	}
	return op
}

func TestTrendsPages(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	r := &safeguard.ScanReport{SubjectID: &e.Kent.ID, Document: []byte(`{}`), Tool: "test", Files: 5, Matched: 4,
		ByCategory: map[safeguard.Scheme]map[string]int{safeguard.SchemeUK: {"A": 1, "C": 3}}}
	if err := e.Svc.Scans.CreateScanReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	aud := e.NewBrowser(t)
	aud.MustLogin(safeguard.RoleAuditor)
	page := aud.Get("/reports/trends")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "<svg") || !strings.Contains(page.Body, `<td class="num">25.0%</td>`) {
		t.Fatalf("trends page: %d\n%s", page.StatusCode, page.Body)
	}
	csv := aud.Get("/reports/trends.csv?part=categories")
	if csv.StatusCode != 200 || !strings.Contains(csv.Body, ",uk,A,1,0.2500\n") {
		t.Fatalf("categories csv: %d\n%s", csv.StatusCode, csv.Body)
	}
	if got := aud.Get("/reports/trends.csv?part=response"); !strings.HasPrefix(got.Body, "band,subjects,median_hours") {
		t.Fatalf("response csv:\n%s", got.Body)
	}
	if got := aud.Get("/reports/trends.csv?part=nope").StatusCode; got != 400 {
		t.Fatalf("bad part: %d", got)
	}
	var tr safeguard.Trends
	mustJSON(t, e.API(t, "GET", "/api/v1/reports/trends", e.MustToken(t, safeguard.RoleAuditor), nil), 200, &tr)
	if len(tr.Categories) != 2 || tr.Categories[1].Share != 0.75 {
		t.Fatalf("trends %+v", tr.Categories)
	}
}

func TestPackageDocument(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	r := &safeguard.Referral{Source: safeguard.SourceHotline, SourceRef: "DOC-1", Format: "json", Document: []byte(`{}`), SubjectID: &e.Kent.ID,
		Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentEmail, Value: "doc.person@example.com"}}}
	if _, err := e.Svc.Referrals.CreateReferral(ctx, r); err != nil {
		t.Fatal(err)
	}
	op := &safeguard.Operation{Code: "OP-DOC", Name: "Doc"}
	if err := e.Svc.Operations.CreateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	kent := &safeguard.Package{OperationID: op.ID, SubjectID: e.Kent.ID}
	essex := &safeguard.Package{OperationID: op.ID, SubjectID: e.Essex.ID}
	for _, p := range []*safeguard.Package{kent, essex} {
		if err := e.Svc.Operations.SendPackage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleSupervisor) // KNT
	doc := b.Get("/packages/" + itoa(kent.ID) + "/document")
	if doc.StatusCode != 200 || !strings.Contains(doc.Body, "doc.person@example.com") || !strings.Contains(doc.Body, "1 Example Street, CT1 1AA") ||
		!strings.Contains(doc.Body, "never stores or shows file content") || !strings.Contains(doc.Body, "Operation OP-DOC.") {
		t.Fatalf("document: %d\n%s", doc.StatusCode, doc.Body)
	}
	if got := b.Get("/packages/" + itoa(essex.ID) + "/document").StatusCode; got != 404 {
		t.Fatalf("another force's document: %d", got)
	}
}
