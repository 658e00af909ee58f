package web

import (
	"net/http"

	"safeguard"
)

// forceListPage is the data of the forces page.
type forceListPage struct {
	Rows     []*safeguard.Force
	CanAdd   bool
	Form     forceForm
	Capacity int
}

type forceForm struct {
	Code, Name, Areas, Capacity string
}

// listForces handles GET /forces.
func (s *Server) listForces(w http.ResponseWriter, r *http.Request) {
	s.renderForces(w, r, http.StatusOK, "", forceForm{})
}

func (s *Server) renderForces(w http.ResponseWriter, r *http.Request, status int, errMsg string, form forceForm) {
	rows, err := s.svc.Forces.FindForces(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := forceListPage{Rows: rows, Form: form, CanAdd: stateFrom(r.Context()).actor.Can(safeguard.PermManageUsers)}
	for _, f := range rows {
		p.Capacity += f.WeeklyCapacity
	}
	s.render(w, r, status, "force_list", &view{Error: errMsg, Page: p})
}
