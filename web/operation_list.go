package web

import (
	"net/http"

	"safeguard"
)

// listOperations handles GET /operations.
func (s *Server) listOperations(w http.ResponseWriter, r *http.Request) {
	ops, err := s.svc.Operations.FindOperations(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	actor, _ := safeguard.ActorFromContext(r.Context())
	s.render(w, r, http.StatusOK, "operation_list", &view{Page: struct {
		Rows       []*safeguard.Operation
		CanCreate  bool
		CanSeeLive bool // else the report: an auditor reads reports only
	}{ops, actor.Can(safeguard.PermManageOps), actor.Can(safeguard.PermReadOperational)}})
}
