package web

import (
	"net/http"

	"safeguard"
)

// opsRoutes registers the operations pages and API beyond the list and
// the live page: creating and running operations, packages, actions,
// deconfliction, reports and the live event streams. The services check
// every permission and force; the wrappers only refuse early.
func (s *Server) opsRoutes(ok, withSubjects bool) {
	const (
		ops    = safeguard.PermReadOperational
		manage = safeguard.PermManageOps
	)
	need := func(ok bool, h http.HandlerFunc) http.HandlerFunc { return s.needs(ok, "Operations", h) }
	// Pages.
	s.handle("GET /operations/new", s.page(manage, need(ok, s.showOperationCreate)))
	s.handle("POST /operations", s.page(manage, need(ok, s.createOperation)))
	s.handle("POST /operations/{code}/status", s.page(manage, need(ok, s.updateOperationStatus)))
	s.handle("POST /operations/{code}/packages", s.page(manage, need(withSubjects, s.sendPackage)))
	s.handle("GET /operations/{code}/events", s.page(ops, need(ok, s.operationEvents)))
	s.handle("GET /operations/{code}/report", s.page("", need(ok, s.showOperationReport)))
	s.handle("GET /operations/{code}/report.csv", s.page("", need(ok, s.operationReportCSV)))
	s.handle("GET /reports/trends", s.page("", need(ok, s.showTrends)))
	s.handle("GET /reports/trends.csv", s.page("", need(ok, s.trendsCSV)))
	s.handle("GET /packages/{id}", s.page(ops, need(ok, s.showPackage)))
	s.handle("GET /packages/{id}/document", s.page(safeguard.PermReadPersonal, need(withSubjects && s.svc.Referrals != nil, s.showPackageDocument)))
	s.handle("POST /packages/{id}/answer", s.page(safeguard.PermAcceptPackages, need(ok, s.answerPackage)))
	s.handle("POST /packages/{id}/reassign", s.page(manage, need(ok, s.reassignPackage)))
	s.handle("POST /packages/{id}/actions", s.page(safeguard.PermRecordActions, need(ok, s.recordAction)))

	// JSON API.
	s.handle("GET /api/v1/operations", s.apiAuth("", need(ok, s.apiListOperations)))
	s.handle("POST /api/v1/operations", s.apiAuth(manage, need(ok, s.apiCreateOperation)))
	s.handle("GET /api/v1/operations/{code}", s.apiAuth(ops, need(ok, s.apiGetOperation)))
	s.handle("PATCH /api/v1/operations/{code}", s.apiAuth(manage, need(ok, s.apiUpdateOperation)))
	s.handle("POST /api/v1/operations/{code}/packages", s.apiAuth(manage, need(withSubjects, s.apiSendPackage)))
	s.handle("POST /api/v1/operations/{code}/actions", s.apiAuth(safeguard.PermRecordActions, need(ok, s.apiRecordAction)))
	s.handle("GET /api/v1/operations/{code}/report", s.apiAuth("", need(ok, s.apiOperationReport)))
	s.handle("GET /api/v1/operations/{code}/events", s.apiAuth(ops, need(ok, s.operationEvents)))
	s.handle("GET /api/v1/packages/{id}", s.apiAuth(ops, need(ok, s.apiGetPackage)))
	s.handle("POST /api/v1/packages/{id}/answer", s.apiAuth(safeguard.PermAcceptPackages, need(ok, s.apiAnswerPackage)))
	s.handle("POST /api/v1/packages/{id}/reassign", s.apiAuth(manage, need(ok, s.apiReassignPackage)))
	s.handle("GET /api/v1/reports/trends", s.apiAuth("", need(ok, s.apiTrends)))
	s.handle("POST /api/v1/deconflict", s.apiAuth(ops, need(withSubjects, s.apiDeconflict)))
}
