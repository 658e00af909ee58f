package web

import (
	"net/http"

	"safeguard"
)

// bankPage is one hash bank with its entry counts by category: never any
// entry's content beyond its hashes, and here not even those.
type bankPage struct {
	Bank       *safeguard.HashBank
	Categories []categoryCount
}

type categoryCount struct {
	Code, Label string
	Count       int
}

// showBank handles GET /banks/{name}.
func (s *Server) showBank(w http.ResponseWriter, r *http.Request) {
	a := stateFrom(r.Context()).actor
	if !a.Can(safeguard.PermManageBanks) && !a.Can(safeguard.PermMatch) {
		s.Error(w, r, safeguard.Errorf(safeguard.EFORBIDDEN, "Your role (%s) may not use this page.", a.Role))
		return
	}
	b, err := s.svc.Banks.FindBankByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	counts, err := s.svc.Banks.CategoryCounts(r.Context(), b.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := bankPage{Bank: b}
	for _, c := range b.Scheme.Categories() {
		p.Categories = append(p.Categories, categoryCount{Code: c, Label: b.Scheme.CategoryLabel(c), Count: counts[c]})
	}
	s.render(w, r, http.StatusOK, "bank_show", &view{Page: p})
}
