package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"safeguard/web"
)

// TestLoginThrottled checks the page: after the burst a client gets 429
// with Retry-After, even with the right password.
func TestLoginThrottled(t *testing.T) {
	env := MustOpenEnv(t, EnvOptions{Config: web.Config{LoginBurst: 2, LoginRefill: time.Hour}})
	b := env.NewBrowser(t)
	for range 2 {
		if resp := b.Login("nobody.here", "wrong password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", resp.StatusCode)
		}
	}
	resp := b.Login(env.Users["analyst"].Name, testPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("3rd attempt: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(resp.Body, "Too many login attempts") {
		t.Fatalf("429 page does not say why:\n%s", resp.Body)
	}
}
