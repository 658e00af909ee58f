package web

import (
	"io"
	"mime"
	"net/http"

	"safeguard"
)

// apiSubjectScans handles GET /api/v1/subjects/{ref}/scans: the reports
// attached to the subject, oldest first, without their documents.
func (s *Server) apiSubjectScans(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	reports, err := s.svc.Scans.FindScanReports(r.Context(), sub.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if reports == nil {
		reports = []*safeguard.ScanReport{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": reports})
}

// apiUploadScan handles POST /api/v1/subjects/{ref}/scans?sha256=: the
// body is the JSON report written by `safeguard scan`, stored exactly as
// received and attached to the subject. With sha256 the copy is checked
// against it. The answer is 201 with the stored report's metadata.
func (s *Server) apiUploadScan(w http.ResponseWriter, r *http.Request) {
	a := *stateFrom(r.Context()).actor
	if !canAny(a, safeguard.PermAssess, safeguard.PermRecordActions) {
		s.Error(w, r, safeguard.Errorf(safeguard.EFORBIDDEN, "This token's role (%s) may not attach scan reports.", a.Role))
		return
	}
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" || mt == "application/x-www-form-urlencoded" {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "send the report's JSON itself as the body (Content-Type: application/json), not a form"))
		return
	}
	doc, err := io.ReadAll(r.Body)
	if err != nil {
		s.Error(w, r, jsonError(err))
		return
	}
	if len(doc) == 0 {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "request body is empty; want the JSON report written by safeguard scan"))
		return
	}
	rep, err := parseScanReport(doc)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sr := newScanReport(doc, rep, sub.ID)
	sr.SHA256 = expectedSHA256(r.URL.Query().Get("sha256"))
	if err := s.svc.Scans.CreateScanReport(r.Context(), sr); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/scans/"+itoa(sr.ID))
	writeJSON(w, http.StatusCreated, sr)
}
