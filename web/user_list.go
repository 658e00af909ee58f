package web

import (
	"net/http"

	"safeguard"
)

// userListPage is the data of the users page.
type userListPage struct {
	Rows  []*safeguard.User
	Pager pager
	Role  safeguard.Role
	Roles []safeguard.Role
}

// listUsers handles GET /users.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := safeguard.UserFilter{Offset: offset, Limit: limit}
	role := safeguard.Role(r.URL.Query().Get("role"))
	if role != "" {
		if !role.Valid() {
			s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "unknown role %q", role))
			return
		}
		f.Role = &role
	}
	rows, total, err := s.svc.Users.FindUsers(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user_list", &view{Page: userListPage{
		Rows: rows, Pager: newPager(r, offset, limit, total), Role: role, Roles: safeguard.Roles,
	}})
}
