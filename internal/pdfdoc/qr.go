package pdfdoc

import (
	"math"

	"github.com/cartable/cartable/internal/qr"
)

// QR is a QR code as a document draws it: horizontal runs of dark modules on a grid
// of Size×Size modules, quiet zone included.
//
// The code is drawn as vector rectangles rather than embedded as a PNG image. It stays
// sharp whatever the viewer or printer does to images (some smooth upscaled images),
// it costs no image encoding, and fpdf orders image objects nondeterministically (its
// catalog sort compares widths only, and every code of a batch has the same width),
// which would make the output differ from run to run.
type QR struct {
	Size int
	Runs []QRRun
}

// QRRun is N dark modules side by side, starting at (Col, Row).
type QRRun struct{ Row, Col, N int }

// NewQR builds the QR code of content. A run is drawn as one rectangle: a few hundred
// per code instead of a thousand squares keeps the page stream small.
func NewQR(content string) (QR, error) {
	rows, err := qr.Modules(content)
	if err != nil {
		return QR{}, err
	}
	c := QR{Size: len(rows)}
	for y, row := range rows {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			c.Runs = append(c.Runs, QRRun{Row: y, Col: start, N: x - start})
		}
	}
	return c, nil
}

// DrawQR draws c with its top-left corner at (x, y) mm, about side mm wide, and
// returns the exact width drawn.
func (d *Doc) DrawQR(c QR, x, y, side float64) float64 {
	// fpdf writes coordinates in points with two decimals. With the module size and
	// the origin on that grid, neighbouring rows and runs abut exactly, leaving no
	// hairline between them on screen.
	const k = 72 / 25.4 // points per millimetre
	onGrid := func(mm float64) float64 { return math.Round(mm*k*100) / 100 / k }
	m := onGrid(side / float64(c.Size))
	x, y = onGrid(x), onGrid(y)
	d.PDF.SetFillColor(0, 0, 0)
	for _, r := range c.Runs {
		d.PDF.Rect(x+float64(r.Col)*m, y+float64(r.Row)*m, float64(r.N)*m, m, "F")
	}
	return float64(c.Size) * m
}
