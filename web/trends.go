package web

import (
	"encoding/csv"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"safeguard"
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

// groupedBars draws groups of vertical bars, one colour per bar label,
// with a key.
func groupedBars(title string, groups []barGroup) template.HTML {
	if len(groups) == 0 {
		return ""
	}
	series := map[string]int{}
	var names []string
	peak := 0.0
	for _, g := range groups {
		for _, b := range g.Bars {
			if _, ok := series[b.Label]; !ok {
				series[b.Label] = 0
				names = append(names, b.Label)
			}
			peak = max(peak, b.Value)
		}
	}
	sort.Strings(names)
	for i, n := range names {
		series[n] = i
	}
	if peak == 0 {
		peak = 1
	}
	const height, top, bottom, left, barW = 180.0, 10.0, 46.0, 48.0, 12.0
	longest, keyW := 0, 0.0
	for _, g := range groups {
		longest = max(longest, len(g.Label))
	}
	for _, n := range names {
		keyW += 20 + 6.5*float64(len(n))
	}
	groupW := max(barW*float64(len(names))+10, 6.5*float64(longest)+10)
	width := max(left+groupW*float64(len(groups))+10, left+keyW+10)
	plot := height - top - bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f"><title>%s</title>`,
		width, height, width, height, html.EscapeString(title))
	fmt.Fprintf(&b, `<line class="chart__axis" x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f"/>`, left, top+plot, width-10, top+plot)
	fmt.Fprintf(&b, `<text class="chart__label" x="%.0f" y="%.0f" text-anchor="end">%s</text>`, left-4, top+8, strconv.FormatFloat(peak, 'f', 0, 64))
	for gi, g := range groups {
		x0 := left + float64(gi)*groupW + 5
		for _, v := range g.Bars {
			h := plot * v.Value / peak
			fmt.Fprintf(&b, `<rect class="chart__bar chart__series--%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s, %s: %s</title></rect>`,
				series[v.Label]%4, x0+barW*float64(series[v.Label]), top+plot-h, barW-1, h,
				html.EscapeString(g.Label), html.EscapeString(v.Label), strconv.FormatFloat(v.Value, 'f', 1, 64))
		}
		fmt.Fprintf(&b, `<text class="chart__label" x="%.1f" y="%.0f">%s</text>`, x0, top+plot+14, html.EscapeString(g.Label))
	}
	x := left
	for i, n := range names {
		fmt.Fprintf(&b, `<rect class="chart__bar chart__series--%d" x="%.0f" y="%.0f" width="10" height="10"/><text class="chart__label" x="%.0f" y="%.0f">%s</text>`,
			i%4, x, height-14, x+13, height-5, html.EscapeString(n))
		x += 20 + 6.5*float64(len(n))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
