package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"safeguard"
	"safeguard/risk"
)

// policyListPage is the risk policies page.
type policyListPage struct {
	Active    string // the active version; the built-in one when none was applied
	Builtin   string // the built-in policy's version
	Policies  []*safeguard.RiskPolicy
	CanManage bool
	Document  string   // a refused upload, to correct
	Problems  []string // a refused upload's errors, by path
}

// policyField is the upload form's file field; policyTextField its text
// area, for a pasted document.
const (
	policyField     = "policy"
	policyTextField = "document"
)

// listPolicies handles GET /policies. The store lets policy managers and
// report readers list them.
func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	s.renderPolicies(w, r, http.StatusOK, &policyListPage{}, "")
}

func (s *Server) renderPolicies(w http.ResponseWriter, r *http.Request, status int, p *policyListPage, msg string) {
	var err error
	if p.Policies, err = s.svc.Risk.FindPolicies(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	p.Builtin, p.Active = risk.Builtin().Version, activeVersion(p.Policies)
	if a, ok := safeguard.ActorFromContext(r.Context()); ok {
		p.CanManage = a.Can(safeguard.PermManagePolicies)
	}
	s.render(w, r, status, "policy_list", &view{Page: p, Error: msg})
}

// activeVersion is the version of the active policy in list, or the
// built-in one's when none is active.
func activeVersion(list []*safeguard.RiskPolicy) string {
	for _, p := range list {
		if p.Status == safeguard.PolicyActive {
			return p.Version
		}
	}
	return risk.Builtin().Version
}

// loadPolicy handles POST /policies: a policy document uploaded as a file
// or pasted, stored as a candidate; the page then shows its what-if.
func (s *Server) loadPolicy(w http.ResponseWriter, r *http.Request) {
	doc := []byte(strings.TrimSpace(r.PostForm.Get(policyTextField)))
	if r.MultipartForm != nil {
		if f, err := formFile(r, policyField); err == nil {
			doc = f
		} else if len(doc) == 0 {
			s.loadPolicyFailed(w, r, nil, safeguard.Errorf(safeguard.EINVALID, "choose a policy file or paste the policy"))
			return
		}
	}
	if len(doc) == 0 {
		s.loadPolicyFailed(w, r, nil, safeguard.Errorf(safeguard.EINVALID, "choose a policy file or paste the policy"))
		return
	}
	p, err := s.svc.Risk.LoadPolicy(r.Context(), doc)
	if err != nil {
		s.loadPolicyFailed(w, r, doc, err)
		return
	}
	http.Redirect(w, r, "/policies/"+url.PathEscape(p.Version)+"?done=policy-loaded", http.StatusSeeOther)
}

// loadPolicyFailed shows the policies page again with the document and
// its errors by path, or the error page for anything but a bad or
// conflicting document.
func (s *Server) loadPolicyFailed(w http.ResponseWriter, r *http.Request, doc []byte, err error) {
	code := safeguard.ErrorCode(err)
	if code != safeguard.EINVALID && code != safeguard.ECONFLICT {
		s.Error(w, r, err)
		return
	}
	p := &policyListPage{Document: string(doc)}
	msg := "The policy was not loaded: " + safeguard.ErrorMessage(err)
	var ve *risk.ValidationError
	if errors.As(err, &ve) {
		msg = "The policy was not loaded: " + ve.What + " has errors."
		for _, pe := range ve.Errors {
			p.Problems = append(p.Problems, pe.Error())
		}
	}
	s.renderPolicies(w, r, errorStatus(code), p, msg)
}
