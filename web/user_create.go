package web

import (
	"net/http"
	"strings"

	"safeguard"
)

// userFormPage is the data of the new-user form.
type userFormPage struct {
	Name, DisplayName, ForceCode string
	Role                         safeguard.Role
	Roles                        []safeguard.Role
	Forces                       []*safeguard.Force
}

// secretPage shows a password or token secret exactly once.
type secretPage struct {
	Heading string
	Intro   string
	Label   string
	Secret  string
	Back    string
	BackTo  string
}

// showUserCreate handles GET /users/new.
func (s *Server) showUserCreate(w http.ResponseWriter, r *http.Request) {
	s.renderUserForm(w, r, http.StatusOK, "", userFormPage{})
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, errMsg string, p userFormPage) {
	forces, err := s.svc.Forces.FindForces(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Roles, p.Forces = safeguard.Roles, forces
	s.render(w, r, status, "user_create", &view{Error: errMsg, Page: p})
}

// createUser handles POST /users: it shows the new account's one-time
// password once, on this response only.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	p := userFormPage{
		Name:        strings.TrimSpace(r.PostForm.Get("name")),
		DisplayName: strings.TrimSpace(r.PostForm.Get("display_name")),
		Role:        safeguard.Role(r.PostForm.Get("role")),
		ForceCode:   r.PostForm.Get("force_code"),
	}
	if !p.Role.ForceScoped() {
		p.ForceCode = "" // the form sends a force for every role
	}
	u := &safeguard.User{Name: p.Name, DisplayName: p.DisplayName, Role: p.Role, ForceCode: p.ForceCode}
	if err := u.Validate(); err != nil {
		s.renderUserForm(w, r, http.StatusBadRequest, safeguard.ErrorMessage(err), p)
		return
	}
	pw, err := s.svc.Users.CreateUser(r.Context(), u)
	switch code := safeguard.ErrorCode(err); code {
	case "":
	case safeguard.EINVALID, safeguard.ECONFLICT, safeguard.ENOTFOUND:
		s.renderUserForm(w, r, errorStatus(code), safeguard.ErrorMessage(err), p)
		return
	default:
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusCreated, "secret", &view{Page: secretPage{
		Heading: "Account created",
		Intro:   "Give " + u.Name + " this one-time password by a secure route. They must change it when they first log in. It will not be shown again.",
		Label:   "One-time password", Secret: pw, Back: "Back to users", BackTo: "/users",
	}})
}

// resetUserPassword handles POST /users/{id}/password: a new one-time
// password, shown once; the account is unlocked and its sessions end.
func (s *Server) resetUserPassword(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "user")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	pw, err := s.svc.Users.ResetPassword(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "secret", &view{Page: secretPage{
		Heading: "Password reset",
		Intro:   "Give " + u.Name + " this one-time password by a secure route. Their sessions have ended and they must change it at their next login. It will not be shown again.",
		Label:   "One-time password", Secret: pw, Back: "Back to users", BackTo: "/users",
	}})
}
