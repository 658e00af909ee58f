package web

import (
	"net/http"

	"safeguard"
)

// apiListAudit handles GET /api/v1/audit with the audit page's filters.
func (s *Server) apiListAudit(w http.ResponseWriter, r *http.Request) {
	f, _, err := parseAuditFilter(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rows, total, err := s.svc.Audit.FindAuditEvents(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if rows == nil {
		rows = []*safeguard.AuditEvent{}
	}
	writeJSON(w, http.StatusOK, listResponse[*safeguard.AuditEvent]{Items: rows, Total: total, Offset: f.Offset, Limit: f.Limit})
}
