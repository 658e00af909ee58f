package web

import "net/http"

// OIDCConfig configures optional OpenID Connect login.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	RoleClaim    string
	ForceClaim   string
}

type oidcLogin struct{ cfg OIDCConfig }

func newOIDCLogin(cfg OIDCConfig) (*oidcLogin, error) { return &oidcLogin{cfg: cfg}, nil }

func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request)    { s.notFound(w, r) }
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) { s.notFound(w, r) }
