package web

import (
	"net/http"

	"safeguard"
)

// userInput is the body of POST /api/v1/users.
type userInput struct {
	Name        string         `json:"name"`
	DisplayName string         `json:"display_name"`
	Role        safeguard.Role `json:"role"`
	ForceCode   string         `json:"force_code"`
}

// userCreated answers POST /api/v1/users and a password reset: the
// one-time password is in this answer only.
type userCreated struct {
	User     *safeguard.User `json:"user"`
	Password string          `json:"password"`
}

// apiListUsers handles GET /api/v1/users?role=&offset=&limit=.
func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := safeguard.UserFilter{Offset: offset, Limit: limit}
	if role := safeguard.Role(r.URL.Query().Get("role")); role != "" {
		if !role.Valid() {
			s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "unknown role %q", role))
			return
		}
		f.Role = &role
	}
	users, total, err := s.svc.Users.FindUsers(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if users == nil {
		users = []*safeguard.User{}
	}
	writeJSON(w, http.StatusOK, listResponse[*safeguard.User]{Items: users, Total: total, Offset: offset, Limit: limit})
}

// apiCreateUser handles POST /api/v1/users.
func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u := &safeguard.User{Name: in.Name, DisplayName: in.DisplayName, Role: in.Role, ForceCode: in.ForceCode}
	if err := u.Validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	pw, err := s.svc.Users.CreateUser(r.Context(), u)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+itoa(u.ID))
	writeJSON(w, http.StatusCreated, userCreated{User: u, Password: pw})
}

// apiResetPassword handles POST /api/v1/users/{id}/password.
func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "user")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	pw, err := s.svc.Users.ResetPassword(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userCreated{User: u, Password: pw})
}

// tokenInput is the body of POST /api/v1/tokens.
type tokenInput struct {
	Name      string         `json:"name"`
	Role      safeguard.Role `json:"role"`
	ForceCode string         `json:"force_code"`
}

// tokenCreated answers POST /api/v1/tokens: the secret is in this answer
// only.
type tokenCreated struct {
	Token  *safeguard.APIToken `json:"token"`
	Secret string              `json:"secret"`
}

// apiListTokens handles GET /api/v1/tokens.
func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	toks, err := s.svc.Auth.FindTokens(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if toks == nil {
		toks = []*safeguard.APIToken{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": toks})
}

// apiCreateToken handles POST /api/v1/tokens.
func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	t := &safeguard.APIToken{Name: in.Name, Role: in.Role, ForceCode: in.ForceCode}
	if err := t.Validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	secret, err := s.svc.Auth.CreateToken(r.Context(), t)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenCreated{Token: t, Secret: secret})
}

// apiRevokeToken handles POST /api/v1/tokens/{id}/revoke.
func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "token")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.svc.Auth.RevokeToken(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiCreateForce handles POST /api/v1/forces.
func (s *Server) apiCreateForce(w http.ResponseWriter, r *http.Request) {
	var f safeguard.Force
	if err := decodeJSON(r, &f); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := f.Validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.svc.Forces.CreateForce(r.Context(), &f); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, &f)
}
