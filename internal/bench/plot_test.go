package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// TestPlotSVG: the plot is well-formed XML, has a title, one point per window on each
// line, and marks the windows with failures and drops.
func TestPlotSVG(t *testing.T) {
	res := SoakResult{Students: 1000, Rate: 50, Duration: 180, Windows: []SoakWindow{
		{End: 60, Requests: 3000, P50: 2, P95: 17, HeapMiB: 4, RSSMiB: 47},
		{End: 120, Requests: 2990, Dropped: 10, P50: 3, P95: 298, HeapMiB: 6, RSSMiB: 49},
		{End: 180, Requests: 3000, ServerErrors: 1, P50: 2, P95: 14, HeapMiB: 4, RSSMiB: 45},
	}}
	var buf bytes.Buffer
	if err := res.PlotSVG(&buf); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	lines, marks := 0, map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, buf.String())
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch se.Name.Local {
		case "polyline":
			lines++
			if n := len(strings.Fields(attr["points"])); n != 3 {
				t.Errorf("a line of %d points, want 3", n)
			}
		case "rect":
			marks[attr["fill"]]++
		}
	}
	if lines != 4 {
		t.Errorf("%d lines, want 4 (p50, p95, heap, RSS)", lines)
	}
	// One window with a failure and one with drops, in each of the two panels, plus the legend.
	if marks["#d32f2f"] != 3 || marks["#f57c00"] != 3 {
		t.Errorf("marks %v", marks)
	}
	if !strings.Contains(buf.String(), "<title") || !strings.Contains(buf.String(), "50 requests/s") {
		t.Error("no title")
	}
	for v, want := range map[float64]float64{0: 1, 0.3: 0.5, 17: 20, 298: 500, 47: 50, 1000: 1000} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}
