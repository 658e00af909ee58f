package web

import (
	"net/http"
	"strings"

	"safeguard"
)

// subjectListPage is the data of the queue and the subject list. Rows never
// carry a name: lists show pseudonymous references only.
type subjectListPage struct {
	Heading  string
	Intro    string
	Rows     []subjectRow
	Columns  []sortColumn
	Pager    pager
	Query    subjectQuery
	Bands    []safeguard.Band
	Forces   []*safeguard.Force
	Statuses []string
	Attrs    []string
	CSVURL   string
}

// subjectRow is what a list shows of a subject.
type subjectRow struct {
	Ref               string
	Band              safeguard.Band
	DueAt             any
	Overdue           bool
	Score             float64
	Status            string
	ForceCode         string
	AttributionStatus string
}

// columnKeys returns the sort keys of the Reference, Band and Due headers:
// the Band header sorts in queue order (band, due, score) unless the list
// is sorted by band alone.
func columnKeys(sort string) []string {
	if strings.TrimPrefix(sort, "-") == "band" {
		return []string{"ref", "band", "due"}
	}
	return []string{"ref", "queue", "due"}
}

var (
	// subjectSortKeys are the sorts SubjectFilter takes; the table headers
	// show a choice of them (columnKeys).
	subjectSortKeys   = []string{"ref", "band", "due", "queue", "created"}
	subjectSortLabels = []string{"Reference", "Band", "Due"}
)

// showQueue handles GET /queue: the open subjects in queue order (most
// urgent band first, then the earliest due, so the overdue first, then the
// highest score), filtered, sorted and paged by the database.
func (s *Server) showQueue(w http.ResponseWriter, r *http.Request) {
	s.subjectList(w, r, "Queue", "Open subjects in priority order: most urgent band first, then the overdue and soonest due, then the highest score.", "queue", safeguard.SubjectOpen)
}

func (s *Server) subjectList(w http.ResponseWriter, r *http.Request, heading, intro, defSort, defStatus string) {
	q, err := parseSubjectQuery(r, defSort, defStatus)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := q.SubjectFilter
	f.CountUpTo = queueCountUpTo + 1
	subs, total, err := s.svc.Subjects.FindSubjects(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := safeguard.NowFromContext(r.Context())
	rows := make([]subjectRow, len(subs))
	for i, sub := range subs {
		rows[i] = subjectRow{Ref: sub.Ref, Band: sub.Band, DueAt: sub.DueAt, Overdue: sub.Overdue(now), Score: sub.Score,
			Status: sub.Status, ForceCode: sub.ForceCode, AttributionStatus: sub.AttributionStatus}
	}
	page := subjectListPage{
		Heading: heading, Intro: intro, Rows: rows, Query: q,
		Columns:  sortColumns(r, q.Sort, columnKeys(q.Sort), subjectSortLabels),
		Pager:    newPager(r, q.Offset, q.Limit, min(total, queueCountUpTo)),
		Bands:    safeguard.Bands,
		Statuses: []string{safeguard.SubjectOpen, safeguard.SubjectClosed, "all"},
		Attrs:    []string{safeguard.AttrCorroborated, safeguard.AttrConfirmed, safeguard.AttrAmbiguous, safeguard.AttrUnresolved},
	}
	page.Pager.More = total > queueCountUpTo
	if a, ok := safeguard.ActorFromContext(r.Context()); ok && !a.Role.ForceScoped() && s.svc.Forces != nil {
		if page.Forces, err = s.svc.Forces.FindForces(r.Context()); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	csv := cloneValues(r.URL.Query())
	csv.Del("offset")
	csv.Del("limit")
	if q.StatusParam == "" {
		csv.Set("status", defStatus)
	}
	if q.Sort != "" {
		csv.Set("sort", q.Sort)
	}
	page.CSVURL = "/queue.csv?" + csv.Encode()
	s.render(w, r, http.StatusOK, "subject_list", &view{Page: page})
}
