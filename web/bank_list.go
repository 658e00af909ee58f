package web

import (
	"net/http"

	"safeguard"
)

// listBanks handles GET /banks: bank names, versions and sizes, never any
// content beyond hashes.
func (s *Server) listBanks(w http.ResponseWriter, r *http.Request) {
	a := stateFrom(r.Context()).actor
	if !a.Can(safeguard.PermManageBanks) && !a.Can(safeguard.PermMatch) {
		s.Error(w, r, safeguard.Errorf(safeguard.EFORBIDDEN, "Your role (%s) may not use this page.", a.Role))
		return
	}
	if s.svc.Banks == nil {
		s.Error(w, r, unavailable("Hash banks"))
		return
	}
	banks, err := s.svc.Banks.FindBanks(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "bank_list", &view{Page: struct{ Rows []*safeguard.HashBank }{banks}})
}
