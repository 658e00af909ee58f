package web

import (
	"mime"
	"net/http"

	"safeguard"
)

// apiImportAttribution handles POST
// /api/v1/attribution/imports?kind=isp_csv|radius|proxy_list&file_name=:
// the body is the file itself, stored all or nothing. The answer is 201
// with the import; a bad file is 400 naming the file and line, and
// nothing is stored. The subjects whose events fall in the imported span
// are re-resolved before the answer.
func (s *Server) apiImportAttribution(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" || mt == "application/x-www-form-urlencoded" {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "send the file itself as the body (e.g. Content-Type: text/csv), not a form"))
		return
	}
	q := r.URL.Query()
	imp := &safeguard.AttributionImport{Kind: q.Get("kind"), FileName: q.Get("file_name")}
	if imp.FileName == "" {
		imp.FileName = "upload"
	}
	err := s.svc.Attribution.ImportAttributionFile(r.Context(), imp, r.Body)
	if err != nil && imp.ID == 0 {
		s.Error(w, r, err)
		return
	} else if err != nil {
		// Stored, but re-resolving its subjects failed: say both.
		s.logger.Warn("attribution import stored, re-resolution failed", "request_id", safeguard.RequestIDFromContext(r.Context()), "import", imp.ID, "error", err)
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, imp)
}

// apiListAttributionImports handles GET /api/v1/attribution/imports?limit=.
func (s *Server) apiListAttributionImports(w http.ResponseWriter, r *http.Request) {
	_, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	imps, err := s.svc.Attribution.FindAttributionImports(r.Context(), limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if imps == nil {
		imps = []*safeguard.AttributionImport{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": imps})
}

// apiSubjectAttributions handles GET /api/v1/subjects/{ref}/attributions:
// the subject's attribution status and reasons, each IP event's
// attribution, and warrant overrides. Another force's subject is 404.
func (s *Server) apiSubjectAttributions(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sa, err := s.svc.Attribution.FindSubjectAttribution(r.Context(), sub.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sa)
}

// apiResolveSubject handles POST /api/v1/subjects/{ref}/attribute: it
// resolves the subject's IP events against the stored ISP records and
// answers with the stored attribution.
func (s *Server) apiResolveSubject(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sa, err := s.svc.Attribution.ResolveSubject(r.Context(), sub.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sa)
}
