package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"safeguard"
	"safeguard/chart"
	"safeguard/forecast"
)

// forecastWeeks is the longest horizon the chart draws.
const forecastWeeks = 52

// forecastPage is the capacity forecast: per force and nationally, when
// the backlog clears and how many subjects breach their due time, with a
// what-if for one force's capacity.
type forecastPage struct {
	Now         time.Time
	Rows        []forecastRow
	National    forecastRow
	Unallocated forecast.Forecast
	Forces      []*safeguard.Force
	// The what-if asked for, if any.
	WhatIf      bool
	WhatIfForce string
	WhatIfExtra float64
	WhatIfBand  safeguard.Band
	Bands       []safeguard.Band
	// CanSetCapacity shows the capacity form (coordinators, admins).
	CanSetCapacity bool
	Chart          template.HTML
	Weeks          []forecastWeek
}

// forecastRow is a force's (or the nation's) forecast, and the what-if's
// when one was asked for.
type forecastRow struct {
	Code, Name string
	Capacity   string
	Now        forecast.Forecast
	WhatIf     *forecast.Forecast
}

// forecastWeek is one row of the chart's table.
type forecastWeek struct {
	Week        int
	Now, WhatIf int
	ShowsWhatIf bool
}

// showForecast handles GET /forecast[?force=CODE&extra=N[&band=B]]: the
// backlog each force holds, worked at its weekly capacity (see package
// forecast for the model), and what changes if one force gets N more a
// week.
func (s *Server) showForecast(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := forecastPage{Now: safeguard.NowFromContext(ctx).UTC(), Bands: safeguard.Bands}
	v := r.URL.Query()
	if v.Get("force") != "" || v.Get("extra") != "" {
		p.WhatIf, p.WhatIfForce, p.WhatIfBand = true, v.Get("force"), safeguard.Band(v.Get("band"))
		n, err := strconv.ParseFloat(strings.TrimSpace(v.Get("extra")), 64)
		if err != nil || n < -1e6 || n > 1e6 {
			s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "extra capacity %q must be a number of subjects a week", v.Get("extra")))
			return
		} else if p.WhatIfBand != "" && !p.WhatIfBand.Valid() {
			s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "unknown band %q", p.WhatIfBand))
			return
		}
		p.WhatIfExtra = n
	}
	forces, err := s.svc.Forces.FindForces(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	items, err := s.svc.Backlog.FindBacklog(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	queues := map[string]*forecast.Queue{}
	for _, it := range items {
		q := queues[it.ForceCode]
		if q == nil {
			q = &forecast.Queue{Code: it.ForceCode}
			queues[it.ForceCode] = q
		}
		q.Items = append(q.Items, forecast.Item{Band: it.Band, DueAt: it.DueAt})
	}
	a, _ := safeguard.ActorFromContext(ctx)
	p.CanSetCapacity = a.Can(safeguard.PermManageOps) || a.Can(safeguard.PermManageUsers)
	known := false
	var nowAll, ifAll []forecast.Forecast
	var nowCurve, ifCurve []int
	for _, f := range forces {
		if a.Role.ForceScoped() && f.Code != a.ForceCode {
			continue
		}
		p.Forces = append(p.Forces, f)
		q := queues[f.Code]
		if q == nil {
			q = &forecast.Queue{Code: f.Code}
		}
		q.Capacity = capacityOf(f)
		row := forecastRow{Code: f.Code, Name: f.Name, Capacity: capacityText(f), Now: forecast.Run(p.Now, *q)}
		nowAll = append(nowAll, row.Now)
		nowCurve = addCurve(nowCurve, forecast.Remaining(*q, forecastWeeks))
		wq := *q
		if p.WhatIf && f.Code == p.WhatIfForce {
			known = true
			wq = q.WithExtra(p.WhatIfExtra, p.WhatIfBand)
			wf := forecast.Run(p.Now, wq)
			row.WhatIf = &wf
		}
		ifAll = append(ifAll, forecast.Run(p.Now, wq))
		ifCurve = addCurve(ifCurve, forecast.Remaining(wq, forecastWeeks))
		p.Rows = append(p.Rows, row)
	}
	if p.WhatIf && !known {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "no force %q to try more capacity for", p.WhatIfForce))
		return
	}
	if q := queues[""]; q != nil {
		p.Unallocated = forecast.Run(p.Now, *q)
	}
	p.National = forecastRow{Name: "All forces", Now: forecast.National(nowAll)}
	if p.WhatIf {
		n := forecast.National(ifAll)
		p.National.WhatIf = &n
	}
	p.Chart, p.Weeks = backlogChart(p, nowCurve, ifCurve)
	s.render(w, r, http.StatusOK, "forecast", &view{Page: p})
}

// capacityOf is a force's capacity as the forecast takes it.
func capacityOf(f *safeguard.Force) forecast.Capacity {
	c := forecast.Capacity{Weekly: float64(f.WeeklyCapacity)}
	if len(f.BandCapacity) > 0 {
		c.PerBand = map[safeguard.Band]float64{}
		for b, n := range f.BandCapacity {
			c.PerBand[b] = float64(n)
		}
	}
	return c
}

// capacityText says a force's capacity, e.g. "10 a week" or
// "immediate 2, high 5 a week".
func capacityText(f *safeguard.Force) string {
	if len(f.BandCapacity) == 0 {
		return fmt.Sprintf("%d a week", f.WeeklyCapacity)
	}
	var parts []string
	for _, b := range safeguard.Bands {
		if n, ok := f.BandCapacity[b]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", b, n))
		}
	}
	return strings.Join(parts, ", ") + " a week"
}

func addCurve(total, c []int) []int {
	if total == nil {
		total = make([]int, len(c))
	}
	for i, v := range c {
		total[i] += v
	}
	return total
}

// backlogChart draws the national backlog week by week until it clears
// (or for a year), now and under the what-if, with the same figures as a
// table.
func backlogChart(p forecastPage, now, whatIf []int) (template.HTML, []forecastWeek) {
	if len(now) == 0 {
		return "", nil
	}
	last := 1
	for i := range now {
		if now[i] > 0 || whatIf[i] > 0 {
			last = min(i+1, len(now)-1)
		}
	}
	var labels []string
	var weeks []forecastWeek
	series := []chart.Series{{Name: "backlog at current capacity"}}
	if p.WhatIf {
		series = append(series, chart.Series{Name: fmt.Sprintf("with %s %+g a week", p.WhatIfForce, p.WhatIfExtra), Dashed: true})
	}
	for i := 0; i <= last; i++ {
		labels = append(labels, strconv.Itoa(i))
		series[0].Values = append(series[0].Values, float64(now[i]))
		if p.WhatIf {
			series[1].Values = append(series[1].Values, float64(whatIf[i]))
		}
		weeks = append(weeks, forecastWeek{Week: i, Now: now[i], WhatIf: whatIf[i], ShowsWhatIf: p.WhatIf})
	}
	return chart.Line{Title: "Backlog left across all forces, week by week", XLabel: "weeks from now",
		YLabel: "subjects waiting", X: labels, Series: series}.SVG(), slices.Clip(weeks)
}
