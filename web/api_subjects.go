package web

import (
	"net/http"

	"safeguard"
)

// listResponse is a page of a list in the API.
type listResponse[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// apiListSubjects handles GET /api/v1/subjects?band=&sort=&offset=&limit=.
func (s *Server) apiListSubjects(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sort, err := parseSort(r, "band", subjectSortKeys...)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	band := safeguard.Band(r.URL.Query().Get("band"))
	if band != "" && !band.Valid() {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "unknown band %q (want immediate, high, medium or low)", band))
		return
	}
	subs, total, err := s.svc.Subjects.FindSubjects(r.Context(), safeguard.SubjectFilter{
		ForceCode: r.URL.Query().Get("force"), Band: band, Sort: sort, Offset: offset, Limit: limit,
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if subs == nil {
		subs = []*safeguard.Subject{}
	}
	writeJSON(w, http.StatusOK, listResponse[*safeguard.Subject]{Items: subs, Total: total, Offset: offset, Limit: limit})
}

// apiGetSubject handles GET /api/v1/subjects/{ref}.
func (s *Server) apiGetSubject(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

// apiSubjectAssessments handles GET /api/v1/subjects/{ref}/assessments:
// newest first, each with its rule trace.
func (s *Server) apiSubjectAssessments(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	as, err := s.svc.Assessments.FindAssessments(r.Context(), sub.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if as == nil {
		as = []*safeguard.Assessment{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": as})
}
