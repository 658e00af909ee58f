package web

import (
	"net/http"
	"time"

	"safeguard"
)

// auditListPage is the data of the audit log page.
type auditListPage struct {
	Rows   []*safeguard.AuditEvent
	Pager  pager
	Filter auditFilterForm
}

// auditFilterForm echoes the filter back into the form.
type auditFilterForm struct {
	Actor, Action, ObjectType, ObjectID, Since, Until string
}

// parseAuditFilter reads the audit filter from the query. Dates are
// YYYY-MM-DD (UTC) or RFC 3339 instants; an "until" date includes that day.
func parseAuditFilter(r *http.Request) (safeguard.AuditFilter, auditFilterForm, error) {
	q := r.URL.Query()
	form := auditFilterForm{Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"),
		ObjectID: q.Get("object_id"), Since: q.Get("since"), Until: q.Get("until")}
	f := safeguard.AuditFilter{Actor: form.Actor, Action: form.Action, ObjectType: form.ObjectType, ObjectID: form.ObjectID}
	var err error
	if f.Offset, f.Limit, err = parsePaging(r); err != nil {
		return f, form, err
	}
	if form.Since != "" {
		t, _, err := parseDay(form.Since, "since")
		if err != nil {
			return f, form, err
		}
		f.Since = &t
	}
	if form.Until != "" {
		t, day, err := parseDay(form.Until, "until")
		if err != nil {
			return f, form, err
		}
		if day {
			t = t.Add(24*time.Hour - time.Microsecond)
		}
		f.Until = &t
	}
	if f.Since != nil && f.Until != nil && f.Until.Before(*f.Since) {
		return f, form, safeguard.Errorf(safeguard.EINVALID, "until (%s) is before since (%s)", form.Until, form.Since)
	}
	return f, form, nil
}

// parseDay reads a UTC date or an RFC 3339 instant, saying which it was.
func parseDay(v, name string) (t time.Time, day bool, err error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, true, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), false, nil
	}
	return time.Time{}, false, safeguard.Errorf(safeguard.EINVALID, "%s %q is not a date (YYYY-MM-DD) or an RFC 3339 time", name, v)
}

// listAudit handles GET /audit: the audit log, newest first, filtered and
// paged by the database.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	f, form, err := parseAuditFilter(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rows, total, err := s.svc.Audit.FindAuditEvents(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit_list", &view{Page: auditListPage{
		Rows: rows, Pager: newPager(r, f.Offset, f.Limit, total), Filter: form,
	}})
}
