package web

import "net/http"

// revokeToken handles POST /tokens/{id}/revoke.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "token")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.svc.Auth.RevokeToken(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/tokens?done=revoked", http.StatusSeeOther)
}
