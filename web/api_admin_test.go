package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"safeguard"
)

// TestAPIAdmin: what the users, tokens and forces pages do, an admin token
// does through the API.
func TestAPIAdmin(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	admin := e.MustToken(t, safeguard.RoleAdmin)

	resp := e.API(t, "POST", "/api/v1/users", admin, strings.NewReader(`{"name":"api.user","display_name":"API User","role":"supervisor","force_code":"ESX"}`))
	var created struct {
		User     safeguard.User `json:"user"`
		Password string         `json:"password"`
	}
	if json.Unmarshal([]byte(resp.Body), &created); resp.StatusCode != 201 || created.Password == "" || created.User.ID == 0 || !created.User.MustChangePassword {
		t.Fatalf("create user: %d %s", resp.StatusCode, resp.Body)
	}
	if strings.Contains(resp.Body, "argon2") {
		t.Errorf("the answer holds a password hash")
	}
	if got := e.API(t, "POST", "/api/v1/users", admin, strings.NewReader(`{"name":"api.user","role":"analyst"}`)).StatusCode; got != 409 {
		t.Errorf("duplicate user: %d", got)
	}
	if got := e.API(t, "POST", "/api/v1/users", admin, strings.NewReader(`{"name":"x2","role":"investigator"}`)).StatusCode; got != 400 {
		t.Errorf("force role without force: %d", got)
	}
	resp = e.API(t, "GET", "/api/v1/users?role=supervisor", admin, nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"name": "api.user"`) || strings.Contains(resp.Body, `"role": "admin"`) {
		t.Errorf("list users: %d %s", resp.StatusCode, resp.Body)
	}
	resp = e.API(t, "POST", "/api/v1/users/"+itoa(created.User.ID)+"/password", admin, nil)
	if resp.StatusCode != 200 || strings.Contains(resp.Body, created.Password) || !strings.Contains(resp.Body, `"password": "`) {
		t.Errorf("reset: %d %s", resp.StatusCode, resp.Body)
	}

	resp = e.API(t, "POST", "/api/v1/tokens", admin, strings.NewReader(`{"name":"esx-gateway","role":"investigator","force_code":"ESX"}`))
	var tok struct {
		Token  safeguard.APIToken `json:"token"`
		Secret string             `json:"secret"`
	}
	if json.Unmarshal([]byte(resp.Body), &tok); resp.StatusCode != 201 || tok.Secret == "" {
		t.Fatalf("create token: %d %s", resp.StatusCode, resp.Body)
	}
	// The new ESX token sees the ESX subject and not the KNT one.
	if got := e.API(t, "GET", "/api/v1/subjects/"+e.Essex.Ref, tok.Secret, nil).StatusCode; got != 200 {
		t.Errorf("ESX token on ESX subject: %d", got)
	}
	if got := e.API(t, "GET", "/api/v1/subjects/"+e.Kent.Ref, tok.Secret, nil).StatusCode; got != 404 {
		t.Errorf("ESX token on KNT subject: %d", got)
	}
	if list := e.API(t, "GET", "/api/v1/tokens", admin, nil); list.StatusCode != 200 || strings.Contains(list.Body, tok.Secret) || !strings.Contains(list.Body, "esx-gateway") {
		t.Errorf("list tokens: %d", list.StatusCode)
	}
	if got := e.API(t, "POST", "/api/v1/tokens/"+itoa(tok.Token.ID)+"/revoke", admin, nil).StatusCode; got != 204 {
		t.Errorf("revoke: %d", got)
	}
	if got := e.API(t, "GET", "/api/v1/me", tok.Secret, nil).StatusCode; got != 401 {
		t.Errorf("revoked token: %d", got)
	}

	resp = e.API(t, "POST", "/api/v1/forces", admin, strings.NewReader(`{"code":"SFK","name":"Suffolk (synthetic)","areas":["IP"],"weekly_capacity":3,"synthetic":true}`))
	if resp.StatusCode != 201 || !strings.Contains(resp.Body, `"code": "SFK"`) {
		t.Errorf("create force: %d %s", resp.StatusCode, resp.Body)
	}
	if got := e.API(t, "POST", "/api/v1/forces", admin, strings.NewReader(`{"code":"SFK","name":"Again"}`)).StatusCode; got != 409 {
		t.Errorf("duplicate force: %d", got)
	}

	// Other roles may not administer.
	analyst := e.MustToken(t, safeguard.RoleAnalyst)
	for _, call := range [][3]string{
		{"GET", "/api/v1/users", ""},
		{"POST", "/api/v1/users", `{"name":"sneaky","role":"admin"}`},
		{"POST", "/api/v1/tokens", `{"name":"sneaky","role":"admin"}`},
		{"POST", "/api/v1/forces", `{"code":"ZZZ","name":"Sneaky"}`},
	} {
		var body *strings.Reader
		if call[2] != "" {
			body = strings.NewReader(call[2])
		}
		var resp *Response
		if body != nil {
			resp = e.API(t, call[0], call[1], analyst, body)
		} else {
			resp = e.API(t, call[0], call[1], analyst, nil)
		}
		if resp.StatusCode != 403 {
			t.Errorf("analyst %s %s: %d", call[0], call[1], resp.StatusCode)
		}
	}
}

func TestAPIAssessmentsAndReferralList(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	a := &safeguard.Assessment{SubjectID: e.Kent.ID, Band: safeguard.BandHigh, DueAt: safeguard.NowFromContext(ctx).Add(timeDays(3)),
		PolicyVersion: "test-1", AssessedBy: "test", Trace: []safeguard.RuleFired{{Rule: "escalated", Effect: "band>=high", Reason: "sender escalated"}}}
	if err := e.Svc.Assessments.CreateAssessment(ctx, a); err != nil {
		t.Fatal(err)
	}
	tok := e.MustToken(t, safeguard.RoleSupervisor) // KNT
	resp := e.API(t, "GET", "/api/v1/subjects/"+e.Kent.Ref+"/assessments", tok, nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"rule": "escalated"`) || !strings.Contains(resp.Body, `"band": "high"`) {
		t.Errorf("assessments: %d %s", resp.StatusCode, resp.Body)
	}
	if got := e.API(t, "GET", "/api/v1/subjects/"+e.Essex.Ref+"/assessments", tok, nil).StatusCode; got != 404 {
		t.Errorf("other force's assessments: %d", got)
	}
	analyst := e.MustToken(t, safeguard.RoleAnalyst)
	for _, ref := range []string{"R-1", "R-2"} {
		body := `{"source":"p2p","source_ref":"` + ref + `"}`
		if got := e.API(t, "POST", "/api/v1/referrals", analyst, strings.NewReader(body)).StatusCode; got != 201 {
			t.Fatalf("create %s: %d", ref, got)
		}
	}
	resp = e.API(t, "GET", "/api/v1/referrals?source=p2p&limit=1", analyst, nil)
	var list struct {
		Items []safeguard.Referral `json:"items"`
		Total int                  `json:"total"`
	}
	if json.Unmarshal([]byte(resp.Body), &list); resp.StatusCode != 200 || list.Total != 2 || len(list.Items) != 1 {
		t.Errorf("referral list: %d %s", resp.StatusCode, resp.Body)
	}
	if got := e.API(t, "GET", "/api/v1/referrals?source=fax", analyst, nil).StatusCode; got != 400 {
		t.Errorf("bad source: %d", got)
	}
}
