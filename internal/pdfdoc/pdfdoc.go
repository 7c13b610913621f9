// Package pdfdoc holds what every PDF document of cartable shares — the enrolment
// letters, the passport's summary, the report cards to come: an A4 document in the core
// fonts (cp1252) whose bytes depend on its content only, a footer with the page number
// and the generation date, wrapped paragraphs, "label value" fields, tables whose rows
// never split and whose header repeats on each page, a vector QR code, and a document
// built in memory so that only a complete one is ever written.
//
// The documents keep their layout; the text they print comes from the message
// catalogue (internal/i18n). The package is a leaf: it knows no feature.
package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-pdf/fpdf"
)

// Page size, in millimetres (A4 portrait).
const (
	PageW = 210.0
	PageH = 297.0
)

// Stand-ins for the page number and the page count in a footer (Doc.Footer). fpdf
// replaces the count's alias in every page, content included: made of control
// characters, which Text turns into spaces, they cannot come from a student's text,
// whereas "{nb}" written in a name would print as the page count.
const (
	PageNumber = "\x1epage\x1e"
	PageCount  = "\x1fnb\x1f"
)

// Options describe a document.
type Options struct {
	// Title is the document's title, in its metadata.
	Title string
	// Lang is the language tag the document declares for screen readers ("fr-FR").
	Lang string
	// Generated is when the document was produced: it is required, and it is the
	// document's creation date, so that the same content gives the same bytes.
	Generated time.Time
	// Left, Top and Right are the margins; Bottom is where the content ends (mm from
	// the top of the page).
	Left, Top, Right, Bottom float64
	// AutoPageBreak starts a new page when a text reaches Bottom. Without it, the
	// layout places everything itself (a letter fits its page).
	AutoPageBreak bool
	// LabelW is the width of the label column of fields (Field); 42 mm when zero.
	LabelW float64
	// Uncompressed leaves the page streams readable, for tests.
	Uncompressed bool
}

// Doc is a document being built. PDF is fpdf's document, for what a layout draws
// itself.
type Doc struct {
	PDF                      *fpdf.Fpdf
	Left, Top, Right, Bottom float64
	labelW                   float64
	tr                       func(string) string
}

// New starts a document.
func New(o Options) (*Doc, error) {
	if o.Generated.IsZero() {
		return nil, errors.New("pdfdoc: Options.Generated is required (it is printed on every page)")
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(!o.Uncompressed)
	// Fixed dates and sorted resource catalogs make the bytes depend on the input only.
	// fpdf writes the dates without a zone offset, which readers take as UTC.
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(o.Generated.UTC())
	pdf.SetModificationDate(o.Generated.UTC())
	pdf.SetTitle(o.Title, true)
	pdf.SetCreator("cartable", true)
	pdf.SetLang(o.Lang)
	pdf.SetMargins(o.Left, o.Top, o.Right)
	if o.AutoPageBreak {
		pdf.SetAutoPageBreak(true, PageH-o.Bottom)
	} else {
		pdf.SetAutoPageBreak(false, 0)
	}
	pdf.AliasNbPages(PageCount)
	d := &Doc{PDF: pdf, Left: o.Left, Top: o.Top, Right: o.Right, Bottom: o.Bottom, labelW: o.LabelW,
		tr: pdf.UnicodeTranslatorFromDescriptor("cp1252")}
	if d.labelW == 0 {
		d.labelW = 42
	}
	return d, nil
}

// ContentW is the width between the margins.
func (d *Doc) ContentW() float64 { return PageW - d.Left - d.Right }

// Output writes the document to w. fpdf writes whatever it has even when closing
// fails, so the document is built in memory and only a complete one reaches w.
func (d *Doc) Output(w io.Writer) error {
	var buf bytes.Buffer
	if err := d.PDF.Output(&buf); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Text returns s as the core fonts print it: cp1252, on one line.
func (d *Doc) Text(s string) string { return d.tr(CoreFontText(s, false)) }

// Para returns s as the core fonts print it, keeping its line breaks. Several empty
// lines in a row print as one: a text pasted with hundreds of them would otherwise
// print pages of nothing.
func (d *Doc) Para(s string) string {
	lines := strings.Split(CoreFontText(s, true), "\n")
	kept := lines[:0]
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" && (len(kept) == 0 || kept[len(kept)-1] == "") {
			continue
		}
		kept = append(kept, l)
	}
	return d.tr(strings.TrimRight(strings.Join(kept, "\n"), "\n"))
}

// Fit shortens s (cp1252, in the current font) with an ellipsis until it is at most w
// millimetres wide, for one-line texts such as a page header.
func (d *Doc) Fit(s string, w float64) string {
	if d.PDF.GetStringWidth(s) <= w {
		return s
	}
	const ellipsis = "\x85" // "…" in cp1252
	for len(s) > 0 && d.PDF.GetStringWidth(s+ellipsis) > w {
		s = s[:len(s)-1]
	}
	return strings.TrimRight(s, " ") + ellipsis
}

// FitFont sets the largest font size from size down to minSize at which s fits in
// width, so that a long name shrinks instead of overflowing the page.
func (d *Doc) FitFont(family, style string, size, minSize, width float64, s string) {
	for ; size > minSize; size -= 0.5 {
		d.PDF.SetFont(family, style, size)
		if d.PDF.GetStringWidth(s) <= width {
			return
		}
	}
	d.PDF.SetFont(family, style, minSize)
}

// Footer prints, from top millimetres down on every page, left (and right, aligned to
// the right margin, when it is not empty), in 8 pt grey. In them, PageNumber and
// PageCount stand for the page's number and the document's page count.
func (d *Doc) Footer(top float64, left, right string) {
	left, right = d.keeping(left), d.keeping(right)
	d.PDF.SetFooterFunc(func() {
		pdf := d.PDF
		n := strconv.Itoa(pdf.PageNo())
		pdf.SetXY(d.Left, top)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		if right == "" {
			pdf.CellFormat(d.ContentW(), 5, strings.ReplaceAll(left, PageNumber, n), "", 0, "L", false, 0, "")
			return
		}
		pdf.CellFormat(d.ContentW()/2, 5, strings.ReplaceAll(left, PageNumber, n), "", 0, "L", false, 0, "")
		pdf.CellFormat(d.ContentW()/2, 5, strings.ReplaceAll(right, PageNumber, n), "", 0, "R", false, 0, "")
	})
}

// RunningHeader prints s (shortened to one line) at the top of every page, over a
// rule, in 9 pt grey.
func (d *Doc) RunningHeader(s string) {
	pdf := d.PDF
	pdf.SetFont("Helvetica", "", 9)
	header := d.Fit(d.Text(s), d.ContentW())
	pdf.SetHeaderFuncMode(func() {
		pdf.SetXY(d.Left, 9)
		pdf.SetFont("Helvetica", "", 9)
		pdf.SetTextColor(70, 70, 70)
		pdf.CellFormat(d.ContentW(), 5, header, "", 0, "L", false, 0, "")
		pdf.SetDrawColor(150, 150, 150)
		pdf.SetLineWidth(0.3)
		pdf.Line(d.Left, 15, PageW-d.Right, 15)
	}, true)
}

// keeping is Text for a text holding PageNumber or PageCount, which it keeps.
func (d *Doc) keeping(s string) string {
	var parts []string
	for i, p := range strings.Split(s, PageNumber) {
		if i > 0 {
			parts = append(parts, PageNumber)
		}
		for j, q := range strings.Split(p, PageCount) {
			if j > 0 {
				parts = append(parts, PageCount)
			}
			parts = append(parts, d.Text(q))
		}
	}
	return strings.Join(parts, "")
}

// Bookmark adds an entry to the document's outline (the side panel of PDF readers).
// Outline titles are not drawn with a font, so they keep every character: they are
// written in UTF-16, which fpdf passes through as it is.
func (d *Doc) Bookmark(title string, level int) {
	title = strings.Join(strings.Fields(title), " ")
	if t := []rune(title); len(t) > 120 {
		title = string(t[:119]) + "…"
	}
	b := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(title)) {
		b = append(b, byte(u>>8), byte(u))
	}
	d.PDF.Bookmark(string(b), level, -1)
}

// NeedRoom starts a new page unless h millimetres are left on this one, so that a
// heading is never the last line of a page.
func (d *Doc) NeedRoom(h float64) {
	if d.PDF.GetY()+h > d.Bottom {
		d.PDF.AddPage()
	}
}
