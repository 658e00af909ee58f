package web

import (
	"net/http"

	"safeguard"
)

// passwordPage is the password change form's data.
type passwordPage struct {
	Forced bool // the account must change its one-time password
}

// showPasswordChange handles GET /password.
func (s *Server) showPasswordChange(w http.ResponseWriter, r *http.Request) {
	u := stateFrom(r.Context()).user
	s.render(w, r, http.StatusOK, "password_change", &view{Page: passwordPage{Forced: u.MustChangePassword}})
}

// submitPasswordChange handles POST /password.
func (s *Server) submitPasswordChange(w http.ResponseWriter, r *http.Request) {
	u := stateFrom(r.Context()).user
	again := func(status int, msg string) {
		s.render(w, r, status, "password_change", &view{Error: msg, Page: passwordPage{Forced: u.MustChangePassword}})
	}
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	old, pw, confirm := r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	if pw != confirm {
		again(http.StatusBadRequest, "The new password and its confirmation differ.")
		return
	}
	if pw == old {
		again(http.StatusBadRequest, "Choose a new password different from the current one.")
		return
	}
	err := s.svc.Auth.ChangePassword(r.Context(), u.ID, old, pw)
	switch safeguard.ErrorCode(err) {
	case "":
	case safeguard.EUNAUTHORIZED:
		again(http.StatusBadRequest, "The current password is wrong.")
		return
	case safeguard.EINVALID:
		again(http.StatusBadRequest, safeguard.ErrorMessage(err))
		return
	default:
		s.Error(w, r, err)
		return
	}
	// A password change ends every session of the account, this one too;
	// start a fresh one with the new password so the user carries on.
	token, sess, u2, err := s.svc.Auth.Login(r.Context(), u.Name, pw)
	if err != nil {
		s.clearCookie(w, sessionCookie, "/")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.startSession(w, r, token, sess, u2, "")
}
