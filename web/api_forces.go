package web

import (
	"net/http"

	"safeguard"
)

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
