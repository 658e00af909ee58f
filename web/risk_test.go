package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"safeguard"
	"safeguard/risk"
	"safeguard/store"
)

// drain runs the assessor over every stale subject, as serve does every
// 250 ms.
func (e *Env) drain(tb testing.TB) {
	tb.Helper()
	if _, err := store.NewAssessor(e.DB, 0).Drain(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// postSubjectForm posts a form of the subject page with the page's CSRF
// token and returns the answer.
func (b *Browser) postSubjectForm(sub *safeguard.Subject, action string, form url.Values) *Response {
	b.tb.Helper()
	page := b.Get("/subjects/" + sub.Ref)
	if page.StatusCode != http.StatusOK {
		b.tb.Fatalf("subject page: %d\n%s", page.StatusCode, page.Body)
	}
	form.Set("csrf_token", CSRF(b.tb, page.Body))
	return b.PostForm("/subjects/"+sub.Ref+action, form)
}

// wantRedirect checks a form was taken and sent back to the subject.
func wantRedirect(tb testing.TB, resp *Response, prefix string) {
	tb.Helper()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), prefix) {
		tb.Fatalf("answer %d to %q, want a redirect to %s\n%s", resp.StatusCode, resp.Header.Get("Location"), prefix, resp.Body)
	}
}

func wantStatus(tb testing.TB, resp *Response, status int, contains ...string) {
	tb.Helper()
	if resp.StatusCode != status {
		tb.Fatalf("status %d, want %d\n%s", resp.StatusCode, status, resp.Body)
	}
	for _, c := range contains {
		if !strings.Contains(resp.Body, c) {
			tb.Errorf("answer lacks %q:\n%s", c, resp.Body)
		}
	}
}

// section returns the risk section of a subject page.
func section(tb testing.TB, body string) string {
	tb.Helper()
	i := strings.Index(body, `id="risk-h"`)
	if i < 0 {
		tb.Fatalf("no risk section:\n%s", body)
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestSubjectRisk_FactExplains: an analyst records a fact on the page, the
// assessor re-assesses, and the page says why in plain words, with what
// changed; retracting it puts the band back.
func TestSubjectRisk_FactExplains(t *testing.T) {
	e := MustOpenEnv(t)
	e.drain(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	first := section(t, b.Get("/subjects/"+e.Kent.Ref).Body)
	if !strings.Contains(first, "Low: no rule raised the band") || !strings.Contains(first, "first assessment") {
		t.Errorf("before any fact:\n%s", first)
	}
	for _, path := range []string{"access_to_children.occupation", "history.on_sex_offender_register", "other.attribution"} {
		if !strings.Contains(first, `<option value="`+path+`">`) {
			t.Errorf("the fact form lacks %s", path)
		}
	}
	if strings.Contains(first, `<option value="access_to_children.any">`) {
		t.Error("the fact form offers a derived fact")
	}

	resp := b.postSubjectForm(e.Kent, "/facts", url.Values{"path": {"access_to_children.occupation"}, "value": {"scout_leader"}, "note": {"from the force's enquiry"}})
	wantRedirect(t, resp, "/subjects/"+e.Kent.Ref+"?done=fact")
	e.drain(t)
	page := b.Get("/subjects/" + e.Kent.Ref + "?done=fact")
	wantStatus(t, page, http.StatusOK, "The fact has been recorded")
	sec := section(t, page.Body)
	for _, want := range []string{
		"Immediate because: works or volunteers as a scout leader (analyst entry by " + e.Users[safeguard.RoleAnalyst].Actor().Label(),
		"band low → immediate", "now fires: access-occupation", "scout leader", "from the force&#39;s enquiry",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("after the fact, the section lacks %q:\n%s", want, sec)
		}
	}

	// Bad values are refused with the store's words, on the page.
	wantStatus(t, b.postSubjectForm(e.Kent, "/facts", url.Values{"path": {"history.other_convictions"}, "value": {"many"}}),
		http.StatusBadRequest, "The fact was not recorded: history.other_convictions needs a whole number")
	wantStatus(t, b.postSubjectForm(e.Kent, "/facts", url.Values{"path": {"access_to_children.pets"}, "value": {"yes"}}),
		http.StatusBadRequest, "unknown fact")

	facts, err := e.Svc.Risk.FindFacts(safeguard.NewContextWithActor(context.Background(), e.Users[safeguard.RoleAnalyst].Actor()), e.Kent.ID)
	if err != nil || len(facts) != 1 {
		t.Fatalf("facts %+v %v", facts, err)
	}
	retract := "/facts/" + strconv.FormatInt(facts[0].ID, 10) + "/retract"
	wantStatus(t, b.postSubjectForm(e.Kent, retract, url.Values{"reason": {""}}), http.StatusBadRequest, "needs a reason")
	wantRedirect(t, b.postSubjectForm(e.Kent, retract, url.Values{"reason": {"wrong person"}}), "/subjects/"+e.Kent.Ref+"?done=retracted")
	e.drain(t)
	sec = section(t, b.Get("/subjects/"+e.Kent.Ref).Body)
	if !strings.Contains(sec, "retracted") || !strings.Contains(sec, "wrong person") || !strings.Contains(sec, "band immediate → low") {
		t.Errorf("after retracting:\n%s", sec)
	}
	// A fact of another subject cannot be retracted through this one.
	wantStatus(t, b.postSubjectForm(e.Essex, retract, url.Values{"reason": {"x"}}), http.StatusNotFound)
}

// TestSubjectRisk_Override: an investigator cannot override; a supervisor
// can, the computed band shows beside it, a later raising fact raises it
// and says so, and the override can be ended.
func TestSubjectRisk_Override(t *testing.T) {
	e := MustOpenEnv(t)
	analyst := e.NewBrowser(t)
	analyst.MustLogin(safeguard.RoleAnalyst)
	wantRedirect(t, analyst.postSubjectForm(e.Kent, "/facts", url.Values{"path": {"history.prior_iioc_conviction"}, "value": {"yes"}}), "/subjects/")
	e.drain(t)

	inv := e.NewBrowser(t)
	inv.MustLogin(safeguard.RoleInvestigator)
	page := inv.Get("/subjects/" + e.Kent.Ref)
	if strings.Contains(page.Body, `action="/subjects/`+e.Kent.Ref+`/override"`) || strings.Contains(page.Body, "Record a fact") {
		t.Error("an investigator is shown the override or fact form")
	}
	wantStatus(t, inv.postSubjectForm(e.Kent, "/override", url.Values{"band": {"low"}, "reason": {"x"}}), http.StatusForbidden)

	sup := e.NewBrowser(t)
	sup.MustLogin(safeguard.RoleSupervisor)
	wantStatus(t, sup.postSubjectForm(e.Kent, "/override", url.Values{"band": {"low"}, "reason": {" "}}), http.StatusBadRequest,
		"The override was not set: an override needs a reason")
	wantRedirect(t, sup.postSubjectForm(e.Kent, "/override", url.Values{"band": {"low"}, "reason": {"the files are one forwarded meme"}}),
		"/subjects/"+e.Kent.Ref+"?done=override")
	e.drain(t)
	sec := section(t, sup.Get("/subjects/"+e.Kent.Ref).Body)
	for _, want := range []string{`band--low">low</span> by override; computed band <span class="band band--high">high`,
		"High because: has a prior conviction for indecent images of children", "the files are one forwarded meme", "End override",
		"override stands: the files are one forwarded meme"} {
		if !strings.Contains(sec, want) {
			t.Errorf("with the override, the section lacks %q:\n%s", want, sec)
		}
	}

	// A child in the household, recorded after it, raises the band anyway.
	wantRedirect(t, analyst.postSubjectForm(e.Kent, "/facts", url.Values{"path": {"access_to_children.children_in_household"}, "value": {"true"}}), "/subjects/")
	e.drain(t)
	sec = section(t, sup.Get("/subjects/"+e.Kent.Ref).Body)
	if !strings.Contains(sec, "Raised to immediate above") || !strings.Contains(sec, "lives in a household with children") ||
		strings.Contains(sec, "by override;") {
		t.Errorf("after a raising fact:\n%s", sec)
	}
	wantRedirect(t, sup.postSubjectForm(e.Kent, "/override/end", url.Values{}), "/subjects/"+e.Kent.Ref+"?done=override-ended")
	wantStatus(t, sup.postSubjectForm(e.Kent, "/override/end", url.Values{}), http.StatusNotFound, "no override to end")
	// Another force's subject is not found, for the page's forms too.
	sp := sup.Get("/subjects/" + e.Kent.Ref)
	wantStatus(t, sup.PostForm("/subjects/"+e.Essex.Ref+"/override", url.Values{"csrf_token": {CSRF(t, sp.Body)}, "band": {"low"}, "reason": {"x"}}),
		http.StatusNotFound)
}

// TestSubjectRisk_CPORT: the seven items with the caveat; a score with one
// item missing is kept, with two it is refused with the store's words.
func TestSubjectRisk_CPORT(t *testing.T) {
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	sec := section(t, b.Get("/subjects/"+e.Kent.Ref).Body)
	if !strings.Contains(sec, "not valid with more than one item missing") || strings.Count(sec, `value="unknown" checked`) != 7 {
		t.Errorf("CPORT form:\n%s", sec)
	}
	for _, it := range risk.CPORTItems {
		if !strings.Contains(sec, `name="cport_`+it.Key+`"`) {
			t.Errorf("no item %s", it.Key)
		}
	}
	form := url.Values{}
	for i, it := range risk.CPORTItems {
		form.Set("cport_"+it.Key, []string{"yes", "no", "yes", "unknown", "yes", "no", "yes"}[i])
	}
	wantRedirect(t, b.postSubjectForm(e.Kent, "/cport", form), "/subjects/"+e.Kent.Ref+"?done=cport")
	sec = section(t, b.Get("/subjects/"+e.Kent.Ref).Body)
	if !strings.Contains(sec, "CPORT 4/7 (1 item missing)") || !strings.Contains(sec, risk.CPORTItems[3].Text+": unknown") {
		t.Errorf("after a CPORT:\n%s", sec)
	}
	form.Set("cport_younger_age", "unknown")
	wantStatus(t, b.postSubjectForm(e.Kent, "/cport", form), http.StatusBadRequest,
		"The CPORT was not recorded: CPORT not valid with more than one item missing: 2 missing (younger_age, failure_on_conditional_release)")
	form.Set("cport_younger_age", "maybe")
	wantStatus(t, b.postSubjectForm(e.Kent, "/cport", form), http.StatusBadRequest, "answer yes, no or unknown")
}

// candidatePolicy is the built-in policy under a new version whose default
// band is medium, so every subject left low moves to medium.
func candidatePolicy(tb testing.TB, version string) []byte {
	tb.Helper()
	var doc map[string]any
	if err := json.Unmarshal(risk.BuiltinJSON(), &doc); err != nil {
		tb.Fatal(err)
	}
	doc["version"], doc["default_band"] = version, "medium"
	b, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestPolicies_Pages: the admin sees the active (built-in) policy, loads a
// candidate (a bad one is refused with errors by path), reads its what-if
// per force with the moved subjects, applies it; another is discarded. An
// analyst may read the list but not load.
func TestPolicies_Pages(t *testing.T) {
	e := MustOpenEnv(t)
	e.drain(t)
	builtin := risk.Builtin().Version
	admin := e.NewBrowser(t)
	admin.MustLogin(safeguard.RoleAdmin)
	list := admin.Get("/policies")
	wantStatus(t, list, http.StatusOK, "Active policy: <a href=\"/policies/"+builtin+"\"><strong>"+builtin+"</strong></a> (built-in)",
		`<a href="/policies" aria-current="page">Policies</a>`, `action="/policies"`)
	csrf := CSRF(t, list.Body)

	bad := admin.PostForm("/policies", url.Values{"csrf_token": {csrf}, "document": {`{"version": "v2", "rules": [{"id": "x", "band": "urgent"}]}`}})
	wantStatus(t, bad, http.StatusBadRequest, "The policy was not loaded: policy has errors.", "rules[0]")
	wantStatus(t, admin.PostForm("/policies", url.Values{"csrf_token": {csrf}, "document": {""}}), http.StatusBadRequest, "choose a policy file or paste the policy")

	const version = "test-2026.2"
	resp := admin.PostForm("/policies", url.Values{"csrf_token": {csrf}, "document": {string(candidatePolicy(t, version))}})
	wantRedirect(t, resp, "/policies/"+version+"?done=policy-loaded")
	wantStatus(t, admin.PostForm("/policies", url.Values{"csrf_token": {csrf}, "document": {string(candidatePolicy(t, version))}}),
		http.StatusConflict, "was loaded before")
	show := admin.Get("/policies/" + version)
	wantStatus(t, show, http.StatusOK, "over 2 open subjects", `id="whatif-moves"`, "<th scope=\"row\">KNT</th>", "<th scope=\"row\">ESX</th>",
		`<a href="/subjects/`+e.Kent.Ref+`">`, `<a href="/subjects/`+e.Essex.Ref+`">`, `action="/policies/`+version+`/apply"`, `action="/policies/`+version+`/discard"`)
	moves := show.Body[strings.Index(show.Body, `id="whatif-moves"`):]
	moves = moves[:strings.Index(moves, "</table>")]
	if !strings.Contains(moves, `band--low">low</span></td><td><span class="band band--medium">medium</span></td><td class="num">2</td>`) {
		t.Errorf("moves table:\n%s", moves)
	}

	analyst := e.NewBrowser(t)
	analyst.MustLogin(safeguard.RoleAnalyst)
	al := analyst.Get("/policies")
	wantStatus(t, al, http.StatusOK, version)
	if strings.Contains(al.Body, `action="/policies"`) || strings.Contains(al.Body, `>Policies</a>`) {
		t.Error("an analyst is shown the upload form or the nav entry")
	}
	wantStatus(t, analyst.PostForm("/policies", url.Values{"csrf_token": {CSRF(t, al.Body)}, "document": {string(candidatePolicy(t, "analyst-1"))}}),
		http.StatusForbidden)
	wantStatus(t, analyst.PostForm("/policies/"+version+"/apply", url.Values{"csrf_token": {CSRF(t, al.Body)}}), http.StatusForbidden)

	wantRedirect(t, admin.PostForm("/policies/"+version+"/apply", url.Values{"csrf_token": {csrf}}), "/policies/"+version+"?done=policy-applied")
	e.drain(t)
	for _, s := range []*safeguard.Subject{e.Kent, e.Essex} {
		got, err := e.Svc.Subjects.FindSubjectByID(sysCtx(), s.ID)
		if err != nil || got.Band != safeguard.BandMedium {
			t.Errorf("after apply %s is %q (%v), want medium as the what-if said", s.Ref, got.Band, err)
		}
	}
	wantStatus(t, admin.Get("/policies"), http.StatusOK, "Active policy: <a href=\"/policies/"+version+"\"><strong>"+version+"</strong></a>.")
	wantStatus(t, admin.PostForm("/policies/"+version+"/apply", url.Values{"csrf_token": {csrf}}), http.StatusConflict, "not a candidate")

	// The upload form sends a file.
	wantStatus(t, admin.PostUpload("/policies", map[string]string{"csrf_token": csrf, "document": ""}, "", "", nil),
		http.StatusBadRequest, "choose a policy file or paste the policy")
	wantRedirect(t, admin.PostUpload("/policies", map[string]string{"csrf_token": csrf, "document": ""}, "policy", "policy.json",
		candidatePolicy(t, "test-2026.3")), "/policies/test-2026.3")
	wantStatus(t, admin.Get("/policies/test-2026.3"), http.StatusOK, "No subject would change band.")
	wantRedirect(t, admin.PostForm("/policies/test-2026.3/discard", url.Values{"csrf_token": {csrf}}), "/policies/test-2026.3?done=policy-discarded")
	wantStatus(t, admin.Get("/policies/test-2026.3"), http.StatusOK, "discarded")
	wantStatus(t, admin.Get("/policies/"+builtin), http.StatusOK, "retired (built-in)", "access-occupation")
	wantStatus(t, admin.Get("/policies/no-such"), http.StatusNotFound)
}

// api calls the JSON API and decodes the answer into out (when not nil),
// failing unless the status is want.
func (e *Env) api(tb testing.TB, method, path, token, body string, want int, out any) *Response {
	tb.Helper()
	var resp *Response
	if body == "" {
		resp = e.API(tb, method, path, token, nil)
	} else {
		resp = e.API(tb, method, path, token, strings.NewReader(body))
	}
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, want, resp.Body)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			tb.Fatalf("%s %s: %v\n%s", method, path, err, resp.Body)
		}
	}
	return resp
}

// TestRiskAPI: the subject carries its assessment in the policy eval
// shape; facts, overrides, CPORT and policies through the API, with
// permissions and force scoping.
func TestRiskAPI(t *testing.T) {
	e := MustOpenEnv(t)
	e.drain(t)
	analyst, coord := e.MustToken(t, safeguard.RoleAnalyst), e.MustToken(t, safeguard.RoleCoordinator)
	inv, sup := e.MustToken(t, safeguard.RoleInvestigator), e.MustToken(t, safeguard.RoleSupervisor)
	admin := e.MustToken(t, safeguard.RoleAdmin)
	kent := "/api/v1/subjects/" + e.Kent.Ref

	var fact safeguard.FactEntry
	e.api(t, "POST", kent+"/facts", analyst, `{"path": "access_to_children.occupation", "value": "scout_leader", "note": "enquiry"}`, http.StatusCreated, &fact)
	e.api(t, "POST", kent+"/facts", analyst, `{"path": "history.other_convictions", "value": "many"}`, http.StatusBadRequest, nil)
	e.api(t, "POST", kent+"/facts", analyst, `{"path": "history.other_convictions"}`, http.StatusBadRequest, nil)
	e.api(t, "POST", kent+"/facts", inv, `{"path": "history.other_convictions", "value": 2}`, http.StatusForbidden, nil)
	e.drain(t)

	// The subject: every field it had, and the assessment.
	var raw map[string]json.RawMessage
	e.api(t, "GET", kent, analyst, "", http.StatusOK, &raw)
	for _, k := range []string{"id", "ref", "name", "force_code", "attribution_status", "band", "due_at", "score", "status", "created_at", "updated_at", "assessment"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("subject JSON lacks %q: %s", k, raw)
		}
	}
	var as map[string]json.RawMessage
	if err := json.Unmarshal(raw["assessment"], &as); err != nil {
		t.Fatal(err)
	}
	if len(as) != 5 || as["band"] == nil || as["score"] == nil || as["due_in_hours"] == nil || as["policy_version"] == nil || as["trace"] == nil {
		t.Errorf("assessment shape: %s", raw["assessment"])
	}
	var sum risk.Summary
	if err := json.Unmarshal(raw["assessment"], &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Band != safeguard.BandImmediate || sum.DueInHours != 24 || sum.PolicyVersion != risk.Builtin().Version || len(sum.Trace) == 0 ||
		sum.Trace[0].Rule != "access-occupation" || !strings.Contains(sum.Trace[0].Because, "scout leader (analyst entry by ") {
		t.Errorf("assessment %+v", sum)
	}

	var facts struct{ Items []safeguard.FactEntry }
	e.api(t, "GET", kent+"/facts", inv, "", http.StatusOK, &facts)
	if len(facts.Items) != 1 || facts.Items[0].Value != `"scout_leader"` || facts.Items[0].Note != "enquiry" {
		t.Errorf("facts %+v", facts.Items)
	}
	// Force scoping: a Kent token does not see Essex's facts.
	e.api(t, "GET", "/api/v1/subjects/"+e.Essex.Ref+"/facts", sup, "", http.StatusNotFound, nil)
	e.api(t, "POST", "/api/v1/subjects/"+e.Essex.Ref+"/override", sup, `{"band": "low", "reason": "x"}`, http.StatusNotFound, nil)

	retract := "/api/v1/facts/" + strconv.FormatInt(fact.ID, 10) + "/retract"
	e.api(t, "POST", retract, analyst, `{"reason": ""}`, http.StatusBadRequest, nil)
	e.api(t, "POST", retract, analyst, `{"reason": "wrong person"}`, http.StatusNoContent, nil)
	e.api(t, "POST", retract, analyst, `{"reason": "again"}`, http.StatusConflict, nil)
	e.drain(t)

	// Overrides: not for an investigator; a Kent supervisor on Kent.
	e.api(t, "POST", kent+"/override", inv, `{"band": "low", "reason": "x"}`, http.StatusForbidden, nil)
	e.api(t, "POST", kent+"/override", sup, `{"band": "urgent", "reason": "x"}`, http.StatusBadRequest, nil)
	var o safeguard.BandOverride
	e.api(t, "POST", kent+"/override", sup, `{"band": "medium", "reason": "reviewed with the force"}`, http.StatusCreated, &o)
	if o.Band != safeguard.BandMedium || o.SetBy == "" {
		t.Errorf("override %+v", o)
	}
	e.api(t, "POST", kent+"/override/end", coord, "", http.StatusNoContent, nil)
	e.api(t, "POST", kent+"/override/end", coord, "", http.StatusNotFound, nil)

	// CPORT: strict answer sheets; more than one missing is refused.
	var rec struct {
		safeguard.CPORTRecord
		Caveat string `json:"caveat"`
	}
	e.api(t, "POST", kent+"/cport", analyst, `{"younger_age": true, "any_prior_criminal_history": false, "any_contact_sexual_offending": true,
		"failure_on_conditional_release": null, "pedophilic_or_hebephilic_interest": true, "more_boy_than_girl_cp": false, "more_boy_than_girl_other": false}`,
		http.StatusCreated, &rec)
	if rec.Score != 3 || rec.Missing != 1 || rec.Caveat != risk.CPORTCaveat {
		t.Errorf("CPORT %+v", rec)
	}
	e.api(t, "POST", kent+"/cport", analyst, `{"younger_age": true}`, http.StatusBadRequest, nil)
	e.api(t, "POST", kent+"/cport", analyst, `{"younger": true}`, http.StatusBadRequest, nil)
	var cports struct{ Items []json.RawMessage }
	e.api(t, "GET", kent+"/cport", sup, "", http.StatusOK, &cports)
	if len(cports.Items) != 1 || !strings.Contains(string(cports.Items[0]), `"caveat"`) {
		t.Errorf("CPORT list %s", cports.Items)
	}

	// Policies.
	var pols struct {
		Active, Builtin string
		Items           []safeguard.RiskPolicy
	}
	e.api(t, "GET", "/api/v1/policies", admin, "", http.StatusOK, &pols)
	if pols.Active != risk.Builtin().Version || pols.Builtin != pols.Active || len(pols.Items) != 0 {
		t.Errorf("policies %+v", pols)
	}
	e.api(t, "POST", "/api/v1/policies", analyst, string(candidatePolicy(t, "v-analyst")), http.StatusForbidden, nil)
	e.api(t, "POST", "/api/v1/policies", admin, `{"version": "v2"}`, http.StatusBadRequest, nil)
	var p safeguard.RiskPolicy
	e.api(t, "POST", "/api/v1/policies", admin, string(candidatePolicy(t, "api-2")), http.StatusCreated, &p)
	if p.Status != safeguard.PolicyCandidate || p.Version != "api-2" {
		t.Errorf("loaded %+v", p)
	}
	e.api(t, "POST", "/api/v1/policies", admin, string(candidatePolicy(t, "api-2")), http.StatusConflict, nil)
	var wi safeguard.PolicyWhatIf
	e.api(t, "GET", "/api/v1/policies/api-2/whatif?limit=1", admin, "", http.StatusOK, &wi)
	if wi.Subjects != 2 || wi.Moves["low>medium"] != 2 || wi.ByForce["KNT"]["low>medium"] != 1 || len(wi.Which) != 1 || !wi.Truncated {
		t.Errorf("what-if %+v", wi)
	}
	e.api(t, "GET", "/api/v1/policies/api-2/whatif?limit=x", admin, "", http.StatusBadRequest, nil)
	e.api(t, "GET", "/api/v1/policies/api-2/whatif", analyst, "", http.StatusForbidden, nil)
	e.api(t, "POST", "/api/v1/policies/api-2/apply", analyst, "", http.StatusForbidden, nil)
	e.api(t, "POST", "/api/v1/policies/api-2/apply", admin, "", http.StatusNoContent, nil)
	e.api(t, "POST", "/api/v1/policies/api-2/discard", admin, "", http.StatusConflict, nil)
	e.api(t, "POST", "/api/v1/policies", admin, string(candidatePolicy(t, "api-3")), http.StatusCreated, nil)
	e.api(t, "POST", "/api/v1/policies/api-3/discard", admin, "", http.StatusNoContent, nil)
	e.api(t, "POST", "/api/v1/policies/nope/discard", admin, "", http.StatusNotFound, nil)
	e.drain(t)
	e.api(t, "GET", kent, analyst, "", http.StatusOK, &raw)
	if err := json.Unmarshal(raw["assessment"], &sum); err != nil || sum.PolicyVersion != "api-2" || sum.Band != safeguard.BandMedium {
		t.Errorf("after apply: %+v %v", sum, err)
	}
}

// TestRecordableFacts_StoreTakesThem: every fact the form offers is one
// the store records, with a value of its kind as a person types it.
func TestRecordableFacts_StoreTakesThem(t *testing.T) {
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/subjects/" + e.Kent.Ref)
	csrf := CSRF(t, page.Body)
	typed := map[string]string{"yes/no": "no", "count": "3", "word": "", "list of words": "teacher"}
	for _, f := range risk.RecordableFacts() {
		v := typed[f.Kind]
		if f.Kind == "word" {
			v = f.Words[0]
		}
		resp := b.PostForm("/subjects/"+e.Kent.Ref+"/facts", url.Values{"csrf_token": {csrf}, "path": {f.Path}, "value": {v}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s = %s: %d\n%s", f.Path, v, resp.StatusCode, resp.Body)
		}
	}
	facts, err := e.Svc.Risk.FindFacts(safeguard.NewContextWithActor(context.Background(), e.Users[safeguard.RoleAnalyst].Actor()), e.Kent.ID)
	if err != nil || len(facts) != len(risk.RecordableFacts()) {
		t.Fatalf("recorded %d facts (%v), want %d", len(facts), err, len(risk.RecordableFacts()))
	}
	for _, f := range facts {
		if f.Path == "access_to_children.occupation" && f.Value != `"teacher"` || f.Path == "history.on_sex_offender_register" && f.Value != "false" {
			t.Errorf("%s recorded as %s", f.Path, f.Value)
		}
	}
}
