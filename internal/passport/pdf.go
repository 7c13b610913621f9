package passport

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/pdfdoc"
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
	pdfPageH    = pdfdoc.PageH
	pdfMargin   = 15.0
	pdfContentW = pdfdoc.PageW - 2*pdfMargin
	pdfTop      = 22.0            // content starts below the page header
	pdfBottom   = pdfPageH - 18.0 // content ends above the footer
)

// Limits on table cells, so that one row always fits on a page (a row is never split
// across two pages). Longer values are shortened with "…"; free texts (descriptions,
// comments) are not in table cells and are never shortened.
const (
	maxCode  = 40  // runes: competency codes
	maxLabel = 300 // runes: competency labels, evaluation titles, authors
)

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
	lang := i18n.Base(o.Lang)
	header := i18n.T(lang, "passport.pdf.header", i18n.Args{"name": fullName(p.Student)})
	d, err := pdfdoc.New(pdfdoc.Options{Title: header, Lang: i18n.Tag(lang), Generated: p.GeneratedAt,
		Left: pdfMargin, Top: pdfTop, Right: pdfMargin, Bottom: pdfBottom, AutoPageBreak: true, Uncompressed: !compress})
	if err != nil {
		return err
	}
	d.RunningHeader(header)
	// Left-aligned: the page count's stand-in is wider than the count that replaces it,
	// so a centred or right-aligned line would end up off centre.
	d.Footer(pdfPageH-13, i18n.T(lang, "passport.pdf.page", i18n.Args{"page": pdfdoc.PageNumber, "pages": pdfdoc.PageCount})+
		" "+i18n.T(lang, "passport.pdf.generated", i18n.Args{"date": longDate(lang, p.GeneratedAt)}), "")

	r := &pdfRenderer{d: d, pdf: d.PDF, lang: lang}
	r.render(p)
	if err := d.Output(w); err != nil {
		return fmt.Errorf("passport: %w", err)
	}
	return nil
}

// pdfRenderer draws a passport on a document, in lang.
type pdfRenderer struct {
	d    *pdfdoc.Doc
	pdf  *fpdf.Fpdf
	lang string
}

// m writes the message passport.pdf.<key> in the passport's language.
func (r *pdfRenderer) m(key string, args ...any) string {
	return i18n.T(r.lang, "passport.pdf."+key, args...)
}

// text returns s as the core fonts print it: cp1252, one line.
func (r *pdfRenderer) text(s string) string { return r.d.Text(s) }

// render draws the whole passport, from the first page on.
func (r *pdfRenderer) render(p *Passport) {
	pdf := r.pdf
	pdf.AddPage()

	r.section(r.m("identity"), 0)
	id := p.Student
	r.d.Field(r.m("last_name"), id.LastName)
	r.d.Field(r.m("usage_name"), id.UsageName)
	r.d.Field(r.m("first_names"), strings.Join(id.FirstNames, ", "))
	r.d.Field(r.m("birth_date"), civilDate(r.lang, id.BirthDate, true))
	r.d.Field(r.m("login"), id.Login)

	if len(p.Records) == 0 {
		pdf.Ln(6)
		pdf.SetFont("Helvetica", "I", 10)
		pdf.SetTextColor(0, 0, 0)
		pdf.MultiCell(pdfContentW, 5.5, r.text(r.m("nothing_yet")), "", "L", false)
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
	r.d.NeedRoom(8 + 50)
	if pdf.GetY() > pdfTop+1 {
		pdf.Ln(6)
	}
	r.d.Bookmark(title, 0)
	pdf.SetX(pdfMargin)
	pdf.SetFont("Helvetica", "B", 13)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFillColor(225, 225, 225)
	cm := pdf.GetCellMargin()
	pdf.SetCellMargin(2.5)
	pdf.MultiCell(pdfContentW, 7.5, r.text(title), "", "L", true)
	pdf.SetCellMargin(cm)
	pdf.Ln(2)

	r.d.Field(r.m("class"), rec.Class)
	mef := rec.MEFLabel
	if rec.MEF != "" {
		mef = strings.TrimSpace(mef + " (" + rec.MEF + ")")
	}
	r.d.Field(r.m("mef"), mef)
	r.d.Field(r.m("entry"), civilDate(r.lang, rec.EntryDate, true))
	r.d.Field(r.m("exit"), civilDate(r.lang, rec.ExitDate, true))
	r.d.Field(r.m("status"), r.statusLabel(rec.Status))

	r.section(r.m("evaluations"), 1)
	if len(rec.Evaluations) == 0 {
		r.note(r.m("no_evaluation"))
	}
	for _, d := range groupByDiploma(rec.Evaluations) {
		r.diploma(d)
	}

	r.section(r.m("situations"), 1)
	if len(rec.Situations) == 0 {
		r.note(r.m("no_situation"))
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
		name = r.m("no_diploma")
	case name == "":
		name = d.code
	case d.code != "":
		name += " (" + d.code + ")"
	}
	caption := r.text(r.m("diploma", i18n.Args{"name": name}))
	competencies := &pdfdoc.Table{Caption: caption, Continued: r.text(r.m("continued")), Cols: []pdfdoc.Column{
		{Head: r.text(r.m("col.code")), W: 18, Align: "L"},
		{Head: r.text(r.m("col.competency")), W: 77, Align: "L"},
		{Head: r.text(r.m("col.latest")), W: 45, Align: "L"},
		{Head: r.text(r.m("col.date")), W: 24, Align: "L"},
		{Head: r.text(r.m("col.count")), W: 16, Align: "R"},
	}}
	evaluations := &pdfdoc.Table{Caption: caption, Continued: r.text(r.m("continued")), Cols: []pdfdoc.Column{
		{Head: r.text(r.m("col.date")), W: 24, Align: "L"},
		{Head: r.text(r.m("col.title")), W: 96, Align: "L"},
		{Head: r.text(r.m("col.author")), W: 60, Align: "L"},
	}}
	const listHeadingH = 6.0
	// The heading stays with the table header and the first row under it.
	first := listHeadingH + r.d.RowHeight(evaluations, r.evaluationRow(d.evaluations[0]))
	if len(d.blocks) > 0 {
		b := d.blocks[0]
		first = r.d.SpanHeight(r.blockTitle(b)) + r.d.RowHeight(competencies, r.competencyRow(b.competencies[0]))
	}
	r.d.NeedRoom(2 + r.subheadingHeight(caption) + pdfdoc.TableHeadH + first)
	pdf.Ln(2)
	r.d.Bookmark(r.m("diploma", i18n.Args{"name": name}), 2)
	r.subheading(caption)

	if len(d.blocks) > 0 {
		for _, b := range d.blocks {
			r.d.SpanRow(competencies, r.blockTitle(b), r.d.RowHeight(competencies, r.competencyRow(b.competencies[0])))
			for _, c := range b.competencies {
				r.d.Row(competencies, r.competencyRow(c))
			}
		}
		pdf.Ln(3)
	}

	// The evaluations themselves, oldest first.
	r.d.NeedRoom(listHeadingH + pdfdoc.TableHeadH + r.d.RowHeight(evaluations, r.evaluationRow(d.evaluations[0])))
	pdf.SetX(pdfMargin)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetTextColor(0, 0, 0)
	pdf.CellFormat(pdfContentW, listHeadingH, r.text(r.m("evaluation_list")), "", 1, "L", false, 0, "")
	for _, e := range d.evaluations {
		r.d.Row(evaluations, r.evaluationRow(e))
		if c := strings.TrimSpace(e.Comment); c != "" {
			r.d.NoteRow(evaluations, r.d.Para(r.m("comment_prefix")+c))
		}
	}
	pdf.Ln(2)
}

// blockTitle is the cp1252 title of a block of competencies: "B1 — Préparer".
func (r *pdfRenderer) blockTitle(b *blockGroup) string {
	switch {
	case b.code == "":
		return r.text(r.m("no_block"))
	case b.label == "":
		return r.text(pdfdoc.Truncate(b.code, maxLabel))
	}
	return r.text(pdfdoc.Truncate(b.code+" — "+b.label, maxLabel))
}

// evaluationRow returns the cells of one line of the list of evaluations.
func (r *pdfRenderer) evaluationRow(e *Evaluation) []pdfdoc.Cell {
	title := e.Title
	if e.Level != "" {
		title += " (" + e.Level + ")"
	}
	return []pdfdoc.Cell{
		{Text: r.text(civilDate(r.lang, e.Date, false))},
		{Text: r.text(pdfdoc.Truncate(title, maxLabel))},
		{Text: r.text(pdfdoc.Truncate(e.Author, maxLabel))},
	}
}

// competencyRow returns the cells of one line of the competency table.
func (r *pdfRenderer) competencyRow(c *competencyStat) []pdfdoc.Cell {
	value := c.latest.ValueLabel
	if value == "" {
		value = c.latest.Value
	}
	return []pdfdoc.Cell{
		{Text: r.text(pdfdoc.Truncate(c.code, maxCode))},
		{Text: r.text(pdfdoc.Truncate(c.latest.CompetencyLabel, maxLabel))},
		{Text: r.text(pdfdoc.Truncate(value, maxLabel)), Bar: true, Rank: c.latest.Rank, Scale: c.latest.ScaleSize},
		{Text: r.text(civilDate(r.lang, c.latestDate, false))},
		{Text: fmt.Sprint(c.count)},
	}
}

// situation draws one professional situation sheet.
func (r *pdfRenderer) situation(n int, s *Situation) {
	pdf := r.pdf
	heading := r.m("situation", i18n.Args{"n": n})
	if t := strings.TrimSpace(s.Title); t != "" {
		heading += " — " + t
	}
	r.d.NeedRoom(2 + r.subheadingHeight(r.text(heading)) + 4*pdfdoc.FieldLH)
	pdf.Ln(2)
	r.d.Bookmark(heading, 2)
	r.subheading(r.text(heading))

	level := s.Level
	if slices.Contains(AllLevels, level) {
		level = i18n.T(r.lang, "situations.level."+level) // "Niveau CAP"
	}
	r.d.Field(r.m("level"), level)
	r.d.Field(r.m("context"), s.Context)
	r.d.Field(r.m("period"), s.Period)
	r.d.Field(r.m("company"), s.Company)
	r.d.Paragraph(r.m("description"), s.Description)
	var comps []string
	for _, c := range s.Competencies {
		line := c.Code
		if c.Label != "" {
			line = strings.TrimSpace(line + " — " + c.Label)
		}
		comps = append(comps, line)
	}
	r.d.Paragraph(r.m("competencies"), strings.Join(comps, "\n"))
	r.d.Field(r.m("evaluator"), s.Evaluator)
	r.d.Field(r.m("result"), s.Result)
	r.d.Paragraph(r.m("comment"), s.Comment)
	r.d.Field(r.m("author"), s.Author)
	if !s.UpdatedAt.IsZero() {
		r.d.Field(r.m("updated"), longDate(r.lang, s.UpdatedAt))
	}
	var files []string
	for _, a := range s.Attachments {
		files = append(files, fmt.Sprintf("%s (%s)", a.Name, size(r.lang, a.Size)))
	}
	r.d.Paragraph(r.m("attachments"), strings.Join(files, "\n"))
	pdf.Ln(2)
}

// section draws a section heading ("Identité", "Évaluations par compétence"…),
// level being its depth in the document outline.
func (r *pdfRenderer) section(title string, level int) {
	pdf := r.pdf
	r.d.NeedRoom(10 + 3*pdfdoc.FieldLH)
	if pdf.GetY() > pdfTop+1 {
		pdf.Ln(4)
	}
	r.d.Bookmark(title, level)
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
	pdf.MultiCell(pdfContentW, pdfdoc.FieldLH, r.text(s), "", "L", false)
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

// longDate writes a day as people write it: "1er décembre 2026", "1 December 2026".
func longDate(lang string, t time.Time) string { return calendar.LongDate(lang, t) }

// civilDate formats a civil date stored as "YYYY-MM-DD" (docs/decisions/0006): in
// full, or short for a table column ("02/09/2024", "2 Sep 2024"). Anything else is
// printed as it is, rather than lost.
func civilDate(lang, s string, long bool) string {
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
		return longDate(lang, t)
	case lang == i18n.EN:
		return t.Format("2 Jan 2006")
	default:
		return t.Format("02/01/2006")
	}
}

// statusLabel names a schooling status (student.StatusActive, StatusDeactivated);
// an unknown one is printed as it is.
func (r *pdfRenderer) statusLabel(s string) string {
	switch s {
	case "active", "deactivated":
		return r.m("status." + s)
	}
	return s
}

// size writes a file size in SI units, as file managers do: "850 o", "12 ko", "3,4 Mo".
func size(lang string, n int64) string {
	units := []string{"o", "ko", "Mo", "Go"}
	if lang == i18n.EN {
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
	if lang != i18n.EN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "\u00a0" + units[u]
}
