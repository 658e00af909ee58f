package web

import (
	"net/http"
	"strconv"

	"safeguard"
)

// itoa formats an id for a URL.
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
