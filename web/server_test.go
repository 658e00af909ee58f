package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"safeguard"
	"safeguard/web"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, EnvOptions{Config: web.Config{CookieSecure: true}})
	b := e.NewBrowser(t)
	for _, path := range []string{"/login", "/no-such-page", "/api/v1/me", "/healthz"} {
		resp := b.Get(path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline: %q", path, csp)
		}
		for k, want := range map[string]string{
			"X-Content-Type-Options":    "nosniff",
			"Referrer-Policy":           "no-referrer",
			"X-Frame-Options":           "DENY",
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
		if len(h.Get("X-Request-Id")) != 32 {
			t.Errorf("%s: X-Request-Id = %q", path, h.Get("X-Request-Id"))
		}
	}
}

func TestNoHSTSWithoutTLS(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	if got := e.NewBrowser(t).Get("/login").Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS on plain HTTP without CookieSecure: %q", got)
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAdmin)
	inline := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=`)
	for _, path := range []string{"/users", "/users/new", "/tokens", "/forces", "/audit", "/password", "/nope", "/login?fresh"} {
		resp := b.Get(path)
		if path == "/login?fresh" {
			resp = e.NewBrowser(t).Get("/login")
		}
		if m := inline.FindString(resp.Body); m != "" {
			t.Errorf("%s has inline %q", path, m)
		}
		if !strings.Contains(resp.Body, `href="#main"`) || !strings.Contains(resp.Body, `<main id="main"`) {
			t.Errorf("%s: no skip link to main", path)
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)

	resp := b.Get("/no/such/page")
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(resp.Body, "Not found") {
		t.Errorf("HTML 404: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
	}

	resp = b.Get("/api/v1/no-such-thing")
	var got struct {
		Error struct{ Code, Message, RequestID string }
	}
	if resp.StatusCode != 404 || json.Unmarshal([]byte(resp.Body), &got) != nil || got.Error.Code != "not_found" {
		t.Errorf("JSON 404: %d\n%s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(resp.Body, `"request_id": "`+resp.Header.Get("X-Request-Id")+`"`) {
		t.Errorf("JSON 404 lacks the request id:\n%s", resp.Body)
	}

	req, _ := http.NewRequest("DELETE", e.URL+"/login", nil)
	resp = b.Do(req)
	if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Errorf("DELETE /login: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	resp := e.NewBrowser(t).Get("/healthz")
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"status": "ok"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, resp.Body)
	}

	down := MustOpenEnv(t, EnvOptions{Edit: func(s *web.Services) {
		s.Ping = func(context.Context) error { return errors.New("database is locked") }
	}})
	resp = down.NewBrowser(t).Get("/healthz")
	if resp.StatusCode != 503 || !strings.Contains(resp.Body, `"status": "unavailable"`) || strings.Contains(resp.Body, "locked") {
		t.Errorf("healthz with the database down: %d %s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(down.LogText(), "database is locked") {
		t.Errorf("the failure is not logged:\n%s", down.LogText())
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.Get("/login")
	b.Get("/subjects/SG-0000-000000") // redirected to login: still counted under its pattern
	resp := b.Get("/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`safeguard_http_requests_total{method="GET",route="GET /login",status="200"} 1`,
		`safeguard_http_requests_total{method="GET",route="GET /subjects/{ref}",status="303"} 1`,
		`safeguard_http_request_duration_seconds_bucket{method="GET",route="GET /login"`,
		"go_goroutines",
	} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	page := b.Get("/login")
	m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no hashed stylesheet link in\n%s", page.Body)
	}
	css := b.Get(m[1])
	if css.StatusCode != 200 || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") ||
		css.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("stylesheet: %d %q %q", css.StatusCode, css.Header.Get("Content-Type"), css.Header.Get("Cache-Control"))
	}
	if got := b.Get("/static/app.00000000.css").StatusCode; got != 404 {
		t.Errorf("stale asset name: %d, want 404", got)
	}
	if got := page.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("page Cache-Control = %q, want no-store", got)
	}
}

// TestOpenAPICoversEveryRoute walks the registered /api/v1 routes and finds
// each, with its method, in the served OpenAPI document.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	resp := e.NewBrowser(t).Get("/api/v1/openapi.json")
	if resp.StatusCode != 200 {
		t.Fatalf("openapi.json: %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct{ Type, Scheme string } `json:"securitySchemes"`
			Schemas         map[string]any                           `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Components.SecuritySchemes["bearer"].Scheme != "bearer" || doc.Components.Schemas["Error"] == nil {
		t.Fatalf("document: openapi %q, schemes %+v", doc.OpenAPI, doc.Components.SecuritySchemes)
	}
	var apiRoutes []string
	for _, pattern := range e.Server.Routes() {
		method, path, _ := strings.Cut(pattern, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		apiRoutes = append(apiRoutes, pattern)
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %q is not in openapi.json", pattern)
		}
	}
	if len(apiRoutes) < 8 {
		t.Errorf("only %d API routes found: %v", len(apiRoutes), apiRoutes)
	}
	// And nothing documented that is not served.
	for path, ops := range doc.Paths {
		for method := range ops {
			if !slices.Contains(apiRoutes, strings.ToUpper(method)+" "+path) {
				t.Errorf("openapi.json documents %s %s, which is not routed", method, path)
			}
		}
	}
	// snake_case field names throughout.
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for k := range props {
					if !snake.MatchString(k) {
						t.Errorf("property %q is not snake_case", k)
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var raw any
	json.Unmarshal([]byte(resp.Body), &raw)
	walk(raw)
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	resp := b.Get("/queue")
	id := resp.Header.Get("X-Request-Id")
	log := e.LogText()
	var line string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "request_id="+id) {
			line = l
		}
	}
	for _, want := range []string{"method=GET", "path=/queue", "status=200", "duration=", "bytes=", "user=user:"} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line %q lacks %q", line, want)
		}
	}
}
