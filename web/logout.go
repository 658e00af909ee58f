package web

import (
	"net/http"

	"safeguard"
)

// logout handles POST /logout: it ends the session on the server, not only
// in the browser.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	st := stateFrom(r.Context())
	if err := s.svc.Auth.Logout(r.Context(), st.token); err != nil && safeguard.ErrorCode(err) != safeguard.EUNAUTHORIZED {
		s.Error(w, r, err)
		return
	}
	s.clearCookie(w, sessionCookie, "/")
	http.Redirect(w, r, "/login?m=logged_out", http.StatusSeeOther)
}
