package web

import (
	"html/template"

	"safeguard"
	"safeguard/chart"
)

// hourChart draws the actions recorded in each hour of the operation.
func hourChart(hours []safeguard.HourCount) template.HTML {
	if len(hours) == 0 {
		return ""
	}
	c := chart.Bars{Title: "Actions per hour", XLabel: "hour (UTC)", YLabel: "actions",
		Series: []chart.Series{{Name: "actions"}}}
	for _, h := range hours {
		c.X = append(c.X, h.Hour.UTC().Format("02 15h"))
		c.Series[0].Values = append(c.Series[0].Values, float64(h.Count))
	}
	return c.SVG()
}

// forceChart draws, per force, bars of warrants executed and arrests.
func forceChart(forces []*safeguard.ForceFigures) template.HTML {
	if len(forces) == 0 {
		return ""
	}
	c := chart.Bars{Title: "Warrants executed and arrests by force", XLabel: "force", YLabel: "actions",
		Series: []chart.Series{{Name: "warrants executed"}, {Name: "arrests"}}}
	for _, f := range forces {
		c.X = append(c.X, f.ForceCode)
		c.Series[0].Values = append(c.Series[0].Values, float64(f.WarrantsExecuted))
		c.Series[1].Values = append(c.Series[1].Values, float64(f.Arrests))
	}
	return c.SVG()
}
