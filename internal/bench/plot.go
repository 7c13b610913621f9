package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// PlotSVG draws the soak run as an SVG image: two panels sharing the time axis, the
// latency (p50 and p95, ms) above and the memory (live heap and resident set, MiB)
// below, with a red mark on the windows that had failed requests and an orange one on
// those that dropped arrivals. The figures stay in the table (Print, --json); the plot
// shows their trend at a glance, for docs/benchmarks.md and a CI artefact.
func (res SoakResult) PlotSVG(w io.Writer) error {
	const (
		width, panel, left, right, top, gap, bottom = 760, 190, 64, 150, 36, 44, 40
	)
	height := top + 2*panel + gap + bottom
	xs := func(t float64) float64 {
		if res.Duration <= 0 {
			return left
		}
		return left + t/res.Duration*float64(width-left-right)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12" role="img" aria-labelledby="t">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<title id="t">%s</title>`+"\n", html.EscapeString(fmt.Sprintf("Soak: %.0f requests/s for %s on %d students", res.Rate, fmtSeconds(res.Duration), res.Students)))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(fmt.Sprintf("cartable bench soak — %.0f requests/s, %s, %d students", res.Rate, fmtSeconds(res.Duration), res.Students)))
	type series struct {
		name, color string
		dash        bool
		value       func(SoakWindow) float64
	}
	panels := []struct {
		y0   int
		unit string
		s    []series
	}{
		{top, "ms", []series{{"p95", "#b3261e", false, func(x SoakWindow) float64 { return x.P95 }}, {"p50", "#1a5fb4", true, func(x SoakWindow) float64 { return x.P50 }}}},
		{top + panel + gap, "MiB", []series{{"RSS", "#5e3c99", false, func(x SoakWindow) float64 { return x.RSSMiB }}, {"live heap", "#2e7d32", true, func(x SoakWindow) float64 { return x.HeapMiB }}}},
	}
	for _, p := range panels {
		maxV := 0.0
		for _, s := range p.s {
			for _, x := range res.Windows {
				maxV = math.Max(maxV, s.value(x))
			}
		}
		top := niceCeil(maxV)
		ys := func(v float64) float64 { return float64(p.y0+panel) - v/top*float64(panel) }
		// Axes and grid.
		for i := 0; i <= 4; i++ {
			v := top * float64(i) / 4
			y := ys(v)
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, width-right, y)
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", left-6, y+4, trimFloat(v))
		}
		fmt.Fprintf(&b, `<text x="12" y="%d" fill="#333" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>`+"\n", p.y0+panel/2, p.y0+panel/2, p.unit)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", left, p.y0+panel, width-right, p.y0+panel)
		// Windows with failures or drops.
		prev := 0.0
		for _, x := range res.Windows {
			color := ""
			if x.ServerErrors+x.OtherErrors > 0 {
				color = "#d32f2f"
			} else if x.Dropped > 0 {
				color = "#f57c00"
			}
			if color != "" {
				fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" opacity="0.15"/>`+"\n", xs(prev), p.y0, xs(x.End)-xs(prev), panel, color)
			}
			prev = x.End
		}
		for i, s := range p.s {
			var pts []string
			for _, x := range res.Windows {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs(x.End), ys(s.value(x))))
			}
			dash := ""
			if s.dash {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(pts, " "), s.color, dash)
			ly := p.y0 + 14 + 18*i
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/><text x="%d" y="%d">%s</text>`+"\n",
				width-right+12, ly, width-right+36, ly, s.color, dash, width-right+42, ly+4, s.name)
		}
	}
	// Time axis and legend of the marks.
	y := top + 2*panel + gap
	for i := 0; i <= 5; i++ {
		t := res.Duration * float64(i) / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#333">%s</text>`+"\n", xs(t), y+16, fmtSeconds(t))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="#d32f2f" opacity="0.3"/><text x="%d" y="%d">failed requests</text>`+"\n", left, y+26, left+18, y+36)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="#f57c00" opacity="0.3"/><text x="%d" y="%d">arrivals dropped</text>`+"\n", left+140, y+26, left+158, y+36)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func fmtSeconds(s float64) string {
	if s >= 120 {
		return fmt.Sprintf("%.0f min", s/60)
	}
	return fmt.Sprintf("%.0f s", s)
}
