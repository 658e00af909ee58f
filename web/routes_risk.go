package web

import (
	"net/http"

	"safeguard"
)

// riskRoutes registers the assessment engine's pages and API: a subject's
// facts, override and CPORT, and the risk policies with their what-if. The
// store checks every permission and force; the wrappers only refuse early.
func (s *Server) riskRoutes(subjects bool) {
	const (
		personal = safeguard.PermReadPersonal
		assess   = safeguard.PermAssess
		override = safeguard.PermOverrideBand
		policies = safeguard.PermManagePolicies
	)
	ok := s.svc.Risk != nil
	need := func(ok bool, h http.HandlerFunc) http.HandlerFunc { return s.needs(ok, "Risk assessment", h) }
	// Pages.
	s.handle("POST /subjects/{ref}/facts", s.page(assess, need(ok && subjects, s.recordFact)))
	s.handle("POST /subjects/{ref}/facts/{id}/retract", s.page(assess, need(ok && subjects, s.retractFact)))
	s.handle("POST /subjects/{ref}/override", s.page(override, need(ok && subjects, s.setOverride)))
	s.handle("POST /subjects/{ref}/override/end", s.page(override, need(ok && subjects, s.endOverride)))
	// An analyst or the investigator completes a CPORT: the store checks.
	s.handle("POST /subjects/{ref}/cport", s.page(personal, need(ok && subjects, s.recordCPORT)))
	s.handle("GET /policies", s.page("", need(ok, s.listPolicies)))
	s.handle("POST /policies", s.page(policies, need(ok, s.loadPolicy)))
	s.handle("GET /policies/{version}", s.page("", need(ok, s.showPolicy)))
	s.handle("POST /policies/{version}/apply", s.page(policies, need(ok, s.applyPolicy)))
	s.handle("POST /policies/{version}/discard", s.page(policies, need(ok, s.discardPolicy)))

	// JSON API.
	s.handle("GET /api/v1/subjects/{ref}/facts", s.apiAuth(personal, need(ok && subjects, s.apiSubjectFacts)))
	s.handle("POST /api/v1/subjects/{ref}/facts", s.apiAuth(assess, need(ok && subjects, s.apiRecordFact)))
	s.handle("POST /api/v1/facts/{id}/retract", s.apiAuth(assess, need(ok, s.apiRetractFact)))
	s.handle("POST /api/v1/subjects/{ref}/override", s.apiAuth(override, need(ok && subjects, s.apiSetOverride)))
	s.handle("POST /api/v1/subjects/{ref}/override/end", s.apiAuth(override, need(ok && subjects, s.apiEndOverride)))
	s.handle("GET /api/v1/subjects/{ref}/cport", s.apiAuth(personal, need(ok && subjects, s.apiSubjectCPORT)))
	s.handle("POST /api/v1/subjects/{ref}/cport", s.apiAuth(personal, need(ok && subjects, s.apiRecordCPORT)))
	s.handle("GET /api/v1/policies", s.apiAuth("", need(ok, s.apiListPolicies)))
	s.handle("POST /api/v1/policies", s.apiAuth(policies, need(ok, s.apiLoadPolicy)))
	s.handle("GET /api/v1/policies/{version}/whatif", s.apiAuth(policies, need(ok, s.apiPolicyWhatIf)))
	s.handle("POST /api/v1/policies/{version}/apply", s.apiAuth(policies, need(ok, s.apiApplyPolicy)))
	s.handle("POST /api/v1/policies/{version}/discard", s.apiAuth(policies, need(ok, s.apiDiscardPolicy)))
}
