package reports

import (
	"fmt"
	"strings"
)

// Chart geometry for the dashboard's server-drawn SVG. Charts use a fixed
// viewBox and scale to their box, so they fit a phone as well as a desktop.

// Rect is one bar or cell; Title is its hover/tap text.
type Rect struct {
	X, Y, W, H float64
	Label      string
	Value      string
	Title      string
	Opacity    float64
}

// Chart is an SVG chart: bars, an optional line, axis labels.
type Chart struct {
	Name   string // table/CSV name
	W, H   float64
	Bars   []Rect
	Line   string // polyline points
	Dots   []Rect // points of the line (X, Y; W = radius)
	Axis   []Rect // text labels under the plot (X, Y, Label)
	YAxis  []Rect // text labels left of the plot, right-aligned
	MaxPct bool   // the line is a percentage on a 0-100 scale
}

const (
	chartW, chartH = 480.0, 220.0
	padL, padB     = 44.0, 30.0
	padT           = 12.0
)

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// BarChart draws labelled counts; line, when given, is a second series of
// percentages (0-100) drawn over the bars, as in a Pareto chart.
func BarChart(name string, bars []Bar, line []float64, unit string) Chart {
	c := Chart{Name: name, W: chartW, H: chartH}
	max := 0
	for _, b := range bars {
		if b.Count > max {
			max = b.Count
		}
	}
	n := len(bars)
	if n == 0 || max == 0 {
		return c // nothing to draw: the page says so
	}
	plotW, plotH := chartW-padL-36, chartH-padT-padB
	step := plotW / float64(n)
	bw := step * 0.7
	var pts []string
	for i, b := range bars {
		h := 0.0
		if max > 0 {
			h = plotH * float64(b.Count) / float64(max)
		}
		x := padL + float64(i)*step + (step-bw)/2
		title := fmt.Sprintf("%s: %d %s", b.Label, b.Count, unit)
		if line != nil {
			title += fmt.Sprintf(" (cumulative %.1f%%)", line[i])
		}
		c.Bars = append(c.Bars, Rect{X: x, Y: padT + plotH - h, W: bw, H: h, Label: b.Label, Value: fmt.Sprint(b.Count), Title: title})
		if n <= 8 || i%((n+7)/8) == 0 {
			c.Axis = append(c.Axis, Rect{X: x + bw/2, Y: chartH - padB + 16, Label: axisLabel(b.Label, n)})
		}
		if line != nil {
			y := padT + plotH - plotH*line[i]/100
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x+bw/2, y))
			c.Dots = append(c.Dots, Rect{X: x + bw/2, Y: y, W: 3, Title: fmt.Sprintf("%s: cumulative %.1f%%", b.Label, line[i])})
		}
	}
	c.Line = strings.Join(pts, " ")
	c.MaxPct = line != nil
	c.YAxis = []Rect{{X: padL - 6, Y: padT + 8, Label: fmt.Sprint(max)}, {X: padL - 6, Y: padT + plotH, Label: "0"}}
	if line != nil { // the cumulative line's own scale, on the right
		c.YAxis = append(c.YAxis, Rect{X: chartW - 2, Y: padT + 8, Label: "100%"}, Rect{X: chartW - 2, Y: padT + plotH, Label: "0%"})
	}
	return c
}

// axisLabel shortens a label under a bar: dates lose their year when
// there are many bars.
func axisLabel(s string, n int) string {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' && n > 4 {
		return s[5:]
	}
	return shorten(s, 10)
}

// LineChart draws percentages (0-100) over labelled points.
func LineChart(name string, labels []string, values []float64, titles []string) Chart {
	c := Chart{Name: name, W: chartW, H: chartH, MaxPct: true}
	n := len(values)
	if n == 0 {
		return c
	}
	plotW, plotH := chartW-padL-40, chartH-padT-padB
	var pts []string
	for i, v := range values {
		x := padL + 8
		if n > 1 {
			x += plotW * float64(i) / float64(n-1)
		}
		y := padT + plotH - plotH*v/100
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		c.Dots = append(c.Dots, Rect{X: x, Y: y, W: 3.5, Title: titles[i]})
		if n <= 8 || i%((n+7)/8) == 0 {
			c.Axis = append(c.Axis, Rect{X: x, Y: chartH - padB + 16, Label: axisLabel(labels[i], n)})
		}
	}
	c.Line = strings.Join(pts, " ")
	c.YAxis = []Rect{{X: padL - 6, Y: padT + 8, Label: "100%"}, {X: padL - 6, Y: padT + plotH, Label: "0%"}}
	return c
}

// HeatMap draws the hour-of-week grid.
func HeatMap(heat [7][24]int, max int) Chart {
	c := Chart{Name: "load-heatmap", W: chartW, H: 7*16 + 24}
	cw, ch := (chartW-padL)/24, 16.0
	for d := 0; d < 7; d++ {
		c.YAxis = append(c.YAxis, Rect{X: padL - 6, Y: float64(d)*ch + ch*0.75, Label: Weekdays[d]})
		for h := 0; h < 24; h++ {
			n := heat[d][h]
			op := 0.04
			if max > 0 {
				op = 0.08 + 0.92*float64(n)/float64(max)
			}
			c.Bars = append(c.Bars, Rect{X: padL + float64(h)*cw, Y: float64(d) * ch, W: cw - 1, H: ch - 1, Opacity: op,
				Value: fmt.Sprint(n), Title: fmt.Sprintf("%s %02d:00–%02d:59 UTC: %d tickets", Weekdays[d], h, h, n)})
		}
	}
	for h := 0; h < 24; h += 3 {
		c.Axis = append(c.Axis, Rect{X: padL + float64(h)*cw + cw/2, Y: 7*ch + 16, Label: fmt.Sprintf("%02d", h)})
	}
	return c
}

// Charts builds every chart of a report, keyed by table name.
func Charts(r *Report) map[string]Chart {
	out := map[string]Chart{}
	var cum []float64
	for _, b := range r.Failure.Reasons {
		cum = append(cum, b.Cumulative)
	}
	out["failure-reasons"] = BarChart("failure-reasons", r.Failure.Reasons, cum, "tickets")
	out["failure-stages"] = BarChart("failure-stages", r.Failure.Stages, nil, "tickets")
	var labels, titles []string
	var vals []float64
	for _, w := range r.Failure.Weekly {
		labels = append(labels, w.Week)
		vals = append(vals, w.Share)
		titles = append(titles, fmt.Sprintf("Week of %s: %.1f%% failure demand (%d of %d classified)", w.Week, w.Share, w.Failure, w.Classified))
	}
	out["failure-weekly"] = LineChart("failure-weekly", labels, vals, titles)
	out["ces"] = BarChart("ces", distBars(r.Effort.CESDist), nil, "answers")
	out["satisfaction"] = BarChart("satisfaction", distBars(r.Satisfaction.Dist), nil, "answers")
	out["load-channels"] = BarChart("load-channels", r.Load.ByChannel, nil, "tickets")
	out["load-heatmap"] = HeatMap(r.Load.Heat, r.Load.HeatMax)
	out["backlog"] = BarChart("backlog", r.Load.Backlog, nil, "unsolved")
	return out
}

func distBars(d []int) []Bar {
	out := make([]Bar, len(d))
	for i, n := range d {
		out[i] = Bar{Label: fmt.Sprint(i + 1), Count: n}
	}
	return out
}
