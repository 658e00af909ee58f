package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/web"
)

func itoa(n int64) string          { return strconv.FormatInt(n, 10) }
func timeDays(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestAPIBearerAuth(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	resp := e.API(t, "GET", "/api/v1/me", "", nil)
	if resp.StatusCode != 401 || !strings.Contains(resp.Body, `"code": "unauthorized"`) || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %s", resp.StatusCode, resp.Body)
	}
	if got := e.API(t, "GET", "/api/v1/me", "sg_not-a-real-token", nil).StatusCode; got != 401 {
		t.Errorf("unknown token: %d", got)
	}
	// A session cookie does not open the API.
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	if got := b.Get("/api/v1/me").StatusCode; got != 401 {
		t.Errorf("cookie on the API: %d, want 401", got)
	}
	tok := e.MustToken(t, safeguard.RoleInvestigator)
	resp = e.API(t, "GET", "/api/v1/me", tok, nil)
	var me struct{ Kind, Name, Role, ForceCode string }
	json.Unmarshal([]byte(resp.Body), &me)
	if resp.StatusCode != 200 || me.Kind != "token" || me.Role != "investigator" || !strings.Contains(resp.Body, `"force_code": "KNT"`) {
		t.Errorf("/me: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestAPISubjectsAndForceScoping(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleInvestigator) // KNT
	resp := e.API(t, "GET", "/api/v1/subjects?sort=ref&limit=10", tok, nil)
	var list struct {
		Items []safeguard.Subject `json:"items"`
		Total int                 `json:"total"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list: %d %s", resp.StatusCode, resp.Body)
	}
	if list.Total != 1 || len(list.Items) != 1 || list.Items[0].Ref != e.Kent.Ref {
		t.Errorf("KNT token sees %+v", list)
	}
	if got := e.API(t, "GET", "/api/v1/subjects/"+e.Kent.Ref, tok, nil); got.StatusCode != 200 || !strings.Contains(got.Body, e.Kent.Name) {
		t.Errorf("own subject: %d", got.StatusCode)
	}
	if got := e.API(t, "GET", "/api/v1/subjects/"+e.Essex.Ref, tok, nil); got.StatusCode != 404 || strings.Contains(got.Body, e.Essex.Name) {
		t.Errorf("other force's subject: %d %s", got.StatusCode, got.Body)
	}
	if got := e.API(t, "GET", "/api/v1/subjects?sort=bogus", tok, nil); got.StatusCode != 400 {
		t.Errorf("bad sort: %d", got.StatusCode)
	}
	if got := e.API(t, "GET", "/api/v1/audit", tok, nil); got.StatusCode != 403 {
		t.Errorf("investigator token on audit: %d", got.StatusCode)
	}
	if got := e.API(t, "GET", "/api/v1/forces", tok, nil); got.StatusCode != 200 || !strings.Contains(got.Body, `"code": "ESX"`) {
		t.Errorf("forces: %d", got.StatusCode)
	}
}

func TestAPIAudit(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleAuditor)
	resp := e.API(t, "GET", "/api/v1/audit?limit=5", tok, nil)
	var list struct {
		Items []safeguard.AuditEvent `json:"items"`
		Total int                    `json:"total"`
		Limit int                    `json:"limit"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("audit: %d %s", resp.StatusCode, resp.Body)
	}
	if len(list.Items) == 0 || len(list.Items) > 5 || list.Total < len(list.Items) || list.Limit != 5 {
		t.Errorf("audit page: %d items of %d, limit %d", len(list.Items), list.Total, list.Limit)
	}
}

func TestAPIReferralIntake(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	body := `{"source":"cybertip","source_ref":"CT-1001","escalated":true,
		"identifiers":[{"kind":"email","value":"someone@example.com"}],
		"ip_events":[{"ip":"198.51.100.7","time_text":"2026-01-02T03:04:05Z","has_offset":true}],
		"files":[{"name":"a.jpg","md5":"d41d8cd98f00b204e9800998ecf8427e"}]}`
	resp := e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(body))
	var got struct {
		ID        int64 `json:"id"`
		Duplicate bool  `json:"duplicate"`
	}
	if json.Unmarshal([]byte(resp.Body), &got); resp.StatusCode != 201 || got.ID == 0 || got.Duplicate {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Body)
	}
	resp = e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(body))
	var dup struct {
		ID        int64 `json:"id"`
		Duplicate bool  `json:"duplicate"`
	}
	if json.Unmarshal([]byte(resp.Body), &dup); resp.StatusCode != 200 || !dup.Duplicate || dup.ID != got.ID {
		t.Errorf("duplicate: %d %s", resp.StatusCode, resp.Body)
	}
	resp = e.API(t, "GET", "/api/v1/referrals/"+itoa(got.ID), tok, nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"source_ref": "CT-1001"`) || !strings.Contains(resp.Body, "198.51.100.7") {
		t.Errorf("get: %d %s", resp.StatusCode, resp.Body)
	}
	// The document is the body exactly as received.
	sum := sha256.Sum256([]byte(body))
	if !strings.Contains(resp.Body, `"document_sha256": "`+hex.EncodeToString(sum[:])+`"`) || !strings.Contains(resp.Body, `"format": "json"`) {
		t.Errorf("document hash or format wrong: %s", resp.Body)
	}
	// A sender cannot link its referral to a subject.
	linked := `{"source":"p2p","source_ref":"P-9","subject_id":` + itoa(e.Kent.ID) + `,"document_sha256":"forged"}`
	resp = e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(linked))
	if resp.StatusCode != 201 {
		t.Fatalf("create with server fields: %d %s", resp.StatusCode, resp.Body)
	}
	json.Unmarshal([]byte(resp.Body), &got)
	resp = e.API(t, "GET", "/api/v1/referrals/"+itoa(got.ID), tok, nil)
	// The server links it (to a subject of its own), never to the one sent.
	var stored struct {
		SubjectID *int64 `json:"subject_id"`
	}
	json.Unmarshal([]byte(resp.Body), &stored)
	if stored.SubjectID != nil && *stored.SubjectID == e.Kent.ID || strings.Contains(resp.Body, "forged") {
		t.Errorf("server-owned fields taken from the sender: %s", resp.Body)
	}
	// A token without intake may not submit.
	inv := e.MustToken(t, safeguard.RoleInvestigator)
	if got := e.API(t, "POST", "/api/v1/referrals", inv, strings.NewReader(body)).StatusCode; got != 403 {
		t.Errorf("investigator intake: %d", got)
	}
}

func TestAPIBadInput(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	for _, tt := range []struct {
		body, want string
	}{
		{`{"source":"cybertip",,}`, "byte offset"},
		{`{"source":"cybertip","source_ref":7}`, "field source_ref"},
		{`{"source":"cybertip","source_ref":"X","colour":"red"}`, `unknown field \"colour\"`},
		{`{"source":"fax","source_ref":"X"}`, "unknown referral source"},
		{``, "empty"},
	} {
		resp := e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(tt.body))
		if resp.StatusCode != 400 || !strings.Contains(resp.Body, `"code": "invalid"`) || !strings.Contains(resp.Body, tt.want) {
			t.Errorf("%q: %d %s", tt.body, resp.StatusCode, resp.Body)
		}
	}
}

func TestOversizeBody(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, EnvOptions{Config: web.Config{MaxBodyBytes: 4 << 10}})
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	big := `{"source":"cybertip","source_ref":"CT-big","annotations":["` + strings.Repeat("x", 8<<10) + `"]}`
	resp := e.API(t, "POST", "/api/v1/referrals", tok, strings.NewReader(big))
	if resp.StatusCode != 413 || !strings.Contains(resp.Body, `"code": "too_large"`) || !strings.Contains(resp.Body, "4 KiB") {
		t.Errorf("oversize JSON: %d %s", resp.StatusCode, resp.Body)
	}
	// Without a Content-Length the limit still holds while reading.
	resp = e.API(t, "POST", "/api/v1/referrals", tok, &chunked{strings.NewReader(big)})
	if resp.StatusCode != 413 {
		t.Errorf("oversize chunked JSON: %d %s", resp.StatusCode, resp.Body)
	}
	// Forms too, with an HTML page.
	b := e.NewBrowser(t)
	page := b.Get("/login")
	form := "csrf_token=" + CSRF(t, page.Body) + "&name=" + strings.Repeat("a", 8<<10)
	req := newFormRequest(t, e.URL+"/login", form)
	resp = b.Do(req)
	if resp.StatusCode != 413 || !strings.Contains(resp.Body, "too large") {
		t.Errorf("oversize form: %d\n%s", resp.StatusCode, resp.Body)
	}
}
