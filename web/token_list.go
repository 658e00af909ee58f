package web

import (
	"net/http"

	"safeguard"
)

// tokenListPage is the data of the API tokens page, with its create form.
type tokenListPage struct {
	Rows   []*safeguard.APIToken
	Form   tokenForm
	Roles  []safeguard.Role
	Forces []*safeguard.Force
}

type tokenForm struct {
	Name, ForceCode string
	Role            safeguard.Role
}

// listTokens handles GET /tokens.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, "", tokenForm{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, errMsg string, form tokenForm) {
	rows, err := s.svc.Auth.FindTokens(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	forces, err := s.svc.Forces.FindForces(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, "token_list", &view{Error: errMsg, Page: tokenListPage{
		Rows: rows, Form: form, Roles: safeguard.Roles, Forces: forces,
	}})
}
