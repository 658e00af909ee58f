package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// essexToken creates an API token of the role in ESX.
func (e *Env) essexToken(tb testing.TB, role safeguard.Role) string {
	tb.Helper()
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	secret, err := e.Svc.Auth.CreateToken(ctx, &safeguard.APIToken{Name: "esx-" + string(role), Role: role, ForceCode: "ESX"})
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// mustJSON decodes a response body into v, failing on a status other
// than want.
func mustJSON(tb testing.TB, resp *Response, want int, v any) {
	tb.Helper()
	if resp.StatusCode != want {
		tb.Fatalf("status %d, want %d: %s", resp.StatusCode, want, resp.Body)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
			tb.Fatalf("%v: %s", err, resp.Body)
		}
	}
}

func body(s string) *strings.Reader { return strings.NewReader(s) }

func TestOperationsAPI(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	coord := e.MustToken(t, safeguard.RoleCoordinator)
	kntSup := e.MustToken(t, safeguard.RoleSupervisor)
	kntInv := e.MustToken(t, safeguard.RoleInvestigator)
	esxInv := e.essexToken(t, safeguard.RoleInvestigator)

	var op safeguard.Operation
	mustJSON(t, e.API(t, "POST", "/api/v1/operations", coord, body(`{"code":"OP-API","name":"API (synthetic)","forces":["KNT","ESX"],"accept_hours":12}`)), 201, &op)
	if op.Status != safeguard.OpLive || op.AcceptHours != 12 || len(op.Forces) != 2 {
		t.Fatalf("created %+v", op)
	}
	if got := e.API(t, "POST", "/api/v1/operations", kntSup, body(`{"code":"OP-X","name":"X"}`)).StatusCode; got != 403 {
		t.Fatalf("supervisor creates an operation: %d", got)
	}
	var kent, essex safeguard.Package
	mustJSON(t, e.API(t, "POST", "/api/v1/operations/OP-API/packages", coord, body(`{"subject_ref":"`+e.Kent.Ref+`","note":"kent"}`)), 201, &kent)
	mustJSON(t, e.API(t, "POST", "/api/v1/operations/OP-API/packages", coord, body(`{"subject_ref":"`+e.Essex.Ref+`"}`)), 201, &essex)
	if kent.ForceCode != "KNT" || essex.ForceCode != "ESX" || kent.AcceptBy == nil || kent.SubjectRef != e.Kent.Ref {
		t.Fatalf("sent %+v %+v", kent, essex)
	}
	// Sending Kent's subject to Essex meets Kent's package: 409 with hits.
	var conflict struct {
		Error struct{ Code string }     `json:"error"`
		Hits  []safeguard.DeconflictHit `json:"hits"`
	}
	mustJSON(t, e.API(t, "POST", "/api/v1/operations/OP-API/packages", coord, body(`{"subject_ref":"`+e.Kent.Ref+`","force_code":"ESX"}`)), 409, &conflict)
	if conflict.Error.Code != safeguard.ECONFLICT || len(conflict.Hits) == 0 || conflict.Hits[0].ForceCode != "KNT" || conflict.Hits[0].PackageID != kent.ID {
		t.Fatalf("conflict %+v", conflict)
	}
	// Deconfliction for other systems, by address.
	var dc struct {
		Held bool                      `json:"held"`
		Hits []safeguard.DeconflictHit `json:"hits"`
	}
	mustJSON(t, e.API(t, "POST", "/api/v1/deconflict", esxInv, body(`{"address":"1 example street,  CT1 1AA","force_code":"ESX"}`)), 200, &dc)
	if !dc.Held || dc.Hits[0].Match != safeguard.MatchAddress || dc.Hits[0].ForceCode != "KNT" {
		t.Fatalf("deconflict %+v", dc)
	}
	if got := e.API(t, "POST", "/api/v1/deconflict", esxInv, body(`{}`)).StatusCode; got != 400 {
		t.Fatalf("empty deconflict: %d", got)
	}

	// Kent's supervisor accepts; a return needs a reason.
	if got := e.API(t, "POST", "/api/v1/packages/"+itoa(kent.ID)+"/answer", kntSup, body(`{"status":"returned"}`)).StatusCode; got != 400 {
		t.Fatalf("return without reason: %d", got)
	}
	var accepted safeguard.Package
	mustJSON(t, e.API(t, "POST", "/api/v1/packages/"+itoa(kent.ID)+"/answer", kntSup, body(`{"status":"accepted"}`)), 200, &accepted)
	if accepted.Status != safeguard.PackageAccepted {
		t.Fatalf("accepted %+v", accepted)
	}
	// Force scoping: Kent cannot see or act on Essex's package.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/packages/" + itoa(essex.ID), ""},
		{"POST", "/api/v1/packages/" + itoa(essex.ID) + "/answer", `{"status":"accepted"}`},
		{"POST", "/api/v1/operations/OP-API/actions", `{"package_id":` + itoa(essex.ID) + `,"kind":"arrest","at":"2026-03-14T10:00:00Z"}`},
	} {
		var b io.Reader
		if c.body != "" {
			b = body(c.body)
		}
		resp := e.API(t, c.method, c.path, kntSup, b)
		if resp.StatusCode != 404 {
			t.Errorf("%s %s as KNT: %d %s", c.method, c.path, resp.StatusCode, resp.Body)
		}
	}
	var seen struct {
		Packages []safeguard.Package `json:"packages"`
	}
	mustJSON(t, e.API(t, "GET", "/api/v1/operations/OP-API", kntInv, nil), 200, &seen)
	if len(seen.Packages) != 1 || seen.Packages[0].ID != kent.ID {
		t.Fatalf("KNT sees %+v", seen.Packages)
	}

	// An action retried with one Idempotency-Key is recorded once.
	record := func(tok, key, js string) *Response {
		req, _ := http.NewRequest("POST", e.URL+"/api/v1/operations/OP-API/actions", body(js))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		return e.NewBrowser(t).Do(req)
	}
	seized := `{"package_id":` + itoa(kent.ID) + `,"kind":"devices_seized","count":4,"at":"2026-03-14T10:00:00Z","officer":"DC 0101 (synthetic)"}`
	var first, retry safeguard.Action
	mustJSON(t, record(kntInv, "k-1", seized), 201, &first)
	mustJSON(t, record(kntInv, "k-1", seized), 201, &retry)
	if retry.ID != first.ID {
		t.Fatalf("retry recorded again: %d, %d", first.ID, retry.ID)
	}
	// The key may come in the body instead; header and body must agree.
	if got := record(kntInv, "k-2", `{"package_id":`+itoa(kent.ID)+`,"kind":"arrest","at":"2026-03-14T10:00:00Z","idempotency_key":"k-3"}`).StatusCode; got != 400 {
		t.Fatalf("disagreeing keys: %d", got)
	}
	var arrest, arrest2 safeguard.Action
	mustJSON(t, record(kntInv, "", `{"package_id":`+itoa(kent.ID)+`,"kind":"arrest","at":"2026-03-14T11:00:00Z","idempotency_key":"k-4"}`), 201, &arrest)
	mustJSON(t, record(kntInv, "k-4", `{"package_id":`+itoa(kent.ID)+`,"kind":"arrest","at":"2026-03-14T11:00:00Z"}`), 201, &arrest2)
	if arrest.ID != arrest2.ID {
		t.Fatalf("body key then header key: %d, %d", arrest.ID, arrest2.ID)
	}
	// A correction supersedes with a reason; both are kept, one counts.
	var corr safeguard.Action
	mustJSON(t, record(kntInv, "", `{"package_id":`+itoa(kent.ID)+`,"kind":"devices_seized","count":2,"at":"2026-03-14T10:00:00Z","supersedes":`+itoa(first.ID)+`,"correction_reason":"two were the victim's"}`), 201, &corr)
	if got := record(kntInv, "", `{"package_id":`+itoa(kent.ID)+`,"kind":"arrest","at":"2026-03-14T10:00:00Z","supersedes":`+itoa(first.ID)+`}`).StatusCode; got != 400 {
		t.Fatalf("correction without reason: %d", got)
	}
	// An action on a package of another operation is not found here.
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	other := &safeguard.Operation{Code: "OP-OTHER", Name: "Other"}
	if err := e.Svc.Operations.CreateOperation(ctx, other); err != nil {
		t.Fatal(err)
	}
	if got := e.API(t, "POST", "/api/v1/operations/OP-OTHER/actions", kntInv, body(seized)).StatusCode; got != 404 {
		t.Fatalf("action through another operation: %d", got)
	}
	var pa struct {
		Actions []safeguard.Action `json:"actions"`
	}
	mustJSON(t, e.API(t, "GET", "/api/v1/packages/"+itoa(kent.ID), kntInv, nil), 200, &pa)
	if len(pa.Actions) != 3 || pa.Actions[0].Officer != "DC 0101 (synthetic)" {
		t.Fatalf("actions %+v", pa.Actions)
	}

	// The report: figures from the recorded actions, scoped per force.
	var rep safeguard.OperationReport
	mustJSON(t, e.API(t, "GET", "/api/v1/operations/OP-API/report", coord, nil), 200, &rep)
	if rep.Totals.DevicesSeized != 2 || rep.Totals.Arrests != 1 || rep.Totals.PackagesSent != 2 || rep.Totals.PackagesAccepted != 1 ||
		len(rep.Timeline) != 3 || rep.Press.Arrested != 1 {
		t.Fatalf("report %+v", rep.Totals)
	}
	mustJSON(t, e.API(t, "GET", "/api/v1/operations/OP-API/report", esxInv, nil), 200, &rep)
	if rep.Totals.PackagesSent != 1 || rep.Totals.Arrests != 0 || len(rep.Timeline) != 0 {
		t.Fatalf("ESX report %+v", rep.Totals)
	}
	// An auditor reads the report without notes but cannot act.
	aud := e.MustToken(t, safeguard.RoleAuditor)
	mustJSON(t, e.API(t, "GET", "/api/v1/operations/OP-API/report", aud, nil), 200, &rep)
	if got := e.API(t, "GET", "/api/v1/operations/OP-API", aud, nil).StatusCode; got != 403 {
		t.Fatalf("auditor reads packages: %d", got)
	}

	// Re-assignment with history; status changes.
	var moved safeguard.Package
	mustJSON(t, e.API(t, "POST", "/api/v1/packages/"+itoa(essex.ID)+"/reassign", coord, body(`{"force_code":"KNT","reason":"address is in Kent"}`)), 200, &moved)
	if moved.ForceCode != "KNT" || len(moved.History) != 1 {
		t.Fatalf("moved %+v", moved)
	}
	mustJSON(t, e.API(t, "PATCH", "/api/v1/operations/OP-API", coord, body(`{"status":"closed"}`)), 200, &op)
	if op.Status != safeguard.OpClosed {
		t.Fatalf("closed %+v", op)
	}
}

// sseEvents reads a server-sent event stream and sends each action id.
func sseEvents(tb testing.TB, e *Env, path, token string) (<-chan int64, func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		tb.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan int64, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev safeguard.ActionEvent
				if json.Unmarshal([]byte(data), &ev) == nil {
					ch <- ev.ID
				}
			}
		}
		close(ch)
	}()
	return ch, cancel
}

func TestOperationEvents_LiveAndScoped(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	op := &safeguard.Operation{Code: "OP-LIVE", Name: "Live (synthetic)"}
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
	before, err := e.Svc.Operations.RecordAction(ctx, &safeguard.Action{PackageID: kent.ID, Kind: safeguard.ActSearch, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	all, stopAll := sseEvents(t, e, "/api/v1/operations/OP-LIVE/events?after=0", e.MustToken(t, safeguard.RoleCoordinator))
	defer stopAll()
	knt, stopKnt := sseEvents(t, e, "/api/v1/operations/OP-LIVE/events?after="+itoa(before.ID), e.MustToken(t, safeguard.RoleInvestigator))
	defer stopKnt()
	next := func(ch <-chan int64) int64 {
		t.Helper()
		select {
		case id := <-ch:
			return id
		case <-time.After(2 * time.Second):
			t.Fatal("no event within 2 s")
		}
		return 0
	}
	// The backlog first, then what is recorded later, within two seconds.
	if id := next(all); id != before.ID {
		t.Fatalf("backlog event %d, want %d", id, before.ID)
	}
	esx, err := e.Svc.Operations.RecordAction(ctx, &safeguard.Action{PackageID: essex.ID, Kind: safeguard.ActSearch, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	knt2, err := e.Svc.Operations.RecordAction(ctx, &safeguard.Action{PackageID: kent.ID, Kind: safeguard.ActArrest, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := next(all), next(all); a != esx.ID || b != knt2.ID {
		t.Fatalf("coordinator got %d, %d; want %d, %d", a, b, esx.ID, knt2.ID)
	}
	// Kent's stream skips Essex's action and the one before it opened.
	if id := next(knt); id != knt2.ID {
		t.Fatalf("KNT got %d, want %d", id, knt2.ID)
	}
	select {
	case id := <-knt:
		t.Fatalf("KNT got another event %d", id)
	case <-time.After(300 * time.Millisecond):
	}
	if got := e.API(t, "GET", "/api/v1/operations/OP-LIVE/events?after=x", e.MustToken(t, safeguard.RoleCoordinator), nil).StatusCode; got != 400 {
		t.Fatalf("bad after: %d", got)
	}
}
