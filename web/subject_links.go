package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"safeguard"
	"safeguard/linking"
)

// subjectLinking is the linking part of a subject's page: what it was
// merged into, links that ended (merges and splits), possible links to
// review and, for the national centre, the forms to decide them, to merge
// another subject in and to split referrals off.
type subjectLinking struct {
	MergedInto string
	Ended      []safeguard.SubjectLink
	Possible   []*safeguard.PossibleLink
	// Current are the referrals linked now, for the split form.
	Current []int64
	// CanDecide: a national role with PermAssess may merge, split and
	// decide possible links.
	CanDecide bool
}

// subjectLinking loads the subject page's linking section; nil when the
// server has no LinkService.
func (s *Server) subjectLinking(ctx context.Context, sub *safeguard.Subject) (*subjectLinking, error) {
	if s.svc.Links == nil {
		return nil, nil
	}
	p := &subjectLinking{}
	var err error
	if p.MergedInto, err = s.svc.Links.MergedInto(ctx, sub.Ref); err != nil {
		return nil, err
	}
	hist, err := s.svc.Links.FindLinkHistory(ctx, sub.Ref)
	if err != nil {
		return nil, err
	}
	for _, l := range hist {
		if l.EndedAt != nil {
			p.Ended = append(p.Ended, l)
		}
	}
	for _, l := range sub.Links {
		p.Current = append(p.Current, l.ReferralID)
	}
	if a, ok := safeguard.ActorFromContext(ctx); ok && a.Can(safeguard.PermAssess) && !a.Role.ForceScoped() {
		p.CanDecide = true
		if p.Possible, err = s.svc.Links.FindPossibleLinks(ctx, sub.Ref); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// subjectURL is a subject page's path, with an anchor.
func subjectURL(ref, anchor string) string {
	return "/subjects/" + url.PathEscape(ref) + anchor
}

// linkFormFailed shows the subject page again with why a linking form was
// refused, or the error page for anything but bad input.
func (s *Server) linkFormFailed(w http.ResponseWriter, r *http.Request, ref string, what string, err error) {
	if c := safeguard.ErrorCode(err); c != safeguard.EINVALID && c != safeguard.ECONFLICT {
		s.Error(w, r, err)
		return
	}
	sub, ferr := s.svc.Subjects.FindSubjectByRef(r.Context(), ref)
	if ferr != nil {
		s.Error(w, r, ferr)
		return
	}
	s.renderSubject(w, r, http.StatusBadRequest, sub, what+": "+safeguard.ErrorMessage(err))
}

// mergeSubject handles POST /subjects/{ref}/merge: the form's "from"
// subject is merged into this one, with a reason.
func (s *Server) mergeSubject(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	from := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("from")))
	into, err := s.svc.Links.MergeSubjects(r.Context(), ref, from, r.PostForm.Get("reason"))
	if err != nil {
		s.linkFormFailed(w, r, ref, "The subjects were not merged", err)
		return
	}
	http.Redirect(w, r, subjectURL(into.Ref, "?done=merged#linking-h"), http.StatusSeeOther)
}

// splitSubject handles POST /subjects/{ref}/split: the checked referrals
// move to a new subject, whose page it then shows.
func (s *Server) splitSubject(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	ids, err := formIDs(r.PostForm["referral"])
	if err != nil {
		s.linkFormFailed(w, r, ref, "The subject was not split", err)
		return
	}
	part, err := s.svc.Links.SplitSubject(r.Context(), ref, ids, r.PostForm.Get("reason"))
	if err != nil {
		s.linkFormFailed(w, r, ref, "The subject was not split", err)
		return
	}
	http.Redirect(w, r, subjectURL(part.Ref, "?done=split#linking-h"), http.StatusSeeOther)
}

// decidePossibleLink handles POST /possible-links/{id}: decision confirm
// (merge) or reject, with a reason; back is the subject page to return to.
func (s *Server) decidePossibleLink(w http.ResponseWriter, r *http.Request) {
	back := r.PostForm.Get("back")
	id, err := parseID(r, "id", "possible link")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	confirm, err := parseDecision(r.PostForm.Get("decision"))
	if err == nil {
		_, err = s.svc.Links.DecidePossibleLink(r.Context(), id, confirm, r.PostForm.Get("reason"))
	}
	if err != nil {
		if back == "" {
			s.Error(w, r, err)
			return
		}
		s.linkFormFailed(w, r, back, "The possible link was not decided", err)
		return
	}
	if back == "" {
		http.Redirect(w, r, "/subjects", http.StatusSeeOther)
		return
	}
	// After a confirmed merge the page of the older subject shows both.
	if into, err := s.svc.Links.MergedInto(r.Context(), back); err == nil && into != "" {
		back = into
	}
	http.Redirect(w, r, subjectURL(back, "?done=decided#linking-h"), http.StatusSeeOther)
}

func parseDecision(s string) (bool, error) {
	switch s {
	case "confirm":
		return true, nil
	case "reject":
		return false, nil
	}
	return false, safeguard.Errorf(safeguard.EINVALID, "decision must be confirm or reject, not %q", s)
}

// formIDs parses referral ids from form or JSON values.
func formIDs(vals []string) ([]int64, error) {
	var ids []int64
	for _, v := range vals {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			return nil, safeguard.Errorf(safeguard.EINVALID, "%q is not a referral id", v)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, safeguard.Errorf(safeguard.EINVALID, "choose at least one referral to split off")
	}
	return ids, nil
}

// possibleKindWords names a possible link's kind for a page.
func possibleKindWords(kind string) string {
	switch kind {
	case safeguard.PossibleLinkBridge:
		return "strong identifier joining subjects kept apart:"
	case safeguard.PossibleLinkSplit:
		return "split by an analyst"
	}
	return linking.KindWords(kind)
}
