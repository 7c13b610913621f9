package agreement

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/pdfdoc"
)

// PDF writes the agreement's newest version as a PDF: its version number, units by
// semester with their origin, measures and adjustments, the signatures and, for an
// amendment, "annule et remplace la version N" with the diff. Whoever may read the
// agreement may print it (Get, audited for staff).
func (s *Service) PDF(ctx context.Context, p *authz.Principal, uai string, id int64, lang string) ([]byte, error) {
	v, err := s.Get(ctx, p, uai, id)
	if err != nil {
		return nil, err
	}
	return RenderPDF(v, lang, s.now())
}

// RenderPDF lays out the agreement view v.
func RenderPDF(v View, lang string, now time.Time) ([]byte, error) {
	cur := v.Current()
	a := v.Agreement
	title := i18n.T(lang, "agreement.pdf.title", a.ProgrammeCode, strconv.Itoa(a.Year)+"-"+strconv.Itoa(a.Year+1), strconv.Itoa(cur.Number))
	tag := "fr-FR"
	if lang == "en" {
		tag = "en-GB"
	}
	d, err := pdfdoc.New(pdfdoc.Options{Title: title, Lang: tag, Generated: now, Left: 15, Top: 20, Right: 15, Bottom: 280, AutoPageBreak: true})
	if err != nil {
		return nil, apperr.Internal(err)
	}
	d.RunningHeader(title)
	d.Footer(pdfdoc.PageH-12, pdfdoc.Truncate(title, 60), pdfdoc.PageNumber+" / "+pdfdoc.PageCount)
	d.PDF.AddPage()
	d.PDF.SetFont("Helvetica", "B", 14)
	d.PDF.MultiCell(d.ContentW(), 7, d.Text(title), "", "L", false)
	d.PDF.Ln(2)
	d.Field(d.Text(i18n.T(lang, "agreement.student")), d.Text(a.StudentName+" ("+a.StudentNumber+")"))
	d.Field(d.Text(i18n.T(lang, "agreement.step")), d.Text(strings.TrimSpace(a.Step+" "+a.StepVersion)))
	kind := i18n.T(lang, "agreement.kind."+a.Kind)
	if a.Status != "" {
		kind += " — " + i18n.T(lang, "agreement.status."+a.Status)
	}
	d.Field(d.Text(i18n.T(lang, "agreement.kind")), d.Text(kind))
	d.Field(d.Text(i18n.T(lang, "agreement.version")), d.Text(strconv.Itoa(cur.Number)+" — "+i18n.T(lang, "agreement.state."+string(cur.State))))
	d.Field(d.Text(i18n.T(lang, "agreement.uid")), d.Text(cur.UID))
	if v.Diff != nil {
		d.PDF.Ln(2)
		d.PDF.SetFont("Helvetica", "B", 11)
		d.PDF.MultiCell(d.ContentW(), 6, d.Text(i18n.T(lang, "agreement.pdf.replaces", strconv.Itoa(v.Diff.From))), "", "L", false)
		d.PDF.SetFont("Helvetica", "", 10)
		for _, l := range DiffLines(lang, *v.Diff) {
			d.PDF.MultiCell(d.ContentW(), 5, d.Text(l), "", "L", false)
		}
	}
	d.PDF.Ln(3)
	t := &pdfdoc.Table{Caption: d.Text(i18n.T(lang, "agreement.units")), Continued: d.Text(" " + i18n.T(lang, "agreement.pdf.continued")), Cols: []pdfdoc.Column{
		{Head: d.Text(i18n.T(lang, "agreement.semester")), W: 22, Align: "L"},
		{Head: d.Text(i18n.T(lang, "agreement.unit")), W: d.ContentW() - 82, Align: "L"},
		{Head: "ECTS", W: 20, Align: "R"},
		{Head: d.Text(i18n.T(lang, "agreement.origin")), W: 40, Align: "L"}}}
	for _, u := range cur.Units {
		d.Row(t, []pdfdoc.Cell{{Text: d.Text("S" + strconv.Itoa(u.Semester))}, {Text: d.Text(u.Code + " " + u.Label)}, {Text: u.ECTS.String()},
			{Text: d.Text(i18n.T(lang, "agreement.origin."+u.Origin))}})
	}
	words := func(prefix string, list []string) string {
		if len(list) == 0 {
			return "—"
		}
		out := make([]string, len(list))
		for i, x := range list {
			out[i] = i18n.T(lang, prefix+x)
		}
		return strings.Join(out, ", ")
	}
	d.PDF.Ln(3)
	d.Field(d.Text(i18n.T(lang, "agreement.measures")), d.Text(words("agreement.measure.", cur.Measures)))
	d.Field(d.Text(i18n.T(lang, "agreement.adjustments")), d.Text(words("agreement.adjustment.", cur.Adjustments)))
	d.PDF.Ln(3)
	sig := func(label string, at *time.Time) {
		val := i18n.T(lang, "agreement.pdf.unsigned")
		if at != nil {
			val = i18n.T(lang, "agreement.pdf.signed_on", calendar.LongDate(lang, *at))
		}
		d.Field(d.Text(label), d.Text(val))
	}
	sig(i18n.T(lang, "agreement.pdf.student_signature"), cur.StudentSignedAt)
	sig(i18n.T(lang, "agreement.pdf.director_signature"), cur.DirectorSignedAt)
	var b bytes.Buffer
	if err := d.Output(&b); err != nil {
		return nil, apperr.Internal(err)
	}
	return b.Bytes(), nil
}

// DiffLines says a diff in words, one line per unit.
func DiffLines(lang string, d Diff) []string {
	var out []string
	for _, x := range []struct {
		key  string
		list []VersionUnit
	}{{"agreement.diff.added", d.Added}, {"agreement.diff.removed", d.Removed}, {"agreement.diff.changed", d.Changed}} {
		for _, u := range x.list {
			out = append(out, i18n.T(lang, x.key, u.Code+" "+u.Label, "S"+strconv.Itoa(u.Semester), u.ECTS.String(), i18n.T(lang, "agreement.origin."+u.Origin)))
		}
	}
	if len(out) == 0 {
		out = append(out, i18n.T(lang, "agreement.diff.none"))
	}
	return out
}
