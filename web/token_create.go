package web

import (
	"net/http"
	"strings"

	"safeguard"
)

// createToken handles POST /tokens: the secret is shown once, on this
// response only; the server keeps a hash.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	form := tokenForm{
		Name:      strings.TrimSpace(r.PostForm.Get("name")),
		Role:      safeguard.Role(r.PostForm.Get("role")),
		ForceCode: r.PostForm.Get("force_code"),
	}
	if !form.Role.ForceScoped() {
		form.ForceCode = ""
	}
	t := &safeguard.APIToken{Name: form.Name, Role: form.Role, ForceCode: form.ForceCode}
	if err := t.Validate(); err != nil {
		s.renderTokens(w, r, http.StatusBadRequest, safeguard.ErrorMessage(err), form)
		return
	}
	secret, err := s.svc.Auth.CreateToken(r.Context(), t)
	switch code := safeguard.ErrorCode(err); code {
	case "":
	case safeguard.EINVALID, safeguard.ECONFLICT, safeguard.ENOTFOUND:
		s.renderTokens(w, r, errorStatus(code), safeguard.ErrorMessage(err), form)
		return
	default:
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusCreated, "secret", &view{Page: secretPage{
		Heading: "API token created",
		Intro:   "Copy this token into the system that will use it (as \"Authorization: Bearer …\"). It will not be shown again.",
		Label:   "Token " + t.Name, Secret: secret, Back: "Back to tokens", BackTo: "/tokens",
	}})
}
