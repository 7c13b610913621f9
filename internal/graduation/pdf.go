package graduation

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/pdfdoc"
)

func startDoc(title, lang string, s *Service) (*pdfdoc.Doc, error) {
	tag := "fr-FR"
	if lang == "en" {
		tag = "en-GB"
	}
	d, err := pdfdoc.New(pdfdoc.Options{Title: title, Lang: tag, Generated: s.now(), Left: 15, Top: 20, Right: 15, Bottom: 280, AutoPageBreak: true})
	if err != nil {
		return nil, err
	}
	d.RunningHeader(title)
	d.Footer(pdfdoc.PageH-12, pdfdoc.Truncate(title, 60), pdfdoc.PageNumber+" / "+pdfdoc.PageCount)
	d.PDF.AddPage()
	d.PDF.SetFont("Helvetica", "B", 14)
	d.PDF.MultiCell(d.ContentW(), 7, d.Text(title), "", "L", false)
	d.PDF.Ln(2)
	return d, nil
}

// PreJuryPDF writes the pre-jury list of a cohort: the students who cannot graduate
// (blocked or at risk), with what remains of each and why (programme director, office,
// jury; audited by Matrix).
func (s *Service) PreJuryPDF(ctx context.Context, p *authz.Principal, uai string, cohortID int64, w io.Writer, lang string) error {
	m, reasons, err := s.ExportMatrix(ctx, p, uai, cohortID)
	if err != nil {
		return err
	}
	title := i18n.T(lang, "graduation.pdf.prejury", m.Cohort.Code, calendar.LongDate(lang, mustDate(m.Cohort.JuryDate)))
	d, err := startDoc(title, lang, s)
	if err != nil {
		return apperr.Internal(err)
	}
	t := &pdfdoc.Table{Caption: d.Text(title), Continued: d.Text(" " + i18n.T(lang, "graduation.pdf.continued")), Cols: []pdfdoc.Column{
		{Head: d.Text(i18n.T(lang, "graduation.student")), W: 50, Align: "L"},
		{Head: d.Text(i18n.T(lang, "graduation.summary")), W: 25, Align: "L"},
		{Head: d.Text(i18n.T(lang, "graduation.pdf.remaining")), W: d.ContentW() - 75, Align: "L"}}}
	n := 0
	for _, r := range m.Rows {
		if r.Summary.Status == Graduable || r.Summary.Status == OnTrack {
			continue
		}
		n++
		var why []string
		for i, c := range r.Cells {
			rule := m.Rules[i]
			if !rule.Mandatory || c.State.Done() {
				continue
			}
			line := fmt.Sprintf("%s : %s (%s %s)", rule.Label, stateWord(lang, c.State), i18n.T(lang, "graduation.deadline"), calendar.LongDate(lang, mustDate(rule.Deadline)))
			if reasons[c.ItemID] != "" {
				line += " — " + reasons[c.ItemID]
			}
			why = append(why, line)
		}
		if len(why) == 0 {
			why = append(why, i18n.T(lang, "graduation.pdf.lapse"))
		}
		d.Row(t, []pdfdoc.Cell{{Text: d.Text(r.LastName + " " + r.FirstName + " (" + r.Number + ")")},
			{Text: d.Text(i18n.T(lang, "graduation.status."+string(r.Summary.Status)))}, {Text: d.Para(strings.Join(why, "\n"))}})
	}
	if n == 0 {
		d.PDF.SetFont("Helvetica", "", 10)
		d.PDF.MultiCell(d.ContentW(), 6, d.Text(i18n.T(lang, "graduation.pdf.none")), "", "L", false)
	}
	// The jury's minutes of the session, for those who may read them (audited).
	if CanMinutes(p, m.Cohort.EstablishmentID) {
		minutes, err := s.minutes(ctx, m.Cohort.EstablishmentID, m.Cohort.ID, m.Cohort.JuryDate)
		if err != nil {
			return err
		}
		if len(minutes) > 0 {
			if err := s.audit.Record(ctx, audit.Event{Action: audit.GraduationMinutesRead, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
				EstablishmentID: &m.Cohort.EstablishmentID, Detail: map[string]any{"cohort_id": m.Cohort.ID, "session_date": m.Cohort.JuryDate, "pdf": true}}); err != nil {
				return err
			}
			d.PDF.Ln(4)
			d.PDF.SetFont("Helvetica", "B", 12)
			d.PDF.MultiCell(d.ContentW(), 7, d.Text(i18n.T(lang, "graduation.minutes.title")), "", "L", false)
			d.PDF.SetFont("Helvetica", "", 10)
			d.PDF.MultiCell(d.ContentW(), 5, d.Para(minutes[0].Text), "", "L", false)
		}
	}
	return d.Output(w)
}

// StatementPDF writes a student's statement of graduation conditions: every rule of
// his cohort, its state, deadline and reason (the student himself, or staff).
func (s *Service) StatementPDF(ctx context.Context, p *authz.Principal, uai string, studentID int64, w io.Writer, lang string) error {
	cl, err := s.Checklist(ctx, p, uai, studentID)
	if err != nil {
		return err
	}
	title := i18n.T(lang, "graduation.pdf.statement", cl.Cohort.Code)
	d, err := startDoc(title, lang, s)
	if err != nil {
		return apperr.Internal(err)
	}
	d.Field(d.Text(i18n.T(lang, "graduation.summary")), d.Text(i18n.T(lang, "graduation.status."+string(cl.Summary.Status))))
	d.Field(d.Text(i18n.T(lang, "graduation.pdf.progress")), d.Text(fmt.Sprintf("%d / %d", cl.Done, cl.Total)))
	d.Field(d.Text(i18n.T(lang, "graduation.pdf.jury")), d.Text(calendar.LongDate(lang, mustDate(cl.Cohort.JuryDate))))
	d.PDF.Ln(3)
	t := &pdfdoc.Table{Caption: d.Text(title), Continued: d.Text(" " + i18n.T(lang, "graduation.pdf.continued")), Cols: []pdfdoc.Column{
		{Head: d.Text(i18n.T(lang, "graduation.rule")), W: 70, Align: "L"},
		{Head: d.Text(i18n.T(lang, "graduation.state")), W: 28, Align: "L"},
		{Head: d.Text(i18n.T(lang, "graduation.deadline")), W: 32, Align: "L"},
		{Head: d.Text(i18n.T(lang, "graduation.details")), W: d.ContentW() - 130, Align: "L"}}}
	for _, it := range cl.Items {
		label := it.Rule.Label
		if !it.Rule.Mandatory {
			label += " (" + i18n.T(lang, "graduation.optional") + ")"
		}
		details := it.Reason
		if it.ValidUntil != "" {
			details = strings.TrimSpace(details + " " + i18n.T(lang, "graduation.valid_until") + " " + calendar.LongDate(lang, mustDate(it.ValidUntil)))
		}
		d.Row(t, []pdfdoc.Cell{{Text: d.Text(label)}, {Text: d.Text(stateWord(lang, it.State))},
			{Text: d.Text(calendar.LongDate(lang, mustDate(it.Rule.Deadline)))}, {Text: d.Para(details)}})
	}
	return d.Output(w)
}

// mustDate reads a stored civil date (a zero time for a bad one, which LongDate shows
// as such: stored dates were checked when written).
func mustDate(s string) time.Time {
	x, err := calendar.ParseDate(s)
	if err != nil {
		return time.Time{}
	}
	return x
}
