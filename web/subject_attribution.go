package web

import (
	"context"
	"net/http"
	"net/url"

	"safeguard"
)

// subjectAttribution is the attribution section of a subject's page.
type subjectAttribution struct {
	*safeguard.SubjectAttribution
	// CanResolve shows the button resolving the subject's events again.
	CanResolve bool
}

// loadSubjectAttribution adds the subject's attribution and warrant
// overrides to its page; without the service the section is left out.
func (s *Server) loadSubjectAttribution(ctx context.Context, p *subjectPage) error {
	if s.svc.Attribution == nil {
		return nil
	}
	sa, err := s.svc.Attribution.FindSubjectAttribution(ctx, p.Subject.ID)
	if err != nil {
		return err
	}
	p.Attribution = &subjectAttribution{SubjectAttribution: sa}
	if a, ok := safeguard.ActorFromContext(ctx); ok {
		p.Attribution.CanResolve = a.Can(safeguard.PermAssess)
	}
	return nil
}

// resolveSubject handles POST /subjects/{ref}/attribute: it resolves the
// subject's IP events against the stored ISP records and shows the page
// again at its attribution section.
func (s *Server) resolveSubject(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.svc.Attribution.ResolveSubject(r.Context(), sub.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/subjects/"+url.PathEscape(sub.Ref)+"?done=resolve#attribution-h", http.StatusSeeOther)
}
