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

// subjectListResponse is a page of subjects; TotalCapped says the count
// stopped at 10,000 (count=upto) and there are more.
type subjectListResponse struct {
	listResponse[*safeguard.Subject]
	TotalCapped bool `json:"total_capped,omitempty"`
}

// apiListSubjects handles GET /api/v1/subjects?band=&force=&status=&
// attribution=&overdue=&sort=&offset=&limit=&count=. Without status it
// lists open and closed subjects alike, as it always has. count=exact (the
// default) counts every match; count=upto stops at 10,000, which keeps a
// first page fast at a million subjects.
func (s *Server) apiListSubjects(w http.ResponseWriter, r *http.Request) {
	q, err := parseSubjectQuery(r, "band", "")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switch c := r.URL.Query().Get("count"); c {
	case "", "exact":
	case "upto":
		q.CountUpTo = queueCountUpTo + 1
	default:
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "count %q must be exact or upto", c))
		return
	}
	offset, limit := q.Offset, q.Limit
	subs, total, err := s.svc.Subjects.FindSubjects(r.Context(), q.SubjectFilter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if subs == nil {
		subs = []*safeguard.Subject{}
	}
	resp := subjectListResponse{listResponse: listResponse[*safeguard.Subject]{Items: subs, Total: total, Offset: offset, Limit: limit}}
	if q.CountUpTo > 0 && total > queueCountUpTo {
		resp.Total, resp.TotalCapped = queueCountUpTo, true
	}
	writeJSON(w, http.StatusOK, resp)
}

// apiGetSubject handles GET /api/v1/subjects/{ref}: the subject with its
// current assessment.
func (s *Server) apiGetSubject(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out, err := s.subjectWithAssessment(r.Context(), sub)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
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
