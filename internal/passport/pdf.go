package passport

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // dates print in Paris time even where the host has no zoneinfo (distroless, scratch)
	"unicode/utf16"

	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/letter"
	"github.com/go-pdf/fpdf"
)

// PDFOptions apply to the PDF summary of a passport.
type PDFOptions struct {
	// Lang is "fr" (the default) or "en". Regional forms ("fr-FR", "en-GB") are
	// accepted, and any other language gets French: the passports come from French
	// schools.
	Lang string
}

// Page geometry, in millimetres (A4 portrait).
const (
	pdfPageW      = 210.0
	pdfPageH      = 297.0
	pdfMargin     = 15.0
	pdfContentW   = pdfPageW - 2*pdfMargin
	pdfTop        = 22.0            // content starts below the page header
	pdfBottom     = pdfPageH - 18.0 // content ends above the footer
	pdfLabelW     = 42.0            // the label column of "label: value" lines
	pdfValueW     = pdfContentW - pdfLabelW
	pdfTableHeadH = 6.0  // the header row of a table
	pdfCellPadY   = 1.0  // space above and below the text of a table cell
	pdfTableLH    = 3.8  // line height of table text (8 pt)
	pdfFieldLH    = 4.6  // line height of "label: value" lines (9 pt)
	pdfBarW       = 10.0 // the value bar of the competency table
	pdfBarH       = 2.4
	pdfBarIndent  = pdfBarW + 2.5 // where the value's label starts in its cell
)

// Limits on table cells, so that one row always fits on a page (a row is never split
// across two pages). Longer values are shortened with "…"; free texts (descriptions,
// comments) are not in table cells and are never shortened.
const (
	maxCode  = 40  // runes: competency codes
	maxLabel = 300 // runes: competency labels, evaluation titles, authors
)

// pageAlias stands for the page count in the footer until the document is complete.
// fpdf replaces it in every page, content included: an alias made of control
// characters cannot come from a student's text, which toCP1252 turns into spaces,
// whereas "{nb}" written in a description would print as the page count.
const pageAlias = "\x1fnb\x1f"

// WritePDF renders p as the PDF summary of the passport and writes it to w: the
// student's identity, then for each establishment his schooling, his evaluations by
// competency and his professional situations with the names of their files.
//
// The output depends on p and o only (the dates printed and stored in the document
// come from p.GeneratedAt), so that the same passport gives the same bytes. Nothing is
// written to w unless the whole document was built.
func WritePDF(w io.Writer, p *Passport, o PDFOptions) error {
	return writePDF(w, p, o, true)
}

// writePDF is WritePDF with the choice of compressing the page streams, which tests
// turn off to read the text.
func writePDF(w io.Writer, p *Passport, o PDFOptions, compress bool) error {
	if p == nil {
		return errors.New("passport: no passport to print")
	}
	if p.GeneratedAt.IsZero() {
		return errors.New("passport: GeneratedAt is required (it is printed on every page)")
	}
	m := pdfMessagesFor(o.Lang)

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	// Fixed dates and sorted resource catalogs make the bytes depend on the input only.
	// fpdf writes the dates without a zone offset, which readers take as UTC.
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(p.GeneratedAt.UTC())
	pdf.SetModificationDate(p.GeneratedAt.UTC())
	name := fullName(p.Student)
	pdf.SetTitle(fmt.Sprintf(m.header, name), true)
	pdf.SetCreator("cartable", true)
	pdf.SetLang(m.pdfLang)
	pdf.SetMargins(pdfMargin, pdfTop, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfPageH-pdfBottom)
	pdf.AliasNbPages(pageAlias)

	r := &pdfRenderer{
		pdf: pdf,
		tr:  pdf.UnicodeTranslatorFromDescriptor(""), // cp1252, the core fonts' encoding
		m:   m,
	}
	pdf.SetFont("Helvetica", "", 9)
	header := r.fit(r.text(fmt.Sprintf(m.header, name)), pdfContentW)
	footer := r.text(" " + fmt.Sprintf(m.generated, m.longDate(p.GeneratedAt)))
	pdf.SetHeaderFuncMode(func() {
		pdf.SetXY(pdfMargin, 9)
		pdf.SetFont("Helvetica", "", 9)
		pdf.SetTextColor(70, 70, 70)
		pdf.CellFormat(pdfContentW, 5, header, "", 0, "L", false, 0, "")
		pdf.SetDrawColor(150, 150, 150)
		pdf.SetLineWidth(0.3)
		pdf.Line(pdfMargin, 15, pdfPageW-pdfMargin, 15)
	}, true)
	pdf.SetFooterFunc(func() {
		pdf.SetXY(pdfMargin, pdfPageH-13)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		// Left-aligned: the alias is wider than the page count that replaces it, so a
		// centred or right-aligned line would end up off centre.
		pdf.CellFormat(pdfContentW, 5, fmt.Sprintf(r.text(m.page), pdf.PageNo(), pageAlias)+footer, "", 0, "L", false, 0, "")
	})

	r.render(p)

	// fpdf writes whatever it has even when closing fails, so the document is built
	// in memory and only a complete one reaches w.
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("passport: pdf: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// pdfRenderer draws a passport on an fpdf document.
type pdfRenderer struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
	m   pdfMessages
}

// text returns s as the core fonts print it: cp1252, one line.
func (r *pdfRenderer) text(s string) string { return r.tr(letter.CoreFontText(s, false)) }

// para returns s as the core fonts print it, keeping its line breaks. Several empty
// lines in a row print as one: a text pasted with hundreds of them would otherwise
// print pages of nothing.
func (r *pdfRenderer) para(s string) string {
	lines := strings.Split(letter.CoreFontText(s, true), "\n")
	kept := lines[:0]
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" && (len(kept) == 0 || kept[len(kept)-1] == "") {
			continue
		}
		kept = append(kept, l)
	}
	return r.tr(strings.TrimRight(strings.Join(kept, "\n"), "\n"))
}

// fit shortens s (cp1252, in the current font) with an ellipsis until it is at most w
// millimetres wide, for one-line texts such as the page header.
func (r *pdfRenderer) fit(s string, w float64) string {
	if r.pdf.GetStringWidth(s) <= w {
		return s
	}
	const ellipsis = "\x85" // "…" in cp1252
	for len(s) > 0 && r.pdf.GetStringWidth(s+ellipsis) > w {
		s = s[:len(s)-1]
	}
	return strings.TrimRight(s, " ") + ellipsis
}

// render draws the whole passport, from the first page on.
func (r *pdfRenderer) render(p *Passport) {
	pdf := r.pdf
	pdf.AddPage()

	r.section(r.m.identity, 0)
	id := p.Student
	r.field(r.m.lastName, id.LastName)
	r.field(r.m.usageName, id.UsageName)
	r.field(r.m.firstNames, strings.Join(id.FirstNames, ", "))
	r.field(r.m.birthDate, r.m.civilDate(id.BirthDate, true))
	r.field(r.m.login, id.Login)

	if len(p.Records) == 0 {
		pdf.Ln(6)
		pdf.SetFont("Helvetica", "I", 10)
		pdf.SetTextColor(0, 0, 0)
		pdf.MultiCell(pdfContentW, 5.5, r.text(r.m.nothingYet), "", "L", false)
		return
	}
	for i := range p.Records {
		r.record(&p.Records[i])
	}
}

// record draws the schooling in one establishment.
func (r *pdfRenderer) record(rec *Record) {
	pdf := r.pdf
	title := rec.EstablishmentName
	if rec.UAI != "" {
		title = strings.TrimSpace(title + " (" + rec.UAI + ")")
	}
	// The heading, the record's fields and the next section's heading stay together.
	r.needRoom(8 + 50)
	if pdf.GetY() > pdfTop+1 {
		pdf.Ln(6)
	}
	bookmark(pdf, title, 0)
	pdf.SetX(pdfMargin)
	pdf.SetFont("Helvetica", "B", 13)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFillColor(225, 225, 225)
	cm := pdf.GetCellMargin()
	pdf.SetCellMargin(2.5)
	pdf.MultiCell(pdfContentW, 7.5, r.text(title), "", "L", true)
	pdf.SetCellMargin(cm)
	pdf.Ln(2)

	r.field(r.m.class, rec.Class)
	mef := rec.MEFLabel
	if rec.MEF != "" {
		mef = strings.TrimSpace(mef + " (" + rec.MEF + ")")
	}
	r.field(r.m.mef, mef)
	r.field(r.m.entry, r.m.civilDate(rec.EntryDate, true))
	r.field(r.m.exit, r.m.civilDate(rec.ExitDate, true))
	r.field(r.m.status, r.m.statusLabel(rec.Status))

	r.section(r.m.evaluations, 1)
	if len(rec.Evaluations) == 0 {
		r.note(r.m.noEvaluation)
	}
	for _, d := range groupByDiploma(rec.Evaluations) {
		r.diploma(d)
	}

	r.section(r.m.situations, 1)
	if len(rec.Situations) == 0 {
		r.note(r.m.noSituation)
	}
	for i := range rec.Situations {
		r.situation(i+1, &rec.Situations[i])
	}
}

// diploma draws the competency table of one diploma, then its evaluations.
func (r *pdfRenderer) diploma(d diplomaGroup) {
	pdf := r.pdf
	name := d.label
	switch {
	case name == "" && d.code == "":
		name = r.m.noDiploma
	case name == "":
		name = d.code
	case d.code != "":
		name += " (" + d.code + ")"
	}
	caption := r.text(fmt.Sprintf(r.m.diploma, name))
	competencies := &pdfTable{caption: caption, cols: []pdfColumn{
		{r.text(r.m.colCode), 18, "L"},
		{r.text(r.m.colCompetency), 77, "L"},
		{r.text(r.m.colLatest), 45, "L"},
		{r.text(r.m.colDate), 24, "L"},
		{r.text(r.m.colCount), 16, "R"},
	}}
	evaluations := &pdfTable{caption: caption, cols: []pdfColumn{
		{r.text(r.m.colDate), 24, "L"},
		{r.text(r.m.colTitle), 96, "L"},
		{r.text(r.m.colAuthor), 60, "L"},
	}}
	const listHeadingH = 6.0
	// The heading stays with the table header and the first row under it.
	first := listHeadingH + r.rowHeight(evaluations, r.evaluationRow(d.evaluations[0]))
	if len(d.blocks) > 0 {
		b := d.blocks[0]
		first = r.spanHeight(r.blockTitle(b)) + r.rowHeight(competencies, r.competencyRow(b.competencies[0]))
	}
	r.needRoom(2 + r.subheadingHeight(caption) + pdfTableHeadH + first)
	pdf.Ln(2)
	bookmark(pdf, fmt.Sprintf(r.m.diploma, name), 2)
	r.subheading(caption)

	if len(d.blocks) > 0 {
		for _, b := range d.blocks {
			r.spanRow(competencies, r.blockTitle(b), r.rowHeight(competencies, r.competencyRow(b.competencies[0])))
			for _, c := range b.competencies {
				r.row(competencies, r.competencyRow(c))
			}
		}
		pdf.Ln(3)
	}

	// The evaluations themselves, oldest first.
	r.needRoom(listHeadingH + pdfTableHeadH + r.rowHeight(evaluations, r.evaluationRow(d.evaluations[0])))
	pdf.SetX(pdfMargin)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetTextColor(0, 0, 0)
	pdf.CellFormat(pdfContentW, listHeadingH, r.text(r.m.evaluationList), "", 1, "L", false, 0, "")
	for _, e := range d.evaluations {
		r.row(evaluations, r.evaluationRow(e))
		if c := strings.TrimSpace(e.Comment); c != "" {
			r.commentRow(evaluations, r.para(r.m.commentPrefix+c))
		}
	}
	pdf.Ln(2)
}

// blockTitle is the cp1252 title of a block of competencies: "B1 — Préparer".
func (r *pdfRenderer) blockTitle(b *blockGroup) string {
	switch {
	case b.code == "":
		return r.text(r.m.noBlock)
	case b.label == "":
		return r.text(letter.Truncate(b.code, maxLabel))
	}
	return r.text(letter.Truncate(b.code+" — "+b.label, maxLabel))
}

// evaluationRow returns the cells of one line of the list of evaluations.
func (r *pdfRenderer) evaluationRow(e *Evaluation) []pdfCell {
	title := e.Title
	if e.Level != "" {
		title += " (" + e.Level + ")"
	}
	return []pdfCell{
		{text: r.text(r.m.civilDate(e.Date, false))},
		{text: r.text(letter.Truncate(title, maxLabel))},
		{text: r.text(letter.Truncate(e.Author, maxLabel))},
	}
}

// competencyRow returns the cells of one line of the competency table.
func (r *pdfRenderer) competencyRow(c *competencyStat) []pdfCell {
	value := c.latest.ValueLabel
	if value == "" {
		value = c.latest.Value
	}
	return []pdfCell{
		{text: r.text(letter.Truncate(c.code, maxCode))},
		{text: r.text(letter.Truncate(c.latest.CompetencyLabel, maxLabel))},
		{text: r.text(letter.Truncate(value, maxLabel)), bar: true, rank: c.latest.Rank, scale: c.latest.ScaleSize},
		{text: r.text(r.m.civilDate(c.latestDate, false))},
		{text: fmt.Sprint(c.count)},
	}
}

// situation draws one professional situation sheet.
func (r *pdfRenderer) situation(n int, s *Situation) {
	pdf := r.pdf
	heading := fmt.Sprintf(r.m.situation, n)
	if t := strings.TrimSpace(s.Title); t != "" {
		heading += " — " + t
	}
	r.needRoom(2 + r.subheadingHeight(r.text(heading)) + 4*pdfFieldLH)
	pdf.Ln(2)
	bookmark(pdf, heading, 2)
	r.subheading(r.text(heading))

	r.field(r.m.level, s.Level)
	r.field(r.m.context, s.Context)
	r.field(r.m.period, s.Period)
	r.field(r.m.company, s.Company)
	r.paragraph(r.m.description, s.Description)
	var comps []string
	for _, c := range s.Competencies {
		line := c.Code
		if c.Label != "" {
			line = strings.TrimSpace(line + " — " + c.Label)
		}
		comps = append(comps, line)
	}
	r.paragraph(r.m.competencies, strings.Join(comps, "\n"))
	r.field(r.m.evaluator, s.Evaluator)
	r.field(r.m.result, s.Result)
	r.paragraph(r.m.commentLabel, s.Comment)
	r.field(r.m.author, s.Author)
	if !s.UpdatedAt.IsZero() {
		r.field(r.m.updated, r.m.longDate(s.UpdatedAt))
	}
	var files []string
	for _, a := range s.Attachments {
		files = append(files, fmt.Sprintf("%s (%s)", a.Name, r.m.size(a.Size)))
	}
	r.paragraph(r.m.attachments, strings.Join(files, "\n"))
	pdf.Ln(2)
}

// needRoom starts a new page unless h millimetres are left on this one, so that a
// heading is never the last line of a page.
func (r *pdfRenderer) needRoom(h float64) {
	if r.pdf.GetY()+h > pdfBottom {
		r.pdf.AddPage()
	}
}

// section draws a section heading ("Identité", "Évaluations par compétence"…),
// level being its depth in the document outline.
func (r *pdfRenderer) section(title string, level int) {
	pdf := r.pdf
	r.needRoom(10 + 3*pdfFieldLH)
	if pdf.GetY() > pdfTop+1 {
		pdf.Ln(4)
	}
	bookmark(pdf, title, level)
	pdf.SetX(pdfMargin)
	pdf.SetFont("Helvetica", "B", 11.5)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.3)
	pdf.CellFormat(pdfContentW, 7, r.text(title), "B", 1, "L", false, 0, "")
	pdf.Ln(2)
}

// subheading draws a level-2 heading (a diploma, a situation); s is cp1252.
func (r *pdfRenderer) subheading(s string) {
	pdf := r.pdf
	pdf.SetX(pdfMargin)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetTextColor(0, 0, 0)
	pdf.MultiCell(pdfContentW, 5.5, s, "", "L", false)
	pdf.Ln(1)
}

// subheadingHeight is the height subheading(s) takes.
func (r *pdfRenderer) subheadingHeight(s string) float64 {
	r.pdf.SetFont("Helvetica", "B", 10)
	return float64(max(1, len(r.pdf.SplitLines([]byte(s), pdfContentW))))*5.5 + 1
}

// note draws a short remark in italics ("No evaluation.").
func (r *pdfRenderer) note(s string) {
	pdf := r.pdf
	pdf.SetX(pdfMargin)
	pdf.SetFont("Helvetica", "I", 9)
	pdf.SetTextColor(60, 60, 60)
	pdf.MultiCell(pdfContentW, pdfFieldLH, r.text(s), "", "L", false)
}

// field draws "label   value" on one line, the value wrapping in its column. Empty
// values are left out.
func (r *pdfRenderer) field(label, value string) {
	r.labelled(label, r.text(strings.TrimSpace(value)))
}

// paragraph is field for a free text whose line breaks are kept (a description, a
// list). It may run over several pages.
func (r *pdfRenderer) paragraph(label, value string) {
	r.labelled(label, r.para(strings.TrimSpace(value)))
}

// labelled draws a label and its value (cp1252); see field and paragraph.
func (r *pdfRenderer) labelled(label, value string) {
	if value == "" {
		return
	}
	pdf := r.pdf
	r.needRoom(pdfFieldLH)
	y := pdf.GetY()
	pdf.SetXY(pdfMargin, y)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetTextColor(60, 60, 60)
	pdf.CellFormat(pdfLabelW, pdfFieldLH, r.text(label), "", 0, "L", false, 0, "")
	pdf.SetXY(pdfMargin+pdfLabelW, y)
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetTextColor(0, 0, 0)
	// An automatic page break inside MultiCell keeps the x position: a long
	// description goes on in its column on the next page.
	pdf.MultiCell(pdfValueW, pdfFieldLH, value, "", "L", false)
	pdf.Ln(0.6)
}

// pdfTable is a table being drawn: its columns, and what to repeat at the top of a
// new page.
type pdfTable struct {
	caption string // cp1252: printed, marked as continued, above the header on a new page
	cols    []pdfColumn
	page    int // page on which the header was last drawn (0: not yet)
}

// pdfColumn is one column of a table; head is cp1252.
type pdfColumn struct {
	head  string
	w     float64
	align string
}

// pdfCell is one cell of a row; text is cp1252. With bar, a bar of (rank+1)/scale of
// its width is drawn before the text.
type pdfCell struct {
	text        string
	bar         bool
	rank, scale int
}

// rowHeight is the height of a row of cells, with its text wrapped in its columns.
func (r *pdfRenderer) rowHeight(t *pdfTable, cells []pdfCell) float64 {
	r.pdf.SetFont("Helvetica", "", 8)
	lines := 1
	for i, c := range cells {
		w := t.cols[i].w
		if c.bar {
			w -= pdfBarIndent
		}
		lines = max(lines, len(r.pdf.SplitLines([]byte(c.text), w)))
	}
	return float64(lines)*pdfTableLH + 2*pdfCellPadY
}

// tableRoom makes sure h millimetres are left on the page for a row, starting a new
// page if needed, and draws the table's header when the row is the first of the table
// on this page: a table broken across pages repeats its header. A comment that ran
// onto a new page gets the header too, since the page was checked, not the break.
func (r *pdfRenderer) tableRoom(t *pdfTable, h float64) {
	pdf := r.pdf
	const captionH = 5.0
	if pdf.PageNo() == t.page && pdf.GetY()+h <= pdfBottom {
		return
	}
	need := h + pdfTableHeadH
	if t.page != 0 {
		need += captionH
	}
	if pdf.GetY()+need > pdfBottom || pdf.PageNo() == t.page {
		pdf.AddPage()
	}
	if t.page != 0 {
		pdf.SetX(pdfMargin)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(pdfContentW, captionH, t.caption+r.text(r.m.continued), "", 1, "L", false, 0, "")
	}
	t.page = pdf.PageNo()
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFillColor(215, 215, 215)
	pdf.SetDrawColor(140, 140, 140)
	pdf.SetLineWidth(0.2)
	x, y := pdfMargin, pdf.GetY()
	for _, c := range t.cols {
		pdf.SetXY(x, y)
		pdf.CellFormat(c.w, pdfTableHeadH, c.head, "1", 0, c.align, true, 0, "")
		x += c.w
	}
	pdf.SetXY(pdfMargin, y+pdfTableHeadH)
}

// row draws one row of t; it is never split across two pages.
func (r *pdfRenderer) row(t *pdfTable, cells []pdfCell) {
	pdf := r.pdf
	h := r.rowHeight(t, cells)
	r.tableRoom(t, h)
	x, y := pdfMargin, pdf.GetY()
	pdf.SetLineWidth(0.2)
	for i, c := range cells {
		col := t.cols[i]
		pdf.SetDrawColor(140, 140, 140)
		pdf.Rect(x, y, col.w, h, "D")
		tx, tw := x, col.w
		if c.bar {
			r.bar(x+1.5, y+pdfCellPadY+(pdfTableLH-pdfBarH)/2, c.rank, c.scale)
			tx, tw = x+pdfBarIndent, col.w-pdfBarIndent
		}
		pdf.SetXY(tx, y+pdfCellPadY)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(0, 0, 0)
		pdf.MultiCell(tw, pdfTableLH, c.text, "", col.align, false)
		x += col.w
	}
	pdf.SetXY(pdfMargin, y+h)
}

// spanRow draws a shaded row across the whole table (a block of competencies), kept
// on the same page as the next row, of height next.
func (r *pdfRenderer) spanRow(t *pdfTable, s string, next float64) {
	pdf := r.pdf
	h := r.spanHeight(s)
	r.tableRoom(t, h+next)
	y := pdf.GetY()
	pdf.SetFillColor(238, 238, 238)
	pdf.SetDrawColor(140, 140, 140)
	pdf.SetLineWidth(0.2)
	pdf.Rect(pdfMargin, y, pdfContentW, h, "DF")
	pdf.SetXY(pdfMargin, y+pdfCellPadY)
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetTextColor(0, 0, 0)
	pdf.MultiCell(pdfContentW, pdfTableLH, s, "", "L", false)
	pdf.SetXY(pdfMargin, y+h)
}

// spanHeight is the height of spanRow(s).
func (r *pdfRenderer) spanHeight(s string) float64 {
	r.pdf.SetFont("Helvetica", "B", 8)
	return float64(max(1, len(r.pdf.SplitLines([]byte(s), pdfContentW))))*pdfTableLH + 2*pdfCellPadY
}

// commentRow draws a comment under an evaluation, across the table. Unlike a row it
// may run over several pages: a teacher's comment has no length limit.
func (r *pdfRenderer) commentRow(t *pdfTable, s string) {
	pdf := r.pdf
	pdf.SetFont("Helvetica", "I", 8)
	r.tableRoom(t, min(float64(len(pdf.SplitLines([]byte(s), pdfContentW-6)))*pdfTableLH, 3*pdfTableLH)+2*pdfCellPadY)
	pdf.SetXY(pdfMargin+6, pdf.GetY()+pdfCellPadY)
	pdf.SetFont("Helvetica", "I", 8)
	pdf.SetTextColor(40, 40, 40)
	pdf.MultiCell(pdfContentW-6, pdfTableLH, s, "", "L", false)
	pdf.SetY(pdf.GetY() + pdfCellPadY)
	// A rule closes the comment, as a cell border would.
	pdf.SetDrawColor(140, 140, 140)
	pdf.SetLineWidth(0.2)
	pdf.Line(pdfMargin, pdf.GetY(), pdfMargin+pdfContentW, pdf.GetY())
}

// bar draws the position of a value on its scale: a frame and a filled part of
// (rank+1)/scale of its width, grey so that it prints in black and white. A rank off
// the scale draws nothing rather than a misleading bar.
func (r *pdfRenderer) bar(x, y float64, rank, scale int) {
	if scale <= 0 || rank < 0 || rank >= scale {
		return
	}
	pdf := r.pdf
	pdf.SetFillColor(80, 80, 80)
	pdf.Rect(x, y, pdfBarW*float64(rank+1)/float64(scale), pdfBarH, "F")
	pdf.SetDrawColor(80, 80, 80)
	pdf.SetLineWidth(0.2)
	pdf.Rect(x, y, pdfBarW, pdfBarH, "D")
}

// bookmark adds an entry to the document's outline (the side panel of PDF readers).
// Outline titles are not drawn with a font, so they keep every character: they are
// written in UTF-16, which fpdf passes through as it is.
func bookmark(pdf *fpdf.Fpdf, title string, level int) {
	title = strings.Join(strings.Fields(title), " ")
	if t := []rune(title); len(t) > 120 {
		title = string(t[:119]) + "…"
	}
	b := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(title)) {
		b = append(b, byte(u>>8), byte(u))
	}
	pdf.Bookmark(string(b), level, -1)
}

// diplomaGroup is the evaluations of a record for one diploma, and the competencies
// they evaluated, by block.
type diplomaGroup struct {
	code, label string
	evaluations []*Evaluation // oldest first
	blocks      []*blockGroup
}

// blockGroup is a block of competencies of a diploma's referential.
type blockGroup struct {
	code, label  string
	competencies []*competencyStat
}

// competencyStat is what the competency table shows of one competency.
type competencyStat struct {
	code       string
	latest     Result // the result of the most recent evaluation
	latestDate string
	count      int // evaluations that gave it a result
}

// groupByDiploma sorts evaluations into diplomas (by code), each with its blocks and
// competencies in the referential's order (natural order of the codes: C2 before C10),
// so that the rendering never depends on map order.
func groupByDiploma(evals []Evaluation) []diplomaGroup {
	sorted := make([]*Evaluation, len(evals))
	for i := range evals {
		sorted[i] = &evals[i]
	}
	// Chronological, ties by id: the latest value of a competency is the one given
	// last. The stable sort keeps the passport's order for equal dates and ids.
	slices.SortStableFunc(sorted, func(a, b *Evaluation) int {
		return cmp.Or(strings.Compare(a.Date, b.Date), cmp.Compare(a.ID, b.ID))
	})

	var groups []diplomaGroup
	index := map[string]int{}
	type blockKey struct{ diploma, block string }
	blocks := map[blockKey]*blockGroup{}
	type compKey struct{ diploma, competency string }
	comps := map[compKey]*competencyStat{}
	var order []compKey // competencies as first met, so that no map is ranged over
	for _, e := range sorted {
		gi, ok := index[e.Diploma]
		if !ok {
			gi = len(groups)
			index[e.Diploma] = gi
			groups = append(groups, diplomaGroup{code: e.Diploma})
		}
		g := &groups[gi]
		if e.DiplomaLabel != "" {
			g.label = e.DiplomaLabel // the most recent label
		}
		g.evaluations = append(g.evaluations, e)
		counted := map[string]bool{}
		for _, res := range e.Results {
			k := compKey{e.Diploma, res.Competency}
			c := comps[k]
			if c == nil {
				c = &competencyStat{code: res.Competency}
				comps[k] = c
				order = append(order, k)
			}
			if !counted[res.Competency] {
				counted[res.Competency] = true
				c.count++
			}
			// The evaluations come oldest first: the last result is the latest.
			c.latest, c.latestDate = res, e.Date
		}
	}
	// Blocks are built from the competencies, each in the block of its latest result:
	// a competency that moved to another block in a newer version of the referential
	// is shown where it is now.
	for _, k := range order {
		c := comps[k]
		bk := blockKey{k.diploma, c.latest.Block}
		b := blocks[bk]
		if b == nil {
			b = &blockGroup{code: c.latest.Block}
			blocks[bk] = b
			gi := index[k.diploma]
			groups[gi].blocks = append(groups[gi].blocks, b)
		}
		b.competencies = append(b.competencies, c)
	}
	for gi := range groups {
		g := &groups[gi]
		for _, b := range g.blocks {
			slices.SortFunc(b.competencies, func(x, y *competencyStat) int { return naturalCompare(x.code, y.code) })
			// The block's label from its most recently evaluated competency.
			var newest string
			for _, c := range b.competencies {
				if c.latest.BlockLabel != "" && c.latestDate >= newest {
					newest, b.label = c.latestDate, c.latest.BlockLabel
				}
			}
		}
		// Competencies without a block come last.
		slices.SortFunc(g.blocks, func(x, y *blockGroup) int { return codeCompare(x.code, y.code) })
	}
	// Evaluations without a diploma come last.
	slices.SortFunc(groups, func(a, b diplomaGroup) int { return codeCompare(a.code, b.code) })
	return groups
}

// codeCompare is naturalCompare with the empty code last: "no block", "no diploma".
func codeCompare(a, b string) int {
	if (a == "") != (b == "") {
		if a == "" {
			return 1
		}
		return -1
	}
	return naturalCompare(a, b)
}

// naturalCompare orders strings with their runs of digits compared as numbers
// ("C2" < "C10"), then byte by byte, so that equal-looking codes still have one order.
func naturalCompare(a, b string) int {
	x, y := a, b
	for x != "" && y != "" {
		dx, dy := digits(x), digits(y)
		if dx > 0 && dy > 0 {
			nx, ny := strings.TrimLeft(x[:dx], "0"), strings.TrimLeft(y[:dy], "0")
			if c := cmp.Or(cmp.Compare(len(nx), len(ny)), strings.Compare(nx, ny)); c != 0 {
				return c
			}
			x, y = x[dx:], y[dy:]
			continue
		}
		if x[0] != y[0] {
			return cmp.Compare(x[0], y[0])
		}
		x, y = x[1:], y[1:]
	}
	return cmp.Or(cmp.Compare(len(x), len(y)), strings.Compare(a, b))
}

// digits is the length of the run of ASCII digits at the start of s.
func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// fullName is the student's name as the passport's title shows it: his first first
// name, then the last name he uses (the usage name when there is one).
func fullName(id Identity) string {
	last := id.LastName
	if id.UsageName != "" {
		last = id.UsageName
	}
	first := ""
	if len(id.FirstNames) > 0 {
		first = id.FirstNames[0]
	}
	name := strings.TrimSpace(first + " " + last)
	if name == "" {
		name = id.Login
	}
	return name
}

// pdfMessages is the text of the PDF summary in one language. The French text is the
// reference.
type pdfMessages struct {
	lang, pdfLang                                     string
	header                                            string // %s: the student's name
	page                                              string // %d: page number, %s: page count
	generated                                         string // %s: the generation date
	identity, lastName, usageName, firstNames         string
	birthDate, login, nothingYet                      string
	class, mef, entry, exit, status                   string
	statusActive, statusDeactivated                   string
	evaluations, noEvaluation, diploma, noDiploma     string
	noBlock, continued, evaluationList, commentPrefix string
	colCode, colCompetency, colLatest, colDate        string
	colCount, colTitle, colAuthor                     string
	situations, noSituation, situation                string
	level, context, period, company, description      string
	competencies, evaluator, result, commentLabel     string
	author, updated, attachments                      string
}

// pdfMessagesFor returns the messages for lang ("fr", "en", or a regional form of
// them); any other language gets French, the language of the schools.
func pdfMessagesFor(lang string) pdfMessages {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	base, _, _ = strings.Cut(base, "_")
	if base == "en" {
		return pdfMessages{
			lang: "en", pdfLang: "en",
			header:    "Passport — %s",
			page:      "page %d/%s —",
			generated: "generated on %s",
			identity:  "Identity", lastName: "Last name", usageName: "Usage name",
			firstNames: "First names", birthDate: "Date of birth", login: "Login",
			nothingYet: "cartable holds no schooling for you yet: this passport contains your identity only.",
			class:      "Class", mef: "Course (MEF)", entry: "Entry", exit: "Exit", status: "Schooling",
			statusActive: "current", statusDeactivated: "ended",
			evaluations: "Evaluations by competency", noEvaluation: "No evaluation.",
			diploma: "Diploma: %s", noDiploma: "unspecified",
			noBlock: "Other competencies", continued: " (continued)",
			evaluationList: "Evaluations", commentPrefix: "Comment: ",
			colCode: "Code", colCompetency: "Competency", colLatest: "Latest value", colDate: "Date",
			colCount: "Evals", colTitle: "Title", colAuthor: "Author",
			situations: "Professional situations", noSituation: "No professional situation.",
			situation: "Situation %d",
			level:     "Level", context: "Context", period: "Period", company: "Company",
			description:  "Description",
			competencies: "Competencies involved", evaluator: "Evaluator", result: "Result",
			commentLabel: "Comment", author: "Written by", updated: "Last updated",
			attachments: "Attached files",
		}
	}
	// French typography puts a no-break space (U+00A0) before ":", which also keeps a
	// colon from starting a line.
	return pdfMessages{
		lang: "fr", pdfLang: "fr-FR",
		header:    "Passeport — %s",
		page:      "page %d/%s —",
		generated: "généré le %s",
		identity:  "Identité", lastName: "Nom", usageName: "Nom d'usage",
		firstNames: "Prénoms", birthDate: "Date de naissance", login: "Identifiant",
		nothingYet: "Aucune scolarité n'est encore enregistrée pour vous dans cartable\u00a0: ce passeport ne contient que votre identité.",
		class:      "Classe", mef: "Formation (MEF)", entry: "Entrée", exit: "Sortie", status: "Scolarité",
		statusActive: "en cours", statusDeactivated: "terminée",
		evaluations: "Évaluations par compétence", noEvaluation: "Aucune évaluation.",
		diploma: "Diplôme\u00a0: %s", noDiploma: "non précisé",
		noBlock: "Autres compétences", continued: " (suite)",
		evaluationList: "Évaluations", commentPrefix: "Commentaire\u00a0: ",
		colCode: "Code", colCompetency: "Compétence", colLatest: "Dernière valeur", colDate: "Date",
		colCount: "Nb éval.", colTitle: "Intitulé", colAuthor: "Auteur",
		situations: "Situations professionnelles", noSituation: "Aucune situation professionnelle.",
		situation: "Situation %d",
		level:     "Niveau", context: "Contexte", period: "Période", company: "Entreprise",
		description:  "Description",
		competencies: "Compétences mobilisées", evaluator: "Évaluateur", result: "Résultat",
		commentLabel: "Commentaire", author: "Rédigée par", updated: "Dernière modification",
		attachments: "Pièces jointes",
	}
}

// longDate writes a day as people write it: "1er décembre 2026", "1 December 2026".
func (m pdfMessages) longDate(t time.Time) string { return calendar.LongDate(m.lang, t) }

// civilDate formats a civil date stored as "YYYY-MM-DD" (docs/decisions/0006): in
// full, or short for a table column ("02/09/2024", "2 Sep 2024"). Anything else is
// printed as it is, rather than lost.
func (m pdfMessages) civilDate(s string, long bool) string {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return s
	}
	t, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		return s
	}
	switch {
	case long:
		return m.longDate(t)
	case m.lang == "en":
		return t.Format("2 Jan 2006")
	default:
		return t.Format("02/01/2006")
	}
}

// statusLabel names a schooling status (student.StatusActive, StatusDeactivated);
// an unknown one is printed as it is.
func (m pdfMessages) statusLabel(s string) string {
	switch s {
	case "active":
		return m.statusActive
	case "deactivated":
		return m.statusDeactivated
	}
	return s
}

// size writes a file size in SI units, as file managers do: "850 o", "12 ko", "3,4 Mo".
func (m pdfMessages) size(n int64) string {
	units := []string{"o", "ko", "Mo", "Go"}
	if m.lang == "en" {
		units = []string{"B", "kB", "MB", "GB"}
	}
	if n < 1000 {
		return fmt.Sprintf("%d\u00a0%s", n, units[0])
	}
	v, u := float64(n), 0
	for v >= 1000 && u < len(units)-1 {
		v /= 1000
		u++
	}
	s := fmt.Sprintf("%.1f", v)
	if v >= 10 {
		s = fmt.Sprintf("%.0f", math.Round(v))
	}
	if m.lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "\u00a0" + units[u]
}
