package web

import (
	"net/http"
	"net/url"
	"strings"
)

// listSubjects handles GET /subjects: every visible subject by reference,
// with a form to go straight to one.
func (s *Server) listSubjects(w http.ResponseWriter, r *http.Request) {
	if ref := strings.TrimSpace(r.URL.Query().Get("ref")); ref != "" {
		http.Redirect(w, r, "/subjects/"+url.PathEscape(strings.ToUpper(ref)), http.StatusSeeOther)
		return
	}
	s.subjectList(w, r, "Subjects", "Every subject you may see, by reference.", "ref", "")
}
