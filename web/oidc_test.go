package web_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"safeguard"
	"safeguard/web"
)

// testIdP is a small OpenID Connect provider: discovery, JWKS with an RSA
// key, an authorize endpoint that approves at once and redirects back with
// a code, and a token endpoint that checks PKCE and issues a signed ID
// token carrying Claims.
type testIdP struct {
	tb       testing.TB
	srv      *httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string

	mu     sync.Mutex
	claims map[string]any // extra claims for the next ID token
	grants map[string]grant
}

type grant struct{ nonce, challenge, redirect string }

func newTestIdP(tb testing.TB) *testIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	p := &testIdP{tb: tb, key: key, clientID: "safeguard-test", secret: "client-secret-for-tests", grants: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                p.srv.URL,
			"authorization_endpoint":                p.srv.URL + "/authorize",
			"token_endpoint":                        p.srv.URL + "/token",
			"jwks_uri":                              p.srv.URL + "/jwks",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported":      []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != p.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
			http.Error(w, "bad authorize request: "+r.URL.RawQuery, 400)
			return
		}
		code := base64.RawURLEncoding.EncodeToString(sha256.New().Sum([]byte(q.Get("state") + time.Now().String())))[:24]
		p.mu.Lock()
		p.grants[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		u, _ := url.Parse(q.Get("redirect_uri"))
		u.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		g, found := p.grants[r.PostForm.Get("code")]
		delete(p.grants, r.PostForm.Get("code"))
		extra := p.claims
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if id != p.clientID || secret != p.secret || !found || g.redirect != r.PostForm.Get("redirect_uri") ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			p.tb.Logf("token request refused: id %q found %v redirect %q/%q", id, found, g.redirect, r.PostForm.Get("redirect_uri"))
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		now := time.Now()
		claims := map[string]any{"iss": p.srv.URL, "aud": p.clientID, "sub": "idp-user-1",
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce}
		for k, v := range extra {
			claims[k] = v
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "id_token": p.sign(claims)})
	})
	p.srv = httptest.NewServer(mux)
	tb.Cleanup(p.srv.Close)
	return p
}

func (p *testIdP) sign(claims map[string]any) string {
	p.tb.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		p.tb.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		p.tb.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		p.tb.Fatal(err)
	}
	return s
}

func (p *testIdP) setClaims(c map[string]any) {
	p.mu.Lock()
	p.claims = c
	p.mu.Unlock()
}

// freeAddr returns a loopback address with a port free right now, so the
// redirect URL can be known before the server starts.
func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// oidcLogin runs the browser through the flow and returns the answer to
// the callback.
func oidcLogin(t *testing.T, b *Browser) *Response {
	t.Helper()
	start := b.Get("/auth/oidc/login")
	if start.StatusCode != http.StatusFound {
		t.Fatalf("start: %d %s", start.StatusCode, start.Body)
	}
	req, _ := http.NewRequest("GET", start.Header.Get("Location"), nil)
	auth := b.Do(req)
	if auth.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d %s", auth.StatusCode, auth.Body)
	}
	req, _ = http.NewRequest("GET", auth.Header.Get("Location"), nil)
	return b.Do(req)
}

func TestOIDCLogin(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	addr := freeAddr(t)
	e := MustOpenEnv(t, EnvOptions{Config: web.Config{Addr: addr, OIDC: &web.OIDCConfig{
		Issuer: idp.srv.URL, ClientID: idp.clientID, ClientSecret: idp.secret,
		RedirectURL: "http://" + addr + "/auth/oidc/callback", RoleClaim: "groups", ForceClaim: "force",
	}}})
	if page := e.NewBrowser(t).Get("/login"); !strings.Contains(page.Body, `href="/auth/oidc/login"`) {
		t.Errorf("login page offers no single sign-on")
	}

	t.Run("investigator", func(t *testing.T) {
		idp.setClaims(map[string]any{"preferred_username": "sso.investigator", "name": "SSO Investigator", "groups": []string{"staff", "investigator"}, "force": "knt"})
		b := e.NewBrowser(t)
		resp := oidcLogin(t, b)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
			t.Fatalf("callback: %d %q\n%s\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body, e.LogText())
		}
		if got := b.Get("/subjects/" + e.Kent.Ref).StatusCode; got != 200 {
			t.Errorf("own force's subject: %d", got)
		}
		if got := b.Get("/subjects/" + e.Essex.Ref).StatusCode; got != 404 {
			t.Errorf("other force's subject: %d, want 404", got)
		}
	})
	t.Run("unknown role", func(t *testing.T) {
		idp.setClaims(map[string]any{"preferred_username": "sso.wizard", "groups": []string{"wizard"}})
		resp := oidcLogin(t, e.NewBrowser(t))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "no Safeguard role") {
			t.Errorf("unknown role: %d\n%s", resp.StatusCode, resp.Body)
		}
	})
	t.Run("force role without force", func(t *testing.T) {
		idp.setClaims(map[string]any{"preferred_username": "sso.sup", "groups": "supervisor"})
		if resp := oidcLogin(t, e.NewBrowser(t)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("supervisor without force: %d", resp.StatusCode)
		}
	})
	t.Run("forged state", func(t *testing.T) {
		idp.setClaims(map[string]any{"preferred_username": "sso.analyst", "groups": "analyst"})
		b := e.NewBrowser(t)
		start := b.Get("/auth/oidc/login")
		req, _ := http.NewRequest("GET", start.Header.Get("Location"), nil)
		cb, _ := url.Parse(b.Do(req).Header.Get("Location"))
		q := cb.Query()
		q.Set("state", "forged")
		cb.RawQuery = q.Encode()
		req, _ = http.NewRequest("GET", cb.String(), nil)
		resp := b.Do(req)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?m=oidc" {
			t.Errorf("forged state: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := b.Get("/queue"); got.StatusCode != http.StatusSeeOther {
			t.Errorf("logged in despite a forged state")
		}
	})
	t.Run("no state cookie", func(t *testing.T) {
		resp := e.NewBrowser(t).Get("/auth/oidc/callback?code=x&state=y")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?m=oidc" {
			t.Errorf("callback without a flow: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("analyst", func(t *testing.T) {
		idp.setClaims(map[string]any{"email": "SSO.Analyst@example.com", "groups": "analyst"})
		b := e.NewBrowser(t)
		if resp := oidcLogin(t, b); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
			t.Fatalf("analyst: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
		}
		if got := b.Get("/subjects/" + e.Essex.Ref).StatusCode; got != 200 {
			t.Errorf("national analyst on an ESX subject: %d", got)
		}
	})
	_ = safeguard.RoleAnalyst
}

func TestOIDCNotConfigured(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	if got := b.Get("/auth/oidc/login").StatusCode; got != 404 {
		t.Errorf("OIDC login without config: %d", got)
	}
	if strings.Contains(b.Get("/login").Body, "/auth/oidc/login") {
		t.Errorf("login page offers single sign-on without config")
	}
}
