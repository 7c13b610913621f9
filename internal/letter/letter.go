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
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/pdfdoc"
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
	// PrivacyURL is the privacy notice (articles 13-14 GDPR), printed at the foot of
	// every letter; empty leaves it out.
	PrivacyURL string
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
	lang := i18n.Base(o.Lang)
	title := o.Title
	if title == "" {
		title = i18n.T(lang, "letter.title")
	}
	// A letter is designed to fit its page; an automatic page break would shift every
	// following letter by a page and print half a letter on the next sheet.
	d, err := pdfdoc.New(pdfdoc.Options{Title: title, Lang: i18n.Tag(lang), Generated: o.Generated,
		Left: margin, Top: margin, Right: margin, Uncompressed: !compress})
	if err != nil {
		return err
	}
	generated := calendar.LongDateTime(lang, o.Generated.In(calendar.Paris))
	d.Footer(pageH-14, pdfdoc.Truncate(o.Title, 60),
		i18n.T(lang, "letter.generated", i18n.Args{"date": generated})+" · "+
			i18n.T(lang, "letter.page", i18n.Args{"page": pdfdoc.PageNumber, "pages": pdfdoc.PageCount}))

	for i, l := range letters {
		code, err := pdfdoc.NewQR(l.URL)
		if err != nil {
			return fmt.Errorf("letter: letter %d (login %q): %w", i+1, l.Login, err)
		}
		d.PDF.AddPage()
		drawLetter(d, l, lang, code)
		if o.PrivacyURL != "" {
			drawPrivacy(d, lang, o.PrivacyURL)
		}
	}
	if err := d.Output(w); err != nil {
		return fmt.Errorf("letter: %w", err)
	}
	return nil
}

// validate checks what a letter needs to be of any use.
func (l Letter) validate(generated time.Time) error {
	switch {
	case strings.TrimSpace(l.Login) == "":
		return errors.New("no login")
	case utf8.RuneCountInString(l.Login) > maxLogin:
		return fmt.Errorf("login longer than %d characters", maxLogin)
	case pdfdoc.CoreFontText(l.Login, false) != l.Login:
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

// drawLetter draws one letter on the current page, in lang, and returns the vertical
// position where its content ends, which tests compare with footerTop.
func drawLetter(d *pdfdoc.Doc, l Letter, lang string, code pdfdoc.QR) float64 {
	pdf, text := d.PDF, d.Text
	pdf.SetTextColor(0, 0, 0)

	// Header: the establishment, then a rule.
	establishment := pdfdoc.Truncate(l.Establishment, maxName)
	if establishment == "" {
		establishment = "cartable"
	}
	pdf.SetXY(margin, 14)
	d.FitFont("Helvetica", "B", 11, 7, contentW, text(establishment))
	pdf.SetTextColor(60, 60, 60)
	pdf.CellFormat(contentW, 6, text(establishment), "", 1, "L", false, 0, "")
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetLineWidth(0.3)
	pdf.Line(margin, 22, pageW-margin, 22)

	// Title and the person.
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(margin, 28)
	pdf.SetFont("Helvetica", "B", 22)
	pdf.CellFormat(contentW, 11, text(i18n.T(lang, "letter.title")), "", 1, "L", false, 0, "")

	pdf.SetXY(margin, pdf.GetY()+3)
	if name := text(pdfdoc.Truncate(l.FullName, maxName)); name != "" {
		d.FitFont("Helvetica", "B", 18, 12, contentW, name)
		pdf.MultiCell(contentW, 8, name, "", "L", false)
	}
	if class := text(pdfdoc.Truncate(l.Class, maxClass)); class != "" {
		pdf.SetX(margin)
		pdf.SetFont("Helvetica", "", 13)
		pdf.CellFormat(contentW, 7, text(i18n.T(lang, "letter.class"))+class, "", 1, "L", false, 0, "")
	}
	// The login in a large monospace font: l/1 and O/0 must not be confused.
	pdf.SetX(margin)
	pdf.SetFont("Helvetica", "", 13)
	label := text(i18n.T(lang, "letter.login"))
	labelW := pdf.GetStringWidth(label) + 1
	pdf.CellFormat(labelW, 9, label, "", 0, "L", false, 0, "")
	login := text(strings.TrimSpace(l.Login))
	d.FitFont("Courier", "B", 18, 8, contentW-labelW, login)
	pdf.MultiCell(contentW-labelW, 9, login, "", "L", false)

	// The QR code, centred, then the link for those who type it.
	y := pdf.GetY() + 4
	side := d.DrawQR(code, (pageW-qrSize)/2, y, qrSize)
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
	pdf.CellFormat(contentW, 7, text(i18n.T(lang, "letter.how_to")), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10.5)
	for i, step := range steps(lang, calendar.LongDateTime(lang, l.ExpiresAt), pdfdoc.Truncate(l.Issuer, maxName)) {
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
	pdf.MultiCell(contentW, 6, text(i18n.T(lang, "letter.warning")), "1", "L", true)
	pdf.SetCellMargin(cellMargin)
	return pdf.GetY()
}

// drawPrivacy prints where the privacy notice is, under the footer, where no letter's
// content reaches.
func drawPrivacy(d *pdfdoc.Doc, lang, url string) {
	pdf := d.PDF
	pdf.SetXY(margin, pageH-9)
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetTextColor(90, 90, 90)
	line := d.Fit(d.Text(i18n.T(lang, "privacy.letter", i18n.Args{"url": url})), contentW)
	pdf.CellFormat(contentW, 4, line, "", 0, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
}

// steps returns the numbered instructions; expires is the formatted expiry of the link,
// issuer the name of the account in the authenticator app (may be empty).
func steps(lang, expires, issuer string) []string {
	app := i18n.T(lang, "letter.step.app")
	if issuer != "" {
		app += i18n.T(lang, "letter.step.app.issuer", i18n.Args{"issuer": issuer})
	}
	return []string{
		i18n.T(lang, "letter.step.link", i18n.Args{"expires": expires}),
		app,
		i18n.T(lang, "letter.step.password"),
		i18n.T(lang, "letter.step.code"),
		i18n.T(lang, "letter.step.recovery"),
	}
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
