package web

import (
	"encoding/csv"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"safeguard"
	"safeguard/chart"
)

// trendsPage is the trends across operations, as charts and tables.
type trendsPage struct {
	Trends        *safeguard.Trends
	CategoryChart template.HTML
	ReferralChart template.HTML
	ResponseChart template.HTML
}

// showTrends handles GET /reports/trends.
func (s *Server) showTrends(w http.ResponseWriter, r *http.Request) {
	t, err := s.svc.Operations.Trends(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := trendsPage{Trends: t}
	// Share of each UK category per month: are collections becoming more
	// extreme?
	var cat []barGroup
	for _, c := range t.Categories {
		if c.Scheme != safeguard.SchemeUK {
			continue
		}
		if len(cat) == 0 || cat[len(cat)-1].Label != c.Month {
			cat = append(cat, barGroup{Label: c.Month})
		}
		g := &cat[len(cat)-1]
		g.Bars = append(g.Bars, bar{Label: "Category " + c.Category, Value: 100 * c.Share})
	}
	p.CategoryChart = groupedBars("Share of matched material by UK category per month (%)", cat)
	var refs []barGroup
	for _, c := range t.Referrals {
		if len(refs) == 0 || refs[len(refs)-1].Label != c.Month {
			refs = append(refs, barGroup{Label: c.Month})
		}
		g := &refs[len(refs)-1]
		g.Bars = append(g.Bars, bar{Label: c.Source, Value: float64(c.Count)})
	}
	p.ReferralChart = groupedBars("Referrals per month by source", refs)
	var resp []barGroup
	for _, b := range t.Response {
		if b.Subjects > 0 {
			resp = append(resp, barGroup{Label: string(b.Band), Bars: []bar{{Label: "median hours", Value: b.MedianHours}, {Label: "90th percentile hours", Value: b.P90Hours}}})
		}
	}
	p.ResponseChart = groupedBars("Hours from first referral to first action, by band", resp)
	s.render(w, r, http.StatusOK, "trends", &view{Page: p})
}

// trendsCSV handles GET /reports/trends.csv?part=categories|referrals|response.
func (s *Server) trendsCSV(w http.ResponseWriter, r *http.Request) {
	part := r.URL.Query().Get("part")
	if part == "" {
		part = "categories"
	}
	if part != "categories" && part != "referrals" && part != "response" {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "part must be categories, referrals or response, not %q", part))
		return
	}
	t, err := s.svc.Operations.Trends(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="trends-`+part+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	switch part {
	case "categories":
		cw.Write([]string{"month", "scheme", "category", "count", "share"})
		for _, c := range t.Categories {
			cw.Write([]string{c.Month, string(c.Scheme), c.Category, strconv.Itoa(c.Count), strconv.FormatFloat(c.Share, 'f', 4, 64)})
		}
	case "referrals":
		cw.Write([]string{"month", "source", "referrals"})
		for _, c := range t.Referrals {
			cw.Write([]string{c.Month, c.Source, strconv.Itoa(c.Count)})
		}
	case "response":
		cw.Write([]string{"band", "subjects", "median_hours", "p90_hours", "with_due", "within_due"})
		for _, b := range t.Response {
			band := string(b.Band)
			if band == "" {
				band = "unassessed"
			}
			cw.Write([]string{band, strconv.Itoa(b.Subjects), strconv.FormatFloat(b.MedianHours, 'f', 1, 64),
				strconv.FormatFloat(b.P90Hours, 'f', 1, 64), strconv.Itoa(b.WithDue), strconv.Itoa(b.WithinDue)})
		}
	}
	cw.Flush()
}

// apiTrends handles GET /api/v1/reports/trends.
func (s *Server) apiTrends(w http.ResponseWriter, r *http.Request) {
	t, err := s.svc.Operations.Trends(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

type bar struct {
	Label string
	Value float64
}

type barGroup struct {
	Label string
	Bars  []bar
}

// groupedBars draws groups of vertical bars, one series per bar label
// (in name order), with package chart.
func groupedBars(title string, groups []barGroup) template.HTML {
	if len(groups) == 0 {
		return ""
	}
	var names []string
	for _, g := range groups {
		for _, b := range g.Bars {
			if !slices.Contains(names, b.Label) {
				names = append(names, b.Label)
			}
		}
	}
	sort.Strings(names)
	c := chart.Bars{Title: title}
	for _, n := range names {
		c.Series = append(c.Series, chart.Series{Name: n, Values: make([]float64, len(groups))})
	}
	for gi, g := range groups {
		c.X = append(c.X, g.Label)
		for _, b := range g.Bars {
			c.Series[slices.Index(names, b.Label)].Values[gi] = b.Value
		}
	}
	return c.SVG()
}
