package web

import (
	"net/http"
	"strconv"

	"safeguard"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// meResponse describes the caller of the API.
type meResponse struct {
	Kind      safeguard.ActorKind `json:"kind"`
	ID        int64               `json:"id"`
	Name      string              `json:"name"`
	Role      safeguard.Role      `json:"role"`
	ForceCode string              `json:"force_code,omitempty"`
}

// apiMe handles GET /api/v1/me.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a, _ := safeguard.ActorFromContext(r.Context())
	writeJSON(w, http.StatusOK, meResponse{Kind: a.Kind, ID: a.ID, Name: a.Name, Role: a.Role, ForceCode: a.ForceCode})
}

// apiListForces handles GET /api/v1/forces.
func (s *Server) apiListForces(w http.ResponseWriter, r *http.Request) {
	forces, err := s.svc.Forces.FindForces(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if forces == nil {
		forces = []*safeguard.Force{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": forces})
}

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

// openAPI handles GET /api/v1/openapi.json, which needs no token.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDocument)
}
