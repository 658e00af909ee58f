package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"safeguard"
)

// OIDCConfig configures optional OpenID Connect login. RoleClaim and
// ForceClaim name the ID-token claims that carry the Safeguard role and the
// force code; they default to "safeguard_role" and "safeguard_force".
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // e.g. https://safeguard.example.com/auth/oidc/callback
	RoleClaim    string
	ForceClaim   string
}

const (
	oidcCookie     = "sg_oidc"
	oidcCookiePath = "/auth/oidc"
	oidcMaxAge     = 10 * time.Minute
)

// oidcLogin runs the authorisation-code flow with PKCE. The provider is
// discovered on first use, not at start, so an identity provider that is
// down does not stop the server (password login still works).
type oidcLogin struct {
	cfg OIDCConfig

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCLogin(cfg OIDCConfig) (*oidcLogin, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, fmt.Errorf("web: OIDC needs an issuer, a client id and a redirect URL")
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "safeguard_role"
	}
	if cfg.ForceClaim == "" {
		cfg.ForceClaim = "safeguard_force"
	}
	return &oidcLogin{cfg: cfg}, nil
}

// setup returns the discovered provider and the OAuth2 configuration.
func (o *oidcLogin) setup(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
		if err != nil {
			return nil, nil, safeguard.WrapError(safeguard.EUNAVAILABLE, err, "Single sign-on is unavailable: the identity provider did not answer.")
		}
		o.provider = p
	}
	return o.provider, &oauth2.Config{
		ClientID:     o.cfg.ClientID,
		ClientSecret: o.cfg.ClientSecret,
		RedirectURL:  o.cfg.RedirectURL,
		Endpoint:     o.provider.Endpoint(),
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
	}, nil
}

// oidcState is kept in a short-lived cookie between the two legs.
type oidcState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x,omitempty"`
}

// oidcStart handles GET /auth/oidc/login: it sends the browser to the
// identity provider with a fresh state, nonce and PKCE challenge.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.notFound(w, r)
		return
	}
	_, oc, err := s.oidc.setup(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	st := oidcState{State: randomToken(24), Nonce: randomToken(24), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.URL.Query().Get("next"))}
	b, _ := json.Marshal(st)
	http.SetCookie(w, &http.Cookie{
		Name: oidcCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: oidcCookiePath,
		MaxAge: int(oidcMaxAge / time.Second), Secure: s.cfg.CookieSecure, HttpOnly: true,
		// Lax: the provider sends the browser back with a top-level GET.
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, oc.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

// oidcCallback handles GET /auth/oidc/callback: it checks the state, swaps
// the code (with the PKCE verifier) for tokens, verifies the ID token and
// its nonce, maps its claims to a role and force, and starts a session.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	reqID := safeguard.RequestIDFromContext(ctx)
	fail := func(reason string, err error) {
		s.logger.Warn("oidc login failed", "request_id", reqID, "reason", reason, "error", err)
		http.Redirect(w, r, "/login?m=oidc", http.StatusSeeOther)
	}
	c, err := r.Cookie(oidcCookie)
	s.clearCookie(w, oidcCookie, oidcCookiePath)
	if err != nil {
		fail("no state cookie", err)
		return
	}
	var st oidcState
	if b, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil || json.Unmarshal(b, &st) != nil || st.State == "" {
		fail("malformed state cookie", err)
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		fail("provider refused", fmt.Errorf("%s: %s", e, q.Get("error_description")))
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		fail("state mismatch", nil)
		return
	}
	provider, oc, err := s.oidc.setup(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		fail("code exchange", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail("no id_token in token response", nil)
		return
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: s.oidc.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		fail("id token verification", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		fail("nonce mismatch", nil)
		return
	}
	id, err := s.oidc.identity(idt)
	if err != nil {
		s.logger.Warn("oidc login refused", "request_id", reqID, "error", err)
		s.Error(w, r, err)
		return
	}
	token, sess, u, err := s.svc.Auth.LoginOIDC(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.startSession(w, r, token, sess, u, st.Next)
}

// identity maps a verified ID token to an OIDCIdentity. A missing or
// unknown role is refused: nobody gets a default role.
func (o *oidcLogin) identity(idt *oidc.IDToken) (safeguard.OIDCIdentity, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return safeguard.OIDCIdentity{}, safeguard.WrapError(safeguard.EUNAUTHORIZED, err, "The identity token could not be read.")
	}
	str := func(k string) string { v, _ := claims[k].(string); return strings.TrimSpace(v) }
	var role safeguard.Role
	switch v := claims[o.cfg.RoleClaim].(type) {
	case string:
		role = safeguard.Role(strings.ToLower(strings.TrimSpace(v)))
	case []any: // a groups-style claim: exactly one Safeguard role
		for _, x := range v {
			if s, ok := x.(string); ok && safeguard.Role(strings.ToLower(s)).Valid() {
				if role != "" {
					return safeguard.OIDCIdentity{}, safeguard.Errorf(safeguard.EFORBIDDEN, "Your identity provider gives you more than one Safeguard role; ask for exactly one.")
				}
				role = safeguard.Role(strings.ToLower(s))
			}
		}
	}
	if !role.Valid() {
		return safeguard.OIDCIdentity{}, safeguard.Errorf(safeguard.EFORBIDDEN, "Your identity provider gives you no Safeguard role (claim %q); ask an administrator for access.", o.cfg.RoleClaim)
	}
	force := strings.ToUpper(str(o.cfg.ForceClaim))
	if role.ForceScoped() && force == "" {
		return safeguard.OIDCIdentity{}, safeguard.Errorf(safeguard.EFORBIDDEN, "The %s role needs a force (claim %q), and your identity provider gives none.", role, o.cfg.ForceClaim)
	} else if !role.ForceScoped() {
		force = ""
	}
	name := strings.ToLower(str("preferred_username"))
	if name == "" {
		name = strings.ToLower(str("email"))
	}
	return safeguard.OIDCIdentity{
		Subject:   idt.Issuer + "|" + idt.Subject,
		Name:      name,
		Display:   str("name"),
		Role:      role,
		ForceCode: force,
	}, nil
}
