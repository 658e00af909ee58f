package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/netip"
	"path"
	"strings"
	"time"

	"safeguard"
)

//go:embed templates
var templateFS embed.FS

// templates holds one parsed template set per page: the shared layout and
// partials plus the page's own file.
type templates struct {
	pages map[string]*template.Template
}

func templateFuncs(sa *staticAssets) template.FuncMap {
	return template.FuncMap{
		"static":     sa.URL,
		"fmtTime":    fmtTime,
		"fmtDate":    fmtDate,
		"join":       strings.Join,
		"add":        func(a, b int) int { return a + b },
		"label":      func(s string) string { return strings.ReplaceAll(s, "_", " ") },
		"csvLimit":   func() string { return "100,000" },
		"capacityOf": capacityText,
		"yesno":      yesno,
		// notViewed: the provider said it did not open the file.
		"notViewed": func(b *bool) bool { return b != nil && !*b },
		"overdue":   func(v any) bool { t, ok := asTime(v); return ok && t.Before(time.Now()) },
		"cgnat":     func(a netip.Addr) bool { return safeguard.CGNAT.Contains(a.Unmap()) },
		// kindWords names an identifier kind as evidence does ("IP address").
		"kindWords": possibleKindWords,
	}
}

// parseTemplates parses every page with the layout. Any error, including a
// page that defines no content, fails the server's start.
func parseTemplates(sa *staticAssets) (*templates, error) {
	base, err := template.New("").Funcs(templateFuncs(sa)).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		page, err := clone.ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", f, err)
		}
		if page.Lookup("content") == nil || page.Lookup("layout") == nil {
			return nil, fmt.Errorf("web: template %s defines no content block", f)
		}
		t.pages[name] = page
	}
	for _, need := range []string{"error", "login"} {
		if t.pages[need] == nil {
			return nil, fmt.Errorf("web: template %s.html missing", need)
		}
	}
	return t, nil
}

// view is the data every page template gets; Page holds the page's own.
type view struct {
	User      *safeguard.User
	Nav       []navItem
	CSRFToken string
	RequestID string
	Version   string
	Flash     string
	Error     string
	Page      any
}

// doneMessages are the confirmations a redirect after a change may ask for
// with ?done=KEY; only these fixed texts are ever shown.
var doneMessages = map[string]string{
	"capacity": "The force's capacity has been changed; the forecast below uses it.",
	"revoked":  "The token has been revoked.",
	"force":    "The force has been added.",
	"scan":     "The scan report has been attached.",
	"resolve":  "The subject's IP events have been resolved against the stored ISP records.",
	// The assessment engine: the subject is re-assessed within a second.
	"fact":             "The fact has been recorded; the subject is re-assessed within a second.",
	"retracted":        "The fact has been retracted; the subject is re-assessed within a second.",
	"override":         "The override has been set; the subject is re-assessed within a second.",
	"override-ended":   "The override has been ended; the subject is re-assessed within a second.",
	"cport":            "The CPORT score has been recorded.",
	"policy-loaded":    "The policy has been loaded as a candidate: check its what-if before applying it.",
	"policy-applied":   "The policy is active; every subject is being re-assessed in the background.",
	"policy-discarded": "The candidate policy has been discarded.",
	"merged":           "The subjects have been merged.",
	"split":            "The referrals have been split off into this new subject.",
	"decided":          "The possible link has been decided.",
}

type navItem struct {
	Label   string
	URL     string
	Current bool
}

// render executes the page template into a buffer first, so a template
// error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t := s.tmpl.pages[name]
	if t == nil {
		s.Error(w, r, fmt.Errorf("no template %q", name))
		return
	}
	st := stateFrom(r.Context())
	v.RequestID = st.id
	v.Version = s.cfg.Version
	if v.Flash == "" {
		v.Flash = doneMessages[r.URL.Query().Get("done")]
	}
	if st.user != nil && v.User == nil {
		v.User = st.user
		v.Nav = s.navFor(st.user.Actor(), r.URL.Path)
		if st.session != nil {
			v.CSRFToken = st.session.CSRFToken
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		if name == "error" {
			s.logger.Error("render error page", "request_id", st.id, "error", err)
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
		s.Error(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages hold personal data: never let a shared or browser cache keep them.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, ev errorView) {
	s.render(w, r, ev.Status, "error", &view{Page: ev})
}

// navFor lists the sections the actor's role may use, in a fixed order.
func (s *Server) navFor(a safeguard.Actor, current string) []navItem {
	type entry struct {
		label, url string
		show       bool
	}
	canAny := func(ps ...safeguard.Permission) bool {
		for _, p := range ps {
			if a.Can(p) {
				return true
			}
		}
		return false
	}
	entries := []entry{
		{"Queue", "/queue", a.Can(safeguard.PermReadPersonal) && s.svc.Subjects != nil},
		{"Subjects", "/subjects", a.Can(safeguard.PermReadPersonal) && s.svc.Subjects != nil},
		{"Referrals", "/referrals", a.Can(safeguard.PermReadPersonal) && s.svc.Referrals != nil},
		{"Intake", "/intake", a.Can(safeguard.PermIntake) && s.svc.IngestRuns != nil},
		{"Operations", "/operations", a.Can(safeguard.PermReadOperational) && s.svc.Operations != nil},
		{"Forecast", "/forecast", (a.Can(safeguard.PermReadReports) || a.Can(safeguard.PermReadOperational)) && s.svc.Backlog != nil},
		{"Banks", "/banks", canAny(safeguard.PermManageBanks, safeguard.PermMatch) && s.svc.Banks != nil},
		{"Hash lookup", "/match", a.Can(safeguard.PermMatch) && s.svc.Matcher != nil},
		{"Audit", "/audit", a.Can(safeguard.PermReadAudit) && s.svc.Audit != nil},
		{"Users", "/users", a.Can(safeguard.PermManageUsers)},
		{"Attribution", "/attribution", a.Can(safeguard.PermAssess) && s.svc.Attribution != nil},
		{"Policies", "/policies", a.Can(safeguard.PermManagePolicies) && s.svc.Risk != nil},
		{"Forces", "/forces", canAny(safeguard.PermManageUsers, safeguard.PermManageOps, safeguard.PermAssess)},
		{"Tokens", "/tokens", a.Can(safeguard.PermManageUsers)},
	}
	var nav []navItem
	for _, e := range entries {
		if e.show {
			nav = append(nav, navItem{Label: e.label, URL: e.url,
				Current: current == e.url || strings.HasPrefix(current, e.url+"/")})
		}
	}
	return nav
}

// homeFor is the page a role lands on after logging in.
func homeFor(a safeguard.Actor) string {
	switch {
	case a.Can(safeguard.PermReadPersonal):
		return "/queue"
	case a.Can(safeguard.PermManageUsers):
		return "/users"
	case a.Can(safeguard.PermReadAudit):
		return "/audit"
	}
	return "/password"
}

// fmtTime formats a time or *time.Time as UTC minutes, or "—" for none.
func fmtTime(v any) string {
	t, ok := asTime(v)
	if !ok {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// fmtDate formats a time or *time.Time as a UTC date, or "—" for none.
func fmtDate(v any) string {
	t, ok := asTime(v)
	if !ok {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil || t.IsZero() {
			return time.Time{}, false
		}
		return *t, true
	}
	return time.Time{}, false
}

// yesno shows a bool or *bool; a nil *bool is "not stated".
func yesno(v any) string {
	switch b := v.(type) {
	case bool:
		if b {
			return "yes"
		}
		return "no"
	case *bool:
		if b != nil {
			return yesno(*b)
		}
	}
	return "—"
}
