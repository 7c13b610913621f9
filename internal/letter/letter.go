// Package letter prints enrolment letters: one A4 page per account, in French (or
// English), with the QR code of the account's single-use enrolment link.
//
// Schools hand accounts out on paper because a pupil has no address the school could
// write to before the account exists, and because a letter given by hand in class is
// the only channel the school already trusts. The letter carries the link twice: as a
// QR code for a phone and printed in a monospace font for whoever types it.
//
// The links are bearer secrets until they are used: they appear on the page only,
// never in an error message or the document's metadata.
package letter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	_ "time/tzdata" // letters print Paris time even where the host has no zoneinfo (distroless, scratch)
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/qr"
)

// Letter is one account to print.
type Letter struct {
	// Establishment is the school's name, printed in the page header; empty prints
	// "cartable".
	Establishment string
	// Login is the account's identifier. It is required and always printed in full:
	// the person types it to sign in.
	Login string
	// FullName is the person's name as the school records it.
	FullName string
	// Class is the pupil's class ("3e B"); empty for staff, and then not printed.
	Class string
	// URL is the single-use enrolment link, printed and encoded in the QR code.
	URL string
	// ExpiresAt is when the link stops working; it is printed in Paris time.
	ExpiresAt time.Time
	// Issuer is the name under which the authenticator app will list the account (the
	// issuer of the TOTP secret, usually the establishment), so that the letter can
	// tell the person which entry to look for. Empty leaves that sentence out.
	Issuer string
}

// Options apply to a whole document.
type Options struct {
	// Lang is "fr" (the default) or "en". Regional forms ("fr-FR", "en-GB") are
	// accepted, and any other language gets French: the letters go to French schools.
	Lang string
	// Title names the batch (for example "3e B – rentrée 2026"). It becomes the PDF
	// title and is printed in every footer, so that stacks of printed letters can be
	// told apart. Empty uses the page title ("Votre compte cartable").
	Title string
	// Generated is the moment the batch was produced. It is required: it is printed
	// on every page (the most recent letter is the one that works) and, being
	// injected rather than read from the clock, it makes the output reproducible.
	Generated time.Time
}

// Limits on the printed fields, so that one page always holds one letter.
const (
	maxLogin = 100 // runes; a longer login is refused, never truncated
	maxURL   = 512 // bytes; a longer link is refused: nobody could type it
	maxName  = 100 // runes; longer names and establishments are shortened with "…"
	maxClass = 40  // runes
)

// Page geometry, in millimetres (A4 portrait).
const (
	pageW     = 210.0
	pageH     = 297.0
	margin    = 20.0
	contentW  = pageW - 2*margin
	qrSize    = 60.0
	footerTop = pageH - 16 // the content must end above this line
)

// Write renders letters as one PDF document, one page per letter, and writes it to w.
// Nothing is written to w unless the whole document was built: a failure never
// leaves half a PDF in an HTTP response.
func Write(w io.Writer, letters []Letter, o Options) error {
	return write(w, letters, o, true)
}

// write is Write with the choice of compressing the page streams, which tests turn
// off to read the text.
func write(w io.Writer, letters []Letter, o Options, compress bool) error {
	if len(letters) == 0 {
		return apperr.Invalid("letter_empty", "no letter to print: the list of accounts is empty")
	}
	if o.Generated.IsZero() {
		return errors.New("letter: Options.Generated is required (it is printed on every page)")
	}
	for i, l := range letters {
		if err := l.validate(o.Generated); err != nil {
			// The login identifies the letter; the URL, a secret, is never quoted.
			return fmt.Errorf("letter: letter %d (login %q): %w", i+1, l.Login, err)
		}
	}
	m := messagesFor(o.Lang)
	generated := o.Generated.In(calendar.Paris)

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	// Fixed dates and sorted resource catalogs make the bytes depend on the input only.
	// fpdf writes the dates without a zone offset, which readers take as UTC.
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(o.Generated.UTC())
	pdf.SetModificationDate(o.Generated.UTC())
	title := o.Title
	if title == "" {
		title = m.title
	}
	pdf.SetTitle(title, true)
	pdf.SetCreator("cartable", true)
	pdf.SetLang(m.pdfLang)
	pdf.SetMargins(margin, margin, margin)
	// A letter is designed to fit its page; an automatic break would shift every
	// following letter by a page and print half a letter on the next sheet.
	pdf.SetAutoPageBreak(false, 0)
	pdf.AliasNbPages("{nb}")

	tr := pdf.UnicodeTranslatorFromDescriptor("cp1252")
	text := func(s string) string { return tr(CoreFontText(s, false)) }

	footerLeft := text(Truncate(o.Title, 60))
	footerRight := text(fmt.Sprintf(m.generated, calendar.LongDateTime(m.lang, generated)) + " · ")
	pdf.SetFooterFunc(func() {
		pdf.SetXY(margin, pageH-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(contentW/2, 5, footerLeft, "", 0, "L", false, 0, "")
		pdf.CellFormat(contentW/2, 5, footerRight+fmt.Sprintf(m.page, pdf.PageNo(), "{nb}"), "", 0, "R", false, 0, "")
	})

	for i, l := range letters {
		code, err := buildQR(l.URL)
		if err != nil {
			return fmt.Errorf("letter: letter %d (login %q): %w", i+1, l.Login, err)
		}
		pdf.AddPage()
		drawLetter(pdf, text, l, m, code)
	}

	// fpdf writes whatever it has even when closing fails, so the document is built
	// in memory and only a complete one reaches w.
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("letter: pdf: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// validate checks what a letter needs to be of any use.
func (l Letter) validate(generated time.Time) error {
	switch {
	case strings.TrimSpace(l.Login) == "":
		return errors.New("no login")
	case utf8.RuneCountInString(l.Login) > maxLogin:
		return fmt.Errorf("login longer than %d characters", maxLogin)
	case CoreFontText(l.Login, false) != l.Login:
		// Transliterating a name is fine; printing a login that is not the real one
		// is not.
		return errors.New("login has characters the letter cannot print as they are")
	case l.URL == "":
		return errors.New("no enrolment URL")
	case len(l.URL) > maxURL:
		return fmt.Errorf("enrolment URL longer than %d bytes", maxURL)
	case strings.IndexFunc(l.URL, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		// Someone will type it from paper: only visible ASCII can be typed back
		// exactly (a non-ASCII link must be percent-encoded first).
		return errors.New("enrolment URL has characters other than visible ASCII")
	case l.ExpiresAt.IsZero():
		return errors.New("no expiry date for the enrolment link")
	case !l.ExpiresAt.After(generated):
		// Printing a batch of dead links would cost a round of paper and a week.
		return errors.New("the enrolment link expires before the document's generation date")
	}
	return nil
}

// qrCode is the QR code of an enrolment link as the letter draws it: horizontal runs of
// dark modules on a grid of size×size modules, quiet zone included.
//
// The code is drawn as vector rectangles rather than embedded as a PNG image. It stays
// sharp whatever the viewer or printer does to images (some smooth upscaled images),
// it costs no image encoding, and fpdf orders image objects nondeterministically (its
// catalog sort compares widths only, and every code of a batch has the same width),
// which would make the output differ from run to run.
type qrCode struct {
	size int
	runs []qrRun
}

// qrRun is n dark modules side by side, starting at (col, row).
type qrRun struct{ row, col, n int }

// buildQR builds the QR code of url. A run is drawn as one rectangle: a few hundred
// per code instead of a thousand squares keeps the page stream small.
func buildQR(url string) (qrCode, error) {
	rows, err := qr.Modules(url)
	if err != nil {
		return qrCode{}, err
	}
	c := qrCode{size: len(rows)}
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
			c.runs = append(c.runs, qrRun{row: y, col: start, n: x - start})
		}
	}
	return c, nil
}

// drawQR draws c with its top-left corner at (x, y) mm, about side mm wide, and returns
// the exact width drawn.
func drawQR(pdf *fpdf.Fpdf, c qrCode, x, y, side float64) float64 {
	// fpdf writes coordinates in points with two decimals. With the module size and
	// the origin on that grid, neighbouring rows and runs abut exactly, leaving no
	// hairline between them on screen.
	const k = 72 / 25.4 // points per millimetre
	onGrid := func(mm float64) float64 { return math.Round(mm*k*100) / 100 / k }
	m := onGrid(side / float64(c.size))
	x, y = onGrid(x), onGrid(y)
	pdf.SetFillColor(0, 0, 0)
	for _, r := range c.runs {
		pdf.Rect(x+float64(r.col)*m, y+float64(r.row)*m, float64(r.n)*m, m, "F")
	}
	return float64(c.size) * m
}

// drawLetter draws one letter on the current page and returns the vertical position
// where its content ends, which tests compare with footerTop.
func drawLetter(pdf *fpdf.Fpdf, text func(string) string, l Letter, m messages, code qrCode) float64 {
	pdf.SetTextColor(0, 0, 0)

	// Header: the establishment, then a rule.
	establishment := Truncate(l.Establishment, maxName)
	if establishment == "" {
		establishment = "cartable"
	}
	pdf.SetXY(margin, 14)
	fitFont(pdf, "Helvetica", "B", 11, 7, contentW, text(establishment))
	pdf.SetTextColor(60, 60, 60)
	pdf.CellFormat(contentW, 6, text(establishment), "", 1, "L", false, 0, "")
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetLineWidth(0.3)
	pdf.Line(margin, 22, pageW-margin, 22)

	// Title and the person.
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(margin, 28)
	pdf.SetFont("Helvetica", "B", 22)
	pdf.CellFormat(contentW, 11, text(m.title), "", 1, "L", false, 0, "")

	pdf.SetXY(margin, pdf.GetY()+3)
	if name := text(Truncate(l.FullName, maxName)); name != "" {
		fitFont(pdf, "Helvetica", "B", 18, 12, contentW, name)
		pdf.MultiCell(contentW, 8, name, "", "L", false)
	}
	if class := text(Truncate(l.Class, maxClass)); class != "" {
		pdf.SetX(margin)
		pdf.SetFont("Helvetica", "", 13)
		pdf.CellFormat(contentW, 7, text(m.class)+class, "", 1, "L", false, 0, "")
	}
	// The login in a large monospace font: l/1 and O/0 must not be confused.
	pdf.SetX(margin)
	pdf.SetFont("Helvetica", "", 13)
	label := text(m.login)
	labelW := pdf.GetStringWidth(label) + 1
	pdf.CellFormat(labelW, 9, label, "", 0, "L", false, 0, "")
	login := text(strings.TrimSpace(l.Login))
	fitFont(pdf, "Courier", "B", 18, 8, contentW-labelW, login)
	pdf.MultiCell(contentW-labelW, 9, login, "", "L", false)

	// The QR code, centred, then the link for those who type it.
	y := pdf.GetY() + 4
	side := drawQR(pdf, code, (pageW-qrSize)/2, y, qrSize)
	pdf.SetXY(margin, y+side+1)
	pdf.SetFont("Courier", "", 9)
	// Wrapped by character count, not at word boundaries: a URL has no spaces, and
	// fixed-width lines make every character visible and unambiguous.
	perLine := int((contentW - 2*pdf.GetCellMargin()) / pdf.GetStringWidth("M"))
	for _, line := range chunks(text(l.URL), perLine) {
		pdf.CellFormat(contentW, 4, line, "", 1, "C", false, 0, "")
	}

	// Numbered instructions.
	pdf.SetXY(margin, pdf.GetY()+4)
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(contentW, 7, text(m.howTo), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10.5)
	for i, step := range m.steps(calendar.LongDateTime(m.lang, l.ExpiresAt), Truncate(l.Issuer, maxName)) {
		pdf.SetXY(margin, pdf.GetY()+1.5)
		pdf.CellFormat(7, 5, fmt.Sprintf("%d.", i+1), "", 0, "L", false, 0, "")
		pdf.MultiCell(contentW-7, 5, text(step), "", "L", false)
	}

	// The warning, framed and shaded so that it is read.
	pdf.SetXY(margin, pdf.GetY()+5)
	pdf.SetFont("Helvetica", "B", 10.5)
	pdf.SetFillColor(235, 235, 235)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.4)
	cellMargin := pdf.GetCellMargin()
	pdf.SetCellMargin(3)
	pdf.MultiCell(contentW, 6, text(m.warning), "1", "L", true)
	pdf.SetCellMargin(cellMargin)
	return pdf.GetY()
}

// fitFont sets the largest font size from size down to minSize at which s fits in
// width, so that a long name or login shrinks instead of overflowing the page.
func fitFont(pdf *fpdf.Fpdf, family, style string, size, minSize, width float64, s string) {
	for ; size > minSize; size -= 0.5 {
		pdf.SetFont(family, style, size)
		if pdf.GetStringWidth(s) <= width {
			return
		}
	}
	pdf.SetFont(family, style, minSize)
}

// chunks cuts s into pieces of at most n bytes (s is cp1252 by then: one byte, one
// character).
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}
