package web

import (
	"net/http"

	"safeguard"
)

// queueCountUpTo is where list pages stop counting: at a million subjects
// an exact total costs more than the page itself, and nobody pages past it.
const queueCountUpTo = 10_000

// subjectQuery is a subject list's filters as asked for in the query
// string: band, force, status (open, closed or all), attribution, overdue,
// sort, offset and limit.
type subjectQuery struct {
	safeguard.SubjectFilter
	StatusParam string // as asked: "", open, closed or all
}

// parseSubjectQuery reads the filters; defSort applies when none is asked
// for, and defStatus when no status is (the queue shows open subjects).
func parseSubjectQuery(r *http.Request, defSort, defStatus string) (subjectQuery, error) {
	var q subjectQuery
	var err error
	if q.Offset, q.Limit, err = parsePaging(r); err != nil {
		return q, err
	}
	if q.Sort, err = parseSort(r, defSort, subjectSortKeys...); err != nil {
		return q, err
	}
	v := r.URL.Query()
	q.Band = safeguard.Band(v.Get("band"))
	if q.Band != "" && !q.Band.Valid() {
		return q, safeguard.Errorf(safeguard.EINVALID, "unknown band %q (want immediate, high, medium or low)", q.Band)
	}
	q.ForceCode = v.Get("force")
	q.StatusParam = v.Get("status")
	switch q.StatusParam {
	case "":
		q.Status = defStatus
	case "all":
	case safeguard.SubjectOpen, safeguard.SubjectClosed:
		q.Status = q.StatusParam
	default:
		return q, safeguard.Errorf(safeguard.EINVALID, "unknown status %q (want open, closed or all)", q.StatusParam)
	}
	q.AttributionStatus = v.Get("attribution")
	switch q.AttributionStatus {
	case "", safeguard.AttrConfirmed, safeguard.AttrCorroborated, safeguard.AttrAmbiguous, safeguard.AttrUnresolved:
	default:
		return q, safeguard.Errorf(safeguard.EINVALID, "unknown attribution status %q (want confirmed, corroborated, ambiguous or unresolved)", q.AttributionStatus)
	}
	switch v.Get("overdue") {
	case "", "0", "false":
	case "1", "true", "on":
		q.Overdue = true
	default:
		return q, safeguard.Errorf(safeguard.EINVALID, "overdue %q must be true or false", v.Get("overdue"))
	}
	return q, nil
}
