package web

import (
	"net/http"

	"safeguard"
)

// subjectListPage is the data of the queue and the subject list. Rows never
// carry a name: lists show pseudonymous references only.
type subjectListPage struct {
	Heading string
	Intro   string
	Rows    []subjectRow
	Columns []sortColumn
	Pager   pager
	Band    safeguard.Band
	Bands   []safeguard.Band
	Sort    string
}

// subjectRow is what a list shows of a subject.
type subjectRow struct {
	Ref               string
	Band              safeguard.Band
	DueAt             any
	ForceCode         string
	AttributionStatus string
}

var (
	// subjectSortKeys are the sorts SubjectFilter takes; the table headers
	// offer the first three.
	subjectSortKeys   = []string{"ref", "band", "due", "created"}
	subjectSortLabels = []string{"Reference", "Band", "Due"}
)

// showQueue handles GET /queue: the visible subjects, most urgent first
// (band rank, then due date), sorted and paged by the database.
func (s *Server) showQueue(w http.ResponseWriter, r *http.Request) {
	s.subjectList(w, r, "Queue", "Subjects in priority order: most urgent band first, then soonest due.", "band")
}

func (s *Server) subjectList(w http.ResponseWriter, r *http.Request, heading, intro, defSort string) {
	offset, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sort, err := parseSort(r, defSort, subjectSortKeys...)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	band := safeguard.Band(r.URL.Query().Get("band"))
	if band != "" && !band.Valid() {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "unknown band %q (want immediate, high, medium or low)", band))
		return
	}
	subs, total, err := s.svc.Subjects.FindSubjects(r.Context(), safeguard.SubjectFilter{
		Band: band, Sort: sort, Offset: offset, Limit: limit,
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rows := make([]subjectRow, len(subs))
	for i, sub := range subs {
		rows[i] = subjectRow{Ref: sub.Ref, Band: sub.Band, DueAt: sub.DueAt, ForceCode: sub.ForceCode, AttributionStatus: sub.AttributionStatus}
	}
	cols := sortColumns(r, sort, subjectSortKeys[:3], subjectSortLabels)
	s.render(w, r, http.StatusOK, "subject_list", &view{Page: subjectListPage{
		Heading: heading, Intro: intro, Rows: rows, Columns: cols,
		Pager: newPager(r, offset, limit, total), Band: band, Bands: safeguard.Bands, Sort: sort,
	}})
}
