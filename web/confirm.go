package web

import "net/http"

// confirmPage asks before an action that cannot be undone, with no
// JavaScript: a page whose form posts the action.
type confirmPage struct {
	Heading, Text, Action, Button, Cancel string
	Danger                                bool
}

// confirmUserPasswordReset handles GET /users/{id}/password.
func (s *Server) confirmUserPasswordReset(w http.ResponseWriter, r *http.Request) {
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
	s.render(w, r, http.StatusOK, "confirm", &view{Page: confirmPage{
		Heading: "Reset the password of " + u.Name + "?",
		Text:    "Their sessions end at once, the account is unlocked, and you get a one-time password to pass on. They must change it when they next log in.",
		Action:  "/users/" + itoa(id) + "/password", Button: "Reset password", Cancel: "/users", Danger: true,
	}})
}

// confirmTokenRevoke handles GET /tokens/{id}/revoke.
func (s *Server) confirmTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "token")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	toks, err := s.svc.Auth.FindTokens(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := ""
	for _, t := range toks {
		if t.ID == id && t.RevokedAt == nil {
			name = t.Name
		}
	}
	if name == "" {
		s.notFound(w, r)
		return
	}
	s.render(w, r, http.StatusOK, "confirm", &view{Page: confirmPage{
		Heading: "Revoke the token " + name + "?",
		Text:    "Every system using it is refused from now on. This cannot be undone; a new token would have a new secret.",
		Action:  "/tokens/" + itoa(id) + "/revoke", Button: "Revoke token", Cancel: "/tokens", Danger: true,
	}})
}
