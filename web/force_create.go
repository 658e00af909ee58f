package web

import (
	"net/http"
	"strconv"
	"strings"

	"safeguard"
)

// createForce handles POST /forces.
func (s *Server) createForce(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	form := forceForm{
		Code:     strings.ToUpper(strings.TrimSpace(r.PostForm.Get("code"))),
		Name:     strings.TrimSpace(r.PostForm.Get("name")),
		Areas:    r.PostForm.Get("areas"),
		Capacity: strings.TrimSpace(r.PostForm.Get("weekly_capacity")),
	}
	f := &safeguard.Force{Code: form.Code, Name: form.Name}
	for _, a := range strings.FieldsFunc(form.Areas, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
		f.Areas = append(f.Areas, strings.ToUpper(a))
	}
	if form.Capacity != "" {
		n, err := strconv.Atoi(form.Capacity)
		if err != nil {
			s.renderForces(w, r, http.StatusBadRequest, "Weekly capacity must be a whole number.", form)
			return
		}
		f.WeeklyCapacity = n
	}
	if err := f.Validate(); err != nil {
		s.renderForces(w, r, http.StatusBadRequest, safeguard.ErrorMessage(err), form)
		return
	}
	err := s.svc.Forces.CreateForce(r.Context(), f)
	switch code := safeguard.ErrorCode(err); code {
	case "":
	case safeguard.EINVALID, safeguard.ECONFLICT:
		s.renderForces(w, r, errorStatus(code), safeguard.ErrorMessage(err), form)
		return
	default:
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/forces?done=force", http.StatusSeeOther)
}
