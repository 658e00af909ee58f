package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"safeguard"
)

// Charts are drawn on the server as SVG, from numbers and force codes
// only, so they need no script, print as they are and pass the content
// security policy (no inline styles: classes from ops.css).

// hourChart draws the actions recorded in each hour of the operation.
func hourChart(hours []safeguard.HourCount) template.HTML {
	if len(hours) == 0 {
		return ""
	}
	const height, top, bottom, left = 160.0, 10.0, 30.0, 34.0
	peak := 1
	for _, h := range hours {
		peak = max(peak, h.Count)
	}
	bar := max(3.0, min(24.0, 720.0/float64(len(hours))))
	width := left + bar*float64(len(hours)) + 10
	plot := height - top - bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" aria-labelledby="hour-chart-t">`,
		width, height, width, height)
	fmt.Fprintf(&b, `<title id="hour-chart-t">Actions per hour: %d hours, at most %d in one hour</title>`, len(hours), peak)
	fmt.Fprintf(&b, `<line class="chart__axis" x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f"/>`, left, top+plot, width-10, top+plot)
	fmt.Fprintf(&b, `<text class="chart__label" x="%.0f" y="%.0f" text-anchor="end">%d</text>`, left-4, top+8, peak)
	fmt.Fprintf(&b, `<text class="chart__label" x="%.0f" y="%.0f" text-anchor="end">0</text>`, left-4, top+plot)
	every := max(1, len(hours)/8)
	for i, h := range hours {
		x := left + float64(i)*bar
		hgt := plot * float64(h.Count) / float64(peak)
		fmt.Fprintf(&b, `<rect class="chart__bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
			x+0.5, top+plot-hgt, bar-1, hgt, h.Hour.UTC().Format("2006-01-02 15:00 UTC"), h.Count)
		if i%every == 0 {
			fmt.Fprintf(&b, `<text class="chart__label" x="%.1f" y="%.0f">%s</text>`, x, height-12, h.Hour.UTC().Format("02 15h"))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// forceChart draws, per force, bars of warrants executed and arrests.
func forceChart(forces []*safeguard.ForceFigures) template.HTML {
	if len(forces) == 0 {
		return ""
	}
	const row, left, width = 22.0, 60.0, 520.0
	peak := 1
	for _, f := range forces {
		peak = max(peak, f.WarrantsExecuted, f.Arrests)
	}
	height := row*float64(len(forces)) + 30
	scale := (width - left - 40) / float64(peak)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" aria-labelledby="force-chart-t">`,
		width, height, width, height)
	fmt.Fprintf(&b, `<title id="force-chart-t">Warrants executed and arrests by force</title>`)
	for i, f := range forces {
		y := 6 + float64(i)*row
		code := html.EscapeString(f.ForceCode)
		fmt.Fprintf(&b, `<text class="chart__label" x="%.0f" y="%.1f" text-anchor="end">%s</text>`, left-6, y+13, code)
		fmt.Fprintf(&b, `<rect class="chart__bar" x="%.0f" y="%.1f" width="%.1f" height="8"><title>%s warrants executed: %d</title></rect>`,
			left, y+2, scale*float64(f.WarrantsExecuted), code, f.WarrantsExecuted)
		fmt.Fprintf(&b, `<rect class="chart__bar chart__bar--alt" x="%.0f" y="%.1f" width="%.1f" height="8"><title>%s arrests: %d</title></rect>`,
			left, y+10, scale*float64(f.Arrests), code, f.Arrests)
		fmt.Fprintf(&b, `<text class="chart__label" x="%.1f" y="%.1f">%d / %d</text>`,
			left+scale*float64(max(f.WarrantsExecuted, f.Arrests))+4, y+14, f.WarrantsExecuted, f.Arrests)
	}
	fmt.Fprintf(&b, `<text class="chart__label" x="%.0f" y="%.0f"><tspan class="chart__key">■</tspan> warrants executed <tspan class="chart__key chart__key--alt">■</tspan> arrests</text>`,
		left, height-6)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
