package web

import (
	"encoding/csv"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"safeguard"
)

// reportPage is the printable operation report.
type reportPage struct {
	Report     *safeguard.OperationReport
	HourChart  template.HTML
	ForceChart template.HTML
}

// showOperationReport handles GET /operations/{code}/report: the whole
// report on one printable page (ops.css holds the print stylesheet).
func (s *Server) showOperationReport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.svc.Operations.OperationReport(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "operation_report", &view{Page: reportPage{Report: rep,
		HourChart: hourChart(rep.PerHour), ForceChart: forceChart(rep.Forces)}})
}

// operationReportCSV handles GET /operations/{code}/report.csv: figures
// per force and in total, or with ?part=timeline every recorded action.
func (s *Server) operationReportCSV(w http.ResponseWriter, r *http.Request) {
	part := r.URL.Query().Get("part")
	if part != "" && part != "forces" && part != "timeline" {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "part must be forces or timeline, not %q", part))
		return
	}
	rep, err := s.svc.Operations.OperationReport(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := rep.Operation.Code + "-" + map[bool]string{true: "timeline", false: "forces"}[part == "timeline"] + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if part == "timeline" {
		cw.Write([]string{"action_id", "at", "force_code", "package_id", "subject_ref", "kind", "count", "supersedes", "superseded_by", "counted"})
		for _, e := range rep.Timeline {
			cw.Write([]string{itoa64(e.ID), e.At.UTC().Format(time.RFC3339), e.ForceCode, itoa64(e.PackageID), e.SubjectRef, e.Kind,
				strconv.Itoa(e.Count), optID(e.Supersedes), optID(e.SupersededBy), strconv.FormatBool(e.SupersededBy == nil)})
		}
	} else {
		cw.Write([]string{"force_code", "packages_sent", "packages_accepted", "packages_returned", "packages_overdue",
			"warrants_executed", "arrests", "devices_seized", "children_safeguarded", "actions"})
		row := func(code string, f safeguard.Figures) {
			cw.Write([]string{code, strconv.Itoa(f.PackagesSent), strconv.Itoa(f.PackagesAccepted), strconv.Itoa(f.PackagesReturned),
				strconv.Itoa(f.PackagesOverdue), strconv.Itoa(f.WarrantsExecuted), strconv.Itoa(f.Arrests),
				strconv.Itoa(f.DevicesSeized), strconv.Itoa(f.ChildrenSafeguarded), strconv.Itoa(f.Actions)})
		}
		for _, f := range rep.Forces {
			row(f.ForceCode, f.Figures)
		}
		row("TOTAL", rep.Totals)
	}
	cw.Flush()
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func optID(p *int64) string {
	if p == nil {
		return ""
	}
	return itoa64(*p)
}
