package web

import (
	"crypto/subtle"
	"net/http"
	"strconv"

	"safeguard"
)

// loginPage is the login form's data.
type loginPage struct {
	Name      string
	Next      string
	CSRFToken string // pre-session token, double-submitted with its cookie
	OIDC      bool
}

var loginMessages = map[string]string{
	"expired":    "Your session has expired. Please log in again.",
	"logged_out": "You have logged out.",
	"oidc":       "Single sign-on did not complete. Try again or use your password.",
}

// showLogin handles GET /login.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if _, u, err := s.svc.Auth.Authenticate(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, homeFor(u.Actor()), http.StatusSeeOther)
			return
		}
	}
	q := r.URL.Query()
	s.renderLogin(w, r, http.StatusOK, "", loginMessages[q.Get("m")], q.Get("name"), safeNext(q.Get("next")))
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, errMsg, flash, name, next string) {
	s.render(w, r, status, "login", &view{
		Error: errMsg,
		Flash: flash,
		Page:  loginPage{Name: name, Next: next, CSRFToken: s.loginCSRF(w, r), OIDC: s.oidc != nil},
	})
}

// submitLogin handles POST /login.
func (s *Server) submitLogin(w http.ResponseWriter, r *http.Request) {
	if err := s.cop.Check(r); err != nil {
		s.Error(w, r, safeguard.WrapError(safeguard.EFORBIDDEN, err, "%s", errCSRF.Message))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	c, err := r.Cookie(loginCSRFCookie)
	got := r.PostForm.Get(csrfField)
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) != 1 {
		s.Error(w, r, errCSRF)
		return
	}
	name, pw, next := r.PostForm.Get("name"), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	if name == "" || pw == "" {
		s.renderLogin(w, r, http.StatusBadRequest, "Enter your name and password.", "", name, next)
		return
	}
	if ok, wait := s.logins.allow(clientAddr(r)); !ok {
		s.logger.Warn("login throttled", "request_id", safeguard.RequestIDFromContext(r.Context()), "client", clientAddr(r))
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.renderLogin(w, r, http.StatusTooManyRequests, "Too many login attempts from your address. Try again in a minute.", "", name, next)
		return
	}
	if !s.logins.acquire(r) {
		return
	}
	token, sess, u, err := s.svc.Auth.Login(r.Context(), name, pw)
	s.logins.release()
	switch safeguard.ErrorCode(err) {
	case "":
	case safeguard.EUNAUTHORIZED:
		s.logger.Info("login failed", "request_id", safeguard.RequestIDFromContext(r.Context()))
		s.renderLogin(w, r, http.StatusUnauthorized, "Wrong name or password.", "", name, next)
		return
	case safeguard.ETOOMANY:
		w.Header().Set("Retry-After", "60")
		s.renderLogin(w, r, http.StatusTooManyRequests, "Too many attempts, try again later.", "", name, next)
		return
	default:
		s.Error(w, r, err)
		return
	}
	s.startSession(w, r, token, sess, u, next)
}

// startSession sets the session cookie and sends the user on: to change
// their password if they must, else where they were going or home.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, token string, sess *safeguard.Session, u *safeguard.User, next string) {
	s.setSessionCookie(w, token, sess.ExpiresAt)
	s.clearCookie(w, loginCSRFCookie, "/login")
	actor := u.Actor()
	stateFrom(r.Context()).actor = &actor
	dest := next
	if u.MustChangePassword {
		dest = "/password"
	} else if dest == "" {
		dest = homeFor(actor)
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// formError is the error for a form body that cannot be read.
func formError(err error) error {
	if _, ok := err.(*http.MaxBytesError); ok {
		return err
	}
	return safeguard.WrapError(safeguard.EINVALID, err, "The form could not be read.")
}
