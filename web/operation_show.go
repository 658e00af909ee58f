package web

import (
	"net/http"

	"safeguard"
)

// operationPage is one operation with the packages the actor may see and
// what was done for each.
type operationPage struct {
	Operation *safeguard.Operation
	Packages  []packageRow
	Totals    map[string]int // actions by kind, across the visible packages
	Kinds     []string
}

type packageRow struct {
	*safeguard.Package
	Actions []*safeguard.Action
}

// showOperation handles GET /operations/{code}. Force users see only their
// own force's packages: the service filters them.
func (s *Server) showOperation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	op, err := s.svc.Operations.FindOperationByCode(ctx, r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	pkgs, err := s.svc.Operations.FindPackages(ctx, op.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := operationPage{Operation: op, Totals: map[string]int{}}
	for _, pkg := range pkgs {
		acts, err := s.svc.Operations.FindActions(ctx, pkg.ID)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, a := range acts {
			n := 1
			if a.Count > 0 {
				n = a.Count
			}
			p.Totals[a.Kind] += n
		}
		p.Packages = append(p.Packages, packageRow{Package: pkg, Actions: acts})
	}
	for _, k := range safeguard.ActionKinds {
		if p.Totals[k] > 0 {
			p.Kinds = append(p.Kinds, k)
		}
	}
	s.render(w, r, http.StatusOK, "operation_show", &view{Page: p})
}
