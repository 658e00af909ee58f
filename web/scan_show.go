package web

import (
	"net/http"
	"sort"

	"safeguard"
)

// scanPage is one scan report: counts by category and the report's hash,
// never any file content.
type scanPage struct {
	Report *safeguard.ScanReport
	Counts []schemeCount
}

type schemeCount struct {
	Scheme safeguard.Scheme
	Label  string
	Count  int
}

// showScan handles GET /scans/{id}. The service audits the read and
// answers ENOTFOUND for a report on another force's subject.
func (s *Server) showScan(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "scan report")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.svc.Scans.FindScanReportByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := scanPage{Report: rep}
	schemes := make([]string, 0, len(rep.ByCategory))
	for sc := range rep.ByCategory {
		schemes = append(schemes, string(sc))
	}
	sort.Strings(schemes)
	for _, name := range schemes {
		sc := safeguard.Scheme(name)
		seen := map[string]bool{}
		for _, c := range sc.Categories() {
			seen[c] = true
			if n := rep.ByCategory[sc][c]; n > 0 {
				p.Counts = append(p.Counts, schemeCount{Scheme: sc, Label: sc.CategoryLabel(c), Count: n})
			}
		}
		for c, n := range rep.ByCategory[sc] { // codes the scheme does not list
			if !seen[c] && n > 0 {
				p.Counts = append(p.Counts, schemeCount{Scheme: sc, Label: c, Count: n})
			}
		}
	}
	s.render(w, r, http.StatusOK, "scan_show", &view{Page: p})
}

// apiGetScan handles GET /api/v1/scans/{id}.
func (s *Server) apiGetScan(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "scan report")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.svc.Scans.FindScanReportByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
