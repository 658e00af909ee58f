package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"safeguard"
)

// queueCSVLimit caps an export; a national queue is narrowed by filters
// long before this.
const queueCSVLimit = 100_000

// queueCSVColumns is the export's header. Pseudonymous: never a name or an
// address.
var queueCSVColumns = []string{"ref", "band", "due_at", "overdue", "score", "force_code", "attribution_status", "status"}

// exportQueue handles GET /queue.csv: the subjects a queue page with the
// same filters shows, every page of them in the same order, as CSV. The
// query takes the queue page's parameters (status defaults to open).
func (s *Server) exportQueue(w http.ResponseWriter, r *http.Request) {
	q, err := parseSubjectQuery(r, "queue", safeguard.SubjectOpen)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := q.SubjectFilter
	f.Offset, f.Limit, f.CountUpTo = 0, 1000, 1
	// The first page comes before any output so that a refusal is still
	// a proper error page.
	subs, _, err := s.svc.Subjects.FindSubjects(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := safeguard.NowFromContext(r.Context())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="queue-`+now.UTC().Format("2006-01-02")+`.csv"`)
	cw := csv.NewWriter(w)
	cw.Write(queueCSVColumns)
	written := 0
	for len(subs) > 0 && written < queueCSVLimit {
		for _, sub := range subs[:min(len(subs), queueCSVLimit-written)] {
			due := ""
			if sub.DueAt != nil {
				due = sub.DueAt.UTC().Format(time.RFC3339)
			}
			cw.Write([]string{sub.Ref, string(sub.Band), due, strconv.FormatBool(sub.Overdue(now)),
				strconv.FormatFloat(sub.Score, 'f', -1, 64), sub.ForceCode, sub.AttributionStatus, sub.Status})
			written++
		}
		if len(subs) < f.Limit {
			break
		}
		f.Offset += f.Limit
		if subs, _, err = s.svc.Subjects.FindSubjects(r.Context(), f); err != nil {
			// Headers are gone: end the file short and say why in the log.
			s.logger.Error("queue export stopped", "request_id", safeguard.RequestIDFromContext(r.Context()), "error", err, "rows", written)
			break
		}
	}
	cw.Flush()
}
