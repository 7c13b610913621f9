package pdfdoc

import "strings"

// The house style of fields and tables, in millimetres.
const (
	FieldLH    = 4.6  // line height of "label value" fields (9 pt)
	TableHeadH = 6.0  // the header row of a table
	TableLH    = 3.8  // line height of table text (8 pt)
	CellPadY   = 1.0  // space above and below the text of a table cell
	BarW       = 10.0 // a value bar (Cell.Bar)
	BarH       = 2.4
	BarIndent  = BarW + 2.5 // where the text of a cell with a bar starts
)

// Field draws "label   value" on one line, the value wrapping in its column; an empty
// value draws nothing. Both are plain text.
func (d *Doc) Field(label, value string) {
	d.Labelled(label, d.Text(strings.TrimSpace(value)))
}

// Paragraph is Field for a free text whose line breaks are kept (a description, a
// list). It may run over several pages.
func (d *Doc) Paragraph(label, value string) {
	d.Labelled(label, d.Para(strings.TrimSpace(value)))
}

// Labelled draws a label and its value, already cp1252; see Field and Paragraph.
func (d *Doc) Labelled(label, value string) {
	if value == "" {
		return
	}
	pdf := d.PDF
	d.NeedRoom(FieldLH)
	y := pdf.GetY()
	pdf.SetXY(d.Left, y)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetTextColor(60, 60, 60)
	pdf.CellFormat(d.labelW, FieldLH, d.Text(label), "", 0, "L", false, 0, "")
	pdf.SetXY(d.Left+d.labelW, y)
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetTextColor(0, 0, 0)
	// An automatic page break inside MultiCell keeps the x position: a long
	// description goes on in its column on the next page.
	pdf.MultiCell(d.ContentW()-d.labelW, FieldLH, value, "", "L", false)
	pdf.Ln(0.6)
}

// Table is a table being drawn: its columns, and what to repeat at the top of a new
// page.
type Table struct {
	// Caption (cp1252) is printed, followed by Continued, above the header on the
	// pages the table continues on.
	Caption, Continued string
	Cols               []Column
	page               int // page on which the header was last drawn (0: not yet)
}

// Column is one column of a table; Head is cp1252, Align "L", "C" or "R".
type Column struct {
	Head  string
	W     float64
	Align string
}

// Cell is one cell of a row; Text is cp1252. With Bar, a bar of (Rank+1)/Scale of its
// width is drawn before the text: a value's place on its scale.
type Cell struct {
	Text        string
	Bar         bool
	Rank, Scale int
}

// RowHeight is the height of a row of cells, with its text wrapped in its columns.
func (d *Doc) RowHeight(t *Table, cells []Cell) float64 {
	d.PDF.SetFont("Helvetica", "", 8)
	lines := 1
	for i, c := range cells {
		w := t.Cols[i].W
		if c.Bar {
			w -= BarIndent
		}
		lines = max(lines, len(d.PDF.SplitLines([]byte(c.Text), w)))
	}
	return float64(lines)*TableLH + 2*CellPadY
}

// TableRoom makes sure h millimetres are left on the page for a row, starting a new
// page if needed, and draws the table's header when the row is the first of the table
// on this page: a table broken across pages repeats its header. A text that ran onto a
// new page gets the header too, since the page was checked, not the break.
func (d *Doc) TableRoom(t *Table, h float64) {
	pdf := d.PDF
	const captionH = 5.0
	if pdf.PageNo() == t.page && pdf.GetY()+h <= d.Bottom {
		return
	}
	need := h + TableHeadH
	if t.page != 0 {
		need += captionH
	}
	if pdf.GetY()+need > d.Bottom || pdf.PageNo() == t.page {
		pdf.AddPage()
	}
	if t.page != 0 {
		pdf.SetX(d.Left)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(d.ContentW(), captionH, t.Caption+t.Continued, "", 1, "L", false, 0, "")
	}
	t.page = pdf.PageNo()
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFillColor(215, 215, 215)
	pdf.SetDrawColor(140, 140, 140)
	pdf.SetLineWidth(0.2)
	x, y := d.Left, pdf.GetY()
	for _, c := range t.Cols {
		pdf.SetXY(x, y)
		pdf.CellFormat(c.W, TableHeadH, c.Head, "1", 0, c.Align, true, 0, "")
		x += c.W
	}
	pdf.SetXY(d.Left, y+TableHeadH)
}

// Row draws one row of t; it is never split across two pages.
func (d *Doc) Row(t *Table, cells []Cell) {
	pdf := d.PDF
	h := d.RowHeight(t, cells)
	d.TableRoom(t, h)
	x, y := d.Left, pdf.GetY()
	pdf.SetLineWidth(0.2)
	for i, c := range cells {
		col := t.Cols[i]
		pdf.SetDrawColor(140, 140, 140)
		pdf.Rect(x, y, col.W, h, "D")
		tx, tw := x, col.W
		if c.Bar {
			d.bar(x+1.5, y+CellPadY+(TableLH-BarH)/2, c.Rank, c.Scale)
			tx, tw = x+BarIndent, col.W-BarIndent
		}
		pdf.SetXY(tx, y+CellPadY)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(0, 0, 0)
		pdf.MultiCell(tw, TableLH, c.Text, "", col.Align, false)
		x += col.W
	}
	pdf.SetXY(d.Left, y+h)
}

// SpanRow draws a shaded row across the whole table (a group of rows: a block of
// competencies), s in cp1252, kept on the same page as the next row, of height next.
func (d *Doc) SpanRow(t *Table, s string, next float64) {
	pdf := d.PDF
	h := d.SpanHeight(s)
	d.TableRoom(t, h+next)
	y := pdf.GetY()
	pdf.SetFillColor(238, 238, 238)
	pdf.SetDrawColor(140, 140, 140)
	pdf.SetLineWidth(0.2)
	pdf.Rect(d.Left, y, d.ContentW(), h, "DF")
	pdf.SetXY(d.Left, y+CellPadY)
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetTextColor(0, 0, 0)
	pdf.MultiCell(d.ContentW(), TableLH, s, "", "L", false)
	pdf.SetXY(d.Left, y+h)
}

// SpanHeight is the height of SpanRow(s).
func (d *Doc) SpanHeight(s string) float64 {
	d.PDF.SetFont("Helvetica", "B", 8)
	return float64(max(1, len(d.PDF.SplitLines([]byte(s), d.ContentW()))))*TableLH + 2*CellPadY
}

// NoteRow draws a text (cp1252) under a row, across the table, indented, in italics (a
// comment on an evaluation). Unlike a row it may run over several pages: a teacher's
// comment has no length limit.
func (d *Doc) NoteRow(t *Table, s string) {
	pdf := d.PDF
	w := d.ContentW()
	pdf.SetFont("Helvetica", "I", 8)
	d.TableRoom(t, min(float64(len(pdf.SplitLines([]byte(s), w-6)))*TableLH, 3*TableLH)+2*CellPadY)
	pdf.SetXY(d.Left+6, pdf.GetY()+CellPadY)
	pdf.SetFont("Helvetica", "I", 8)
	pdf.SetTextColor(40, 40, 40)
	pdf.MultiCell(w-6, TableLH, s, "", "L", false)
	pdf.SetY(pdf.GetY() + CellPadY)
	// A rule closes the text, as a cell border would.
	pdf.SetDrawColor(140, 140, 140)
	pdf.SetLineWidth(0.2)
	pdf.Line(d.Left, pdf.GetY(), d.Left+w, pdf.GetY())
}

// bar draws the position of a value on its scale: a frame and a filled part of
// (rank+1)/scale of its width, grey so that it prints in black and white. A rank off
// the scale draws nothing rather than a misleading bar.
func (d *Doc) bar(x, y float64, rank, scale int) {
	if scale <= 0 || rank < 0 || rank >= scale {
		return
	}
	pdf := d.PDF
	pdf.SetFillColor(80, 80, 80)
	pdf.Rect(x, y, BarW*float64(rank+1)/float64(scale), BarH, "F")
	pdf.SetDrawColor(80, 80, 80)
	pdf.SetLineWidth(0.2)
	pdf.Rect(x, y, BarW, BarH, "D")
}
