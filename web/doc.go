// Package web is Safeguard's HTTP server: server-rendered HTML pages for
// people, a JSON API under /api/v1/ for other systems, /healthz and /metrics.
//
// It holds no business rules: authorisation and force scoping are enforced by
// the services it is given, and pages only hide what a role cannot use. It
// must never log or render personal data beyond what a page is for, never
// show an internal error's cause to a user, and never serve inline script or
// style (the Content-Security-Policy forbids both).
package web
