package web

import (
	"net/http"
	"strings"

	"safeguard"
)

// handle registers h for pattern, recording the pattern for metrics, logs
// and the OpenAPI check, and limiting the request body.
func (s *Server) handle(pattern string, h http.Handler) {
	s.handleLimit(pattern, s.cfg.MaxBodyBytes, h)
}

// handleLimit is handle with a body limit of its own, for the few routes
// that take more than a form or a referral.
func (s *Server) handleLimit(pattern string, limit int64, h http.Handler) {
	s.routes = append(s.routes, pattern)
	limited := s.limitBody(limit, h)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateFrom(r.Context()).route = pattern
		limited.ServeHTTP(w, r)
	}))
}

func (s *Server) registerRoutes() {
	const (
		personal = safeguard.PermReadPersonal
		audit    = safeguard.PermReadAudit
		admin    = safeguard.PermManageUsers
		ops      = safeguard.PermReadOperational
	)
	// Infrastructure.
	s.handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.handle("GET /metrics", s.metrics.handler())
	s.handle("GET /static/{file}", http.HandlerFunc(s.serveStatic))

	// Sessions.
	s.handle("GET /login", http.HandlerFunc(s.showLogin))
	s.handle("POST /login", http.HandlerFunc(s.submitLogin))
	s.handle("POST /logout", s.page("", s.logout))
	s.handle("GET /password", s.page("", s.showPasswordChange))
	s.handle("POST /password", s.page("", s.submitPasswordChange))
	s.handle("GET /auth/oidc/login", http.HandlerFunc(s.oidcStart))
	s.handle("GET /auth/oidc/callback", http.HandlerFunc(s.oidcCallback))

	// Pages. A route whose service this server lacks answers 503.
	var (
		subjects  = s.svc.Subjects != nil && s.svc.Referrals != nil
		referrals = s.svc.Referrals != nil && s.svc.Subjects != nil
		auditLog  = s.svc.Audit != nil
		users     = s.svc.Users != nil && s.svc.Forces != nil
		forces    = s.svc.Forces != nil
		// attribution: ISP imports and attribution of subjects.
		attribution = s.svc.Attribution != nil
	)
	s.handle("GET /{$}", s.page("", s.home))
	s.handle("GET /queue", s.page(personal, s.needs(subjects, "Subjects", s.showQueue)))
	s.handle("GET /queue.csv", s.page(personal, s.needs(subjects, "Subjects", s.exportQueue)))
	s.handle("GET /forecast", s.page("", s.needs(s.svc.Backlog != nil && s.svc.Forces != nil, "The forecast", s.showForecast)))
	s.handle("POST /forecast/capacity", s.page("", s.needs(forces, "Forces", s.setCapacity)))
	s.handle("GET /subjects", s.page(personal, s.needs(subjects, "Subjects", s.listSubjects)))
	s.handle("GET /subjects/{ref}", s.page(personal, s.needs(subjects, "Subjects", s.showSubject)))
	s.handle("GET /referrals", s.page(personal, s.needs(referrals, "Referrals", s.listReferrals)))
	s.handle("GET /referrals/{id}", s.page(personal, s.needs(referrals, "Referrals", s.showReferral)))
	s.handle("GET /referrals/{id}/original", s.page(personal, s.needs(referrals, "Referrals", s.downloadOriginal)))
	s.handleLimit("POST /subjects/{ref}/scans", s.cfg.MaxScanReportBytes, s.page(personal, s.needs(subjects && s.svc.Scans != nil, "Scan reports", s.uploadScan)))
	s.handle("GET /scans/{id}", s.page(personal, s.needs(s.svc.Scans != nil, "Scan reports", s.showScan)))
	s.handle("GET /operations", s.page("", s.needs(s.svc.Operations != nil, "Operations", s.listOperations)))
	s.handle("GET /operations/{code}", s.page(ops, s.needs(s.svc.Operations != nil, "Operations", s.showOperation)))
	s.opsRoutes(s.svc.Operations != nil, s.svc.Operations != nil && s.svc.Subjects != nil)
	s.riskRoutes(subjects)
	s.handle("GET /banks", s.page("", s.listBanks))
	s.handle("GET /banks/{name}", s.page("", s.needs(s.svc.Banks != nil, "Hash banks", s.showBank)))
	s.handle("GET /match", s.page(safeguard.PermMatch, s.needs(s.svc.Matcher != nil, "Hash lookup", s.showMatch)))
	s.handleLimit("POST /match", max(s.cfg.MaxBodyBytes, MaxMatchBodyBytes), s.page(safeguard.PermMatch, s.needs(s.svc.Matcher != nil, "Hash lookup", s.submitMatch)))
	s.handle("GET /audit", s.page(audit, s.needs(auditLog, "The audit log", s.listAudit)))
	s.handle("GET /users", s.page(admin, s.needs(users, "Users", s.listUsers)))
	s.handle("GET /users/new", s.page(admin, s.needs(users, "Users", s.showUserCreate)))
	s.handle("POST /users", s.page(admin, s.needs(users, "Users", s.createUser)))
	s.handle("GET /users/{id}/password", s.page(admin, s.needs(users, "Users", s.confirmUserPasswordReset)))
	s.handle("POST /users/{id}/password", s.page(admin, s.needs(users, "Users", s.resetUserPassword)))
	s.handle("GET /tokens", s.page(admin, s.needs(forces, "Tokens", s.listTokens)))
	s.handle("POST /tokens", s.page(admin, s.needs(forces, "Tokens", s.createToken)))
	s.handle("GET /tokens/{id}/revoke", s.page(admin, s.confirmTokenRevoke))
	s.handle("POST /tokens/{id}/revoke", s.page(admin, s.revokeToken))
	s.handle("GET /attribution", s.page(safeguard.PermAssess, s.needs(attribution, "Attribution", s.showAttribution)))
	s.handleLimit("POST /attribution/imports", s.cfg.MaxScanReportBytes, s.page(safeguard.PermAssess, s.needs(attribution, "Attribution", s.importAttribution)))
	s.handle("POST /subjects/{ref}/attribute", s.page(safeguard.PermAssess, s.needs(attribution && subjects, "Attribution", s.resolveSubject)))
	s.handle("GET /intake", s.page(safeguard.PermIntake, s.needs(referrals && s.svc.IngestRuns != nil, "Intake", s.showIntake)))
	s.handle("POST /subjects/{ref}/merge", s.page(safeguard.PermAssess, s.needs(subjects && s.svc.Links != nil, "Linking", s.mergeSubject)))
	s.handle("POST /subjects/{ref}/split", s.page(safeguard.PermAssess, s.needs(subjects && s.svc.Links != nil, "Linking", s.splitSubject)))
	s.handle("POST /possible-links/{id}", s.page(safeguard.PermAssess, s.needs(subjects && s.svc.Links != nil, "Linking", s.decidePossibleLink)))
	s.handle("GET /forces", s.page("", s.needs(forces, "Forces", s.listForces)))
	s.handle("POST /forces", s.page(admin, s.needs(forces, "Forces", s.createForce)))

	// JSON API.
	s.handle("GET /api/v1/openapi.json", http.HandlerFunc(s.openAPI))
	s.handle("GET /api/v1/me", s.apiAuth("", s.apiMe))
	s.handle("GET /api/v1/subjects", s.apiAuth(personal, s.needs(subjects, "Subjects", s.apiListSubjects)))
	s.handle("GET /api/v1/subjects/{ref}", s.apiAuth(personal, s.needs(subjects, "Subjects", s.apiGetSubject)))
	s.handle("GET /api/v1/subjects/{ref}/assessments", s.apiAuth(personal, s.needs(subjects && s.svc.Assessments != nil, "Assessments", s.apiSubjectAssessments)))
	s.handle("GET /api/v1/subjects/{ref}/scans", s.apiAuth(personal, s.needs(subjects && s.svc.Scans != nil, "Scan reports", s.apiSubjectScans)))
	s.handleLimit("POST /api/v1/subjects/{ref}/scans", s.cfg.MaxScanReportBytes, s.apiAuth(personal, s.needs(subjects && s.svc.Scans != nil, "Scan reports", s.apiUploadScan)))
	s.handle("GET /api/v1/subjects/{ref}/attributions", s.apiAuth(personal, s.needs(subjects && attribution, "Attribution", s.apiSubjectAttributions)))
	s.handle("POST /api/v1/subjects/{ref}/attribute", s.apiAuth(safeguard.PermAssess, s.needs(subjects && attribution, "Attribution", s.apiResolveSubject)))
	s.handle("GET /api/v1/attribution/imports", s.apiAuth(safeguard.PermAssess, s.needs(attribution, "Attribution", s.apiListAttributionImports)))
	s.handleLimit("POST /api/v1/attribution/imports", s.cfg.MaxScanReportBytes, s.apiAuth(safeguard.PermAssess, s.needs(attribution, "Attribution", s.apiImportAttribution)))
	s.handle("GET /api/v1/referrals", s.apiAuth(personal, s.needs(referrals, "Referrals", s.apiListReferrals)))
	s.handle("GET /api/v1/referrals/{id}", s.apiAuth(personal, s.needs(referrals, "Referrals", s.apiGetReferral)))
	s.handle("POST /api/v1/referrals", s.apiAuth(safeguard.PermIntake, s.needs(referrals, "Referrals", s.apiCreateReferral)))
	s.handle("POST /api/v1/subjects/{ref}/merge", s.apiAuth(safeguard.PermAssess, s.needs(s.svc.Links != nil, "Linking", s.apiMergeSubjects)))
	s.handle("POST /api/v1/subjects/{ref}/split", s.apiAuth(safeguard.PermAssess, s.needs(s.svc.Links != nil, "Linking", s.apiSplitSubject)))
	s.handle("GET /api/v1/subjects/{ref}/possible-links", s.apiAuth(safeguard.PermAssess, s.needs(s.svc.Links != nil, "Linking", s.apiPossibleLinks)))
	s.handle("GET /api/v1/subjects/{ref}/links", s.apiAuth(personal, s.needs(s.svc.Links != nil, "Linking", s.apiLinkHistory)))
	s.handle("POST /api/v1/possible-links/{id}", s.apiAuth(safeguard.PermAssess, s.needs(s.svc.Links != nil, "Linking", s.apiDecidePossibleLink)))
	s.handle("GET /api/v1/intake/runs", s.apiAuth(safeguard.PermIntake, s.needs(s.svc.IngestRuns != nil, "Intake", s.apiIngestRuns)))
	s.handle("GET /api/v1/intake/rejections", s.apiAuth(safeguard.PermIntake, s.needs(s.svc.IngestRuns != nil, "Intake", s.apiIngestRejections)))
	s.handle("GET /api/v1/scans/{id}", s.apiAuth(personal, s.needs(s.svc.Scans != nil, "Scan reports", s.apiGetScan)))
	s.handleLimit("POST /api/v1/match", max(s.cfg.MaxBodyBytes, MaxMatchBodyBytes), s.apiAuth(safeguard.PermMatch, s.needs(s.svc.Matcher != nil, "Hash lookup", s.apiMatch)))
	s.handle("GET /api/v1/audit", s.apiAuth(audit, s.needs(auditLog, "The audit log", s.apiListAudit)))
	s.handle("GET /api/v1/forces", s.apiAuth("", s.needs(forces, "Forces", s.apiListForces)))
	s.handle("POST /api/v1/forces", s.apiAuth(admin, s.needs(forces, "Forces", s.apiCreateForce)))
	s.handle("PUT /api/v1/forces/{code}/capacity", s.apiAuth("", s.needs(forces, "Forces", s.apiSetCapacity)))
	s.handle("GET /api/v1/users", s.apiAuth(admin, s.needs(users, "Users", s.apiListUsers)))
	s.handle("POST /api/v1/users", s.apiAuth(admin, s.needs(users, "Users", s.apiCreateUser)))
	s.handle("POST /api/v1/users/{id}/password", s.apiAuth(admin, s.needs(users, "Users", s.apiResetPassword)))
	s.handle("GET /api/v1/tokens", s.apiAuth(admin, s.apiListTokens))
	s.handle("POST /api/v1/tokens", s.apiAuth(admin, s.apiCreateToken))
	s.handle("POST /api/v1/tokens/{id}/revoke", s.apiAuth(admin, s.apiRevokeToken))

	// Everything else: 404, or 405 when the path exists for other methods.
	s.mux.HandleFunc("/", s.unmatched)
}

// unmatched answers a request no route took.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := s.mux.Handler(r2); p != "" && p != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.Error(w, r, &methodError{method: r.Method, allowed: allowed})
		return
	}
	s.notFound(w, r)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, safeguard.Errorf(safeguard.ENOTFOUND, "There is nothing at %s.", r.URL.Path))
}

// methodError answers a known path asked with the wrong method.
type methodError struct {
	method  string
	allowed []string
}

func (e *methodError) Error() string {
	return "method " + e.method + " not allowed; use " + strings.Join(e.allowed, " or ")
}

// healthz answers {"status":"ok"}, or 503 when the database does not answer.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.svc.Ping != nil {
		if err := s.svc.Ping(r.Context()); err != nil {
			s.logger.Warn("health check failed", "request_id", safeguard.RequestIDFromContext(r.Context()), "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// needs returns h if ok, else a handler answering that what is not
// available on this server.
func (s *Server) needs(ok bool, what string, h http.HandlerFunc) http.HandlerFunc {
	if ok {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) { s.Error(w, r, unavailable(what)) }
}

// unavailable is the error for a route whose service this server lacks.
func unavailable(what string) error {
	return safeguard.Errorf(safeguard.EUNAVAILABLE, "%s: not available on this server.", what)
}
