package chart_test

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"safeguard/chart"
)

// wellFormed fails unless s parses as XML from start to end.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, s)
		}
	}
}

func TestLine(t *testing.T) {
	svg := string(chart.Line{
		Title: "Backlog <by week>", XLabel: "week", YLabel: "subjects",
		X:      []string{"0", "1", "2"},
		Series: []chart.Series{{Name: "now", Values: []float64{40, 20, 0}}, {Name: "what if & more", Values: []float64{40, 0, 0}, Dashed: true}},
	}.SVG())
	wellFormed(t, svg)
	for _, want := range []string{`aria-label="Backlog &lt;by week&gt;"`, "what if &amp; more", `stroke-dasharray`,
		// 40 is the top of a 0–40 axis: the first point sits on the plot's top edge.
		`points="56.0,16.0 380.0,134.0 704.0,252.0"`, `>40</text>`, `>20</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q:\n%s", want, svg)
		}
	}
}

func TestBars(t *testing.T) {
	svg := string(chart.Bars{Title: "Breaches by force", X: []string{"KNT", "ESX"},
		Series: []chart.Series{{Name: "breaches", Values: []float64{3, 7}}}}.SVG())
	wellFormed(t, svg)
	if got := strings.Count(svg, "<rect class=\"chart-series"); got != 3 { // two bars and a legend key
		t.Errorf("%d series rects, want 3", got)
	}
	for _, want := range []string{"breaches, ESX: 7", `>8</text>`, `>2</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

func TestEmptyAndOdd(t *testing.T) {
	wellFormed(t, string(chart.Line{}.SVG()))
	wellFormed(t, string(chart.Bars{X: []string{"a"}}.SVG()))
	wellFormed(t, string(chart.Line{X: []string{"0"}, Series: []chart.Series{{Name: "x", Values: []float64{0}}}}.SVG()))
}
