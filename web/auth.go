package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"safeguard"
)

const (
	sessionCookie   = "sg_session"
	loginCSRFCookie = "sg_login_csrf"
	csrfField       = "csrf_token"
)

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errCSRF is the answer to a state-changing request without a valid token
// or from another site.
var errCSRF = safeguard.Errorf(safeguard.EFORBIDDEN,
	"This form has expired or did not come from Safeguard. Go back, reload the page and try again.")

// page wraps a handler for people: it needs a live session, checks CSRF on
// state-changing methods, sends a user who must change their password to do
// so, and refuses a role without perm ("" lets any role in).
func (s *Server) page(perm safeguard.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			s.redirectToLogin(w, r, "")
			return
		}
		sess, u, err := s.svc.Auth.Authenticate(r.Context(), c.Value)
		if safeguard.ErrorCode(err) == safeguard.EUNAUTHORIZED {
			s.clearCookie(w, sessionCookie, "/")
			s.redirectToLogin(w, r, "expired")
			return
		} else if err != nil {
			s.Error(w, r, err)
			return
		}
		actor := u.Actor()
		st := stateFrom(r.Context())
		st.user, st.session, st.token, st.actor = u, sess, c.Value, &actor
		r = r.WithContext(safeguard.NewContextWithActor(r.Context(), actor))

		if !safeMethod(r.Method) {
			if err := s.checkCSRF(r, sess.CSRFToken); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		if u.MustChangePassword && r.URL.Path != "/password" && r.URL.Path != "/logout" {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if perm != "" && !actor.Can(perm) {
			s.Error(w, r, safeguard.Errorf(safeguard.EFORBIDDEN, "Your role (%s) may not use this page.", actor.Role))
			return
		}
		h(w, r)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF refuses a cross-site request (Sec-Fetch-Site / Origin) and a
// form whose token does not match want, compared in constant time.
func (s *Server) checkCSRF(r *http.Request, want string) error {
	if err := s.cop.Check(r); err != nil {
		return safeguard.WrapError(safeguard.EFORBIDDEN, err, "%s", errCSRF.Message)
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		var err error
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			// An upload: the route's body limit bounds it, so with that
			// much memory allowed no part is written to a temporary file.
			err = r.ParseMultipartForm(s.cfg.MaxScanReportBytes)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return safeguard.WrapError(safeguard.EINVALID, err, "The form could not be read.")
		}
		got = r.PostForm.Get(csrfField)
	}
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// redirectToLogin sends the browser to the login page, remembering where it
// was going if that was a page it can come back to.
func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request, reason string) {
	q := url.Values{}
	if reason != "" {
		q.Set("m", reason)
	}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	u := "/login"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// safeNext returns next if it is a local path, else "".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

// setSessionCookie gives the browser its session token.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		Secure:   s.cfg.CookieSecure,
		HttpOnly: true,
		// Lax, not Strict: an OIDC login comes back by a cross-site redirect.
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: path, MaxAge: -1,
		Secure: s.cfg.CookieSecure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// loginCSRF returns the pre-session CSRF token for the login form, setting
// its cookie if the browser has none (double-submit).
func (s *Server) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := randomToken(32)
	http.SetCookie(w, &http.Cookie{
		Name: loginCSRFCookie, Value: tok, Path: "/login", MaxAge: 3600,
		Secure: s.cfg.CookieSecure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	return tok
}

// apiAuth wraps a JSON API handler: it needs a bearer token, never a cookie,
// and so needs no CSRF token. A token whose role lacks perm ("" for any) is
// refused before the service is asked.
func (s *Server) apiAuth(perm safeguard.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := r.Header.Get("Authorization")
		scheme, secret, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			s.Error(w, r, safeguard.Errorf(safeguard.EUNAUTHORIZED, "An API token is required: send \"Authorization: Bearer <token>\"."))
			return
		}
		tok, err := s.svc.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if safeguard.ErrorCode(err) == safeguard.EUNAUTHORIZED {
				err = safeguard.WrapError(safeguard.EUNAUTHORIZED, err, "The API token is unknown or revoked.")
			}
			s.Error(w, r, err)
			return
		}
		actor := tok.Actor()
		stateFrom(r.Context()).actor = &actor
		if perm != "" && !actor.Can(perm) {
			s.Error(w, r, safeguard.Errorf(safeguard.EFORBIDDEN, "This token's role (%s) may not use this endpoint.", actor.Role))
			return
		}
		h(w, r.WithContext(safeguard.NewContextWithActor(r.Context(), actor)))
	})
}
