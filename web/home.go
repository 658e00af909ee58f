package web

import "net/http"

// home handles GET /: each role has its own first page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, homeFor(*stateFrom(r.Context()).actor), http.StatusSeeOther)
}
