package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Size of a chart's drawing, in SVG user units; the SVG scales to its box.
const (
	width   = 720
	height  = 300
	padL    = 56
	padR    = 16
	padT    = 16
	padB    = 48
	plotW   = width - padL - padR
	plotH   = height - padT - padB
	maxTick = 12
)

// Series is one line of a line chart, or one set of bars.
type Series struct {
	Name   string
	Values []float64
	// Dashed draws the line dashed, e.g. for a what-if beside the actual.
	Dashed bool
}

// Line is a line chart over shared x labels (one per value).
type Line struct {
	Title  string // said to screen readers
	XLabel string
	YLabel string
	X      []string
	Series []Series
}

// SVG renders the chart.
func (c Line) SVG() template.HTML {
	var b strings.Builder
	top := niceMax(maxOf(c.Series))
	open(&b, c.Title)
	axes(&b, top, c.XLabel, c.YLabel)
	n := len(c.X)
	xAt := func(i int) float64 {
		if n <= 1 {
			return padL
		}
		return padL + float64(i)*plotW/float64(n-1)
	}
	xTicks(&b, c.X, xAt)
	for k, s := range c.Series {
		pts := make([]string, 0, len(s.Values))
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(v, top)))
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<polyline class="chart-series chart-series--%d" fill="none" stroke-width="2"%s points="%s"><title>%s</title></polyline>`,
			k%6, dash, strings.Join(pts, " "), html.EscapeString(s.Name))
	}
	legend(&b, c.Series)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Bars is a bar chart: one group of bars per label, one bar per series.
type Bars struct {
	Title  string
	XLabel string
	YLabel string
	X      []string
	Series []Series
}

// SVG renders the chart.
func (c Bars) SVG() template.HTML {
	var b strings.Builder
	top := niceMax(maxOf(c.Series))
	open(&b, c.Title)
	axes(&b, top, c.XLabel, c.YLabel)
	n, k := len(c.X), max(len(c.Series), 1)
	slot := plotW / float64(max(n, 1))
	bar := slot * 0.8 / float64(k)
	xAt := func(i int) float64 { return padL + slot*(float64(i)+0.5) }
	xTicks(&b, c.X, xAt)
	for j, s := range c.Series {
		for i, v := range s.Values {
			if i >= n {
				break
			}
			x := padL + slot*float64(i) + slot*0.1 + bar*float64(j)
			y := yAt(v, top)
			fmt.Fprintf(&b, `<rect class="chart-series chart-series--%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s, %s: %s</title></rect>`,
				j%6, x, y, bar, padT+plotH-y, html.EscapeString(s.Name), html.EscapeString(c.X[i]), num(v))
		}
	}
	legend(&b, c.Series)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func open(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		width, height, html.EscapeString(title))
	fmt.Fprintf(b, `<title>%s</title>`, html.EscapeString(title))
}

// axes draws the y grid with its figures and the axis labels.
func axes(b *strings.Builder, top float64, xLabel, yLabel string) {
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		y := yAt(v, top)
		fmt.Fprintf(b, `<line class="chart-grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padL, padL+plotW, y, y)
		fmt.Fprintf(b, `<text class="chart-tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, y+4, num(v))
	}
	fmt.Fprintf(b, `<line class="chart-axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padL, padL+plotW, padT+plotH, padT+plotH)
	fmt.Fprintf(b, `<text class="chart-label" x="%d" y="%d" text-anchor="middle">%s</text>`, padL+plotW/2, height-6, html.EscapeString(xLabel))
	fmt.Fprintf(b, `<text class="chart-label" x="14" y="%d" text-anchor="middle" transform="rotate(-90 14 %d)">%s</text>`,
		padT+plotH/2, padT+plotH/2, html.EscapeString(yLabel))
}

// xTicks labels at most maxTick of the x positions, evenly spread.
func xTicks(b *strings.Builder, labels []string, xAt func(int) float64) {
	step := max(1, int(math.Ceil(float64(len(labels))/maxTick)))
	for i := 0; i < len(labels); i += step {
		fmt.Fprintf(b, `<text class="chart-tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, xAt(i), padT+plotH+16, html.EscapeString(labels[i]))
	}
}

func legend(b *strings.Builder, series []Series) {
	x := padL
	for k, s := range series {
		fmt.Fprintf(b, `<rect class="chart-series chart-series--%d" x="%d" y="%d" width="10" height="10"/>`, k%6, x, padT)
		fmt.Fprintf(b, `<text class="chart-legend" x="%d" y="%d">%s</text>`, x+14, padT+9, html.EscapeString(s.Name))
		x += 24 + 7*len([]rune(s.Name))
	}
}

func yAt(v, top float64) float64 {
	if top <= 0 || math.IsNaN(v) {
		return padT + plotH
	}
	return padT + plotH - math.Max(0, math.Min(v, top))/top*plotH
}

func maxOf(series []Series) float64 {
	m := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				m = math.Max(m, v)
			}
		}
	}
	return m
}

// niceMax rounds m up to 1, 2, 4 or 8 times a power of ten, so the four
// grid lines fall on round figures; at least 1.
func niceMax(m float64) float64 {
	if m <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{1, 2, 4, 8, 10} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}

// num formats a figure without needless decimals.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
