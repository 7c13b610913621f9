package marks

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/pdfdoc"
	"github.com/cartable/cartable/internal/store"
)

// CardLine is a subject of a report card.
type CardLine struct {
	Subject      string `json:"subject"`
	Teacher      string `json:"teacher"`
	Coef         int64  `json:"coefficient"`
	Average      int64  `json:"average"`
	HasAverage   bool   `json:"has_average"`
	Class        Stats  `json:"class"`
	Appreciation string `json:"appreciation"`
}

// ReportCard is a pupil's bulletin for a period.
type ReportCard struct {
	Establishment establishment.Establishment `json:"-"`
	Class         Class                       `json:"class"`
	Period        Period                      `json:"period"`
	Pupil         Pupil                       `json:"pupil"`
	Lines         []CardLine                  `json:"lines"`
	General       int64                       `json:"general"`
	HasGeneral    bool                        `json:"has_general"`
	GeneralStats  Stats                       `json:"general_stats"`
	Rank          int                         `json:"rank,omitempty"`
	ClassSize     int                         `json:"class_size"`
	Opinion       Opinion                     `json:"opinion"`
	// Absences, when the establishment records them, are half-days (nil: not recorded,
	// and the card says nothing of them).
	Absences  *int   `json:"absences,omitempty"`
	PublishOn string `json:"publish_on"`
	// Duplicate marks a card issued before: printed "DUPLICATA".
	Duplicate bool `json:"duplicate"`
}

func (co Council) card(pu Pupil) ReportCard {
	rc := ReportCard{Establishment: co.E, Class: co.Class, Period: co.Period, Pupil: pu, ClassSize: len(co.Pupils),
		Opinion: co.Opinions[pu.StudentID], PublishOn: co.Lock.PublishOn, GeneralStats: co.Results.GeneralStats}
	for _, sv := range co.Services {
		avg, ok := co.Results.Subject[pu.StudentID][sv.ID]
		rc.Lines = append(rc.Lines, CardLine{Subject: sv.Subject, Teacher: sv.TeacherName, Coef: sv.Coef, Average: avg, HasAverage: ok,
			Class: co.Results.SubjectStats[sv.ID], Appreciation: co.Appreciations[pu.StudentID][sv.ID]})
	}
	rc.General, rc.HasGeneral = co.Results.General[pu.StudentID]
	rc.Rank = co.Results.Rank[pu.StudentID]
	return rc
}

// issue counts an issue of a pupil's card and tells whether it is a duplicate.
func (s *Service) issue(ctx context.Context, estID, periodID, classID, studentID int64) (bool, error) {
	var n int64
	err := s.db.QueryRow(ctx, `INSERT INTO report_card_issues (establishment_id, period_id, class_id, student_id, first_issued_at, issues)
		VALUES ($1, $2, $3, $4, $5, 1)
		ON CONFLICT (period_id, class_id, student_id) DO UPDATE SET issues = report_card_issues.issues + 1
		RETURNING issues`, estID, periodID, classID, studentID, s.now()).Scan(&n)
	return n > 1, err
}

// issued tells whether the school has issued a pupil's card (its original).
func (s *Service) issued(ctx context.Context, periodID, classID, studentID int64) (bool, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT issues FROM report_card_issues WHERE period_id = $1 AND class_id = $2 AND student_id = $3`,
		periodID, classID, studentID).Scan(&n)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return n > 0, err
}

// pupilAccess resolves what p may read of a class's period: staff read everything; a
// pupil reads his own card once published. It returns the establishment and, for a
// pupil, his student id.
func (s *Service) pupilAccess(ctx context.Context, p *authz.Principal, uai string) (establishment.Establishment, bool, map[int64]bool, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector, authz.RoleStudent)
	if err != nil {
		return e, false, nil, err
	}
	if p.IsPlatformAdmin() || p.Has(authz.RoleAdmin, e.ID) || p.Has(authz.RoleTeacher, e.ID) || p.Has(authz.RoleInspector, e.ID) {
		return e, true, nil, nil
	}
	mine, err := s.students.Mine(ctx, p)
	if err != nil {
		return e, false, nil, err
	}
	own := map[int64]bool{}
	for _, st := range mine {
		if st.EstablishmentID == e.ID {
			own[st.ID] = true
		}
	}
	return e, false, own, nil
}

// ReportCardPDF writes a pupil's report card for a class's period: staff once the
// council locked it (audited), the pupil himself from its publication day. Every issue
// after the first is printed "DUPLICATA".
func (s *Service) ReportCardPDF(ctx context.Context, p *authz.Principal, uai string, classID, periodID, studentID int64, w io.Writer, lang string) error {
	e, staff, own, err := s.pupilAccess(ctx, p, uai)
	if err != nil {
		return err
	}
	if !staff && !own[studentID] {
		return apperr.NotFound("report_card_not_found", "no such report card")
	}
	c, err := s.year.Class(ctx, e.ID, classID)
	if err != nil {
		return err
	}
	pe, err := s.year.Period(ctx, e.ID, periodID)
	if err != nil {
		return err
	}
	co, err := s.council(ctx, e, c, pe)
	if err != nil {
		return err
	}
	if !co.Lock.Locked || (!staff && !co.Lock.Published(calendar.Date(s.now()))) {
		return apperr.NotFound("report_card_not_found", "no such report card")
	}
	var pu Pupil
	for _, x := range co.Pupils {
		if x.StudentID == studentID {
			pu = x
		}
	}
	if pu.StudentID == 0 {
		return apperr.NotFound("report_card_not_found", "no such report card")
	}
	rc := co.card(pu)
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if !staff {
			// The pupil's own copy, online, issues nothing: it is a duplicate of the
			// original once the school has issued it, and reading it changes nothing (a
			// GET, which a link from another site could make him send).
			rc.Duplicate, err = s.issued(ctx, pe.ID, c.ID, pu.StudentID)
			return err
		}
		if rc.Duplicate, err = s.issue(ctx, e.ID, pe.ID, c.ID, pu.StudentID); err != nil {
			return err
		}
		if staff {
			return s.record(ctx, p, e.ID, audit.MarksReportCardRead, map[string]any{"class_id": c.ID, "period_id": pe.ID, "student_id": pu.StudentID, "duplicate": rc.Duplicate})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeCard(w, rc, lang)
}

// CardName is a report card's file name in a ZIP: class, name, period.
func CardName(rc ReportCard) string {
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r == ':' || r < 32 {
				return '_'
			}
			return r
		}, s)
		// A name of dots would be a parent directory for a careless unzip tool.
		if strings.Trim(s, ". ") == "" {
			return "_" + s
		}
		return s
	}
	return clean(rc.Class.Name) + "/" + clean(rc.Pupil.Name()) + " - " + strconv.FormatInt(rc.Pupil.StudentID, 10) + ".pdf"
}

// ClassReportCardsZIP streams the report cards of a locked class's period as one ZIP
// (staff; audited once): one PDF at a time, so memory stays bounded whatever the class.
func (s *Service) ClassReportCardsZIP(ctx context.Context, p *authz.Principal, uai string, classID, periodID int64, w io.Writer, lang string) error {
	e, c, pe, err := s.classScope(ctx, p, uai, classID, periodID)
	if err != nil {
		return err
	}
	co, err := s.council(ctx, e, c, pe)
	if err != nil {
		return err
	}
	if !co.Lock.Locked {
		return apperr.Conflict("class_not_locked", "the class council has not locked this period: no report card yet")
	}
	if err := s.record(ctx, p, e.ID, audit.MarksReportCardRead, map[string]any{"class_id": c.ID, "period_id": pe.ID, "zip": true}); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	if err := s.zipCouncil(ctx, zw, co, lang); err != nil {
		return err
	}
	return zw.Close()
}

// EstablishmentReportCardsZIP streams the report cards of every locked class of the
// period's year (an admin; audited once), class after class.
func (s *Service) EstablishmentReportCardsZIP(ctx context.Context, p *authz.Principal, uai string, periodID int64, w io.Writer, lang string) error {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return err
	}
	pe, err := s.year.Period(ctx, e.ID, periodID)
	if err != nil {
		return err
	}
	classes, err := s.year.Classes(ctx, e.ID, pe.YearID)
	if err != nil {
		return err
	}
	if err := s.record(ctx, p, e.ID, audit.MarksReportCardRead, map[string]any{"period_id": pe.ID, "zip": true, "establishment": true}); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, c := range classes {
		co, err := s.council(ctx, e, c, pe)
		if err != nil {
			return err
		}
		if !co.Lock.Locked {
			continue
		}
		if err := s.zipCouncil(ctx, zw, co, lang); err != nil {
			return err
		}
	}
	return zw.Close()
}

func (s *Service) zipCouncil(ctx context.Context, zw *zip.Writer, co Council, lang string) error {
	for _, pu := range co.Pupils {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc := co.card(pu)
		var err error
		if rc.Duplicate, err = s.issue(ctx, co.E.ID, co.Period.ID, co.Class.ID, pu.StudentID); err != nil {
			return err
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: CardName(rc), Method: zip.Store, Modified: s.now()})
		if err != nil {
			return err
		}
		if err := s.writeCard(f, rc, lang); err != nil {
			return err
		}
	}
	return nil
}

// mentionWord is a mention in words.
func mentionWord(lang, m string) string {
	if m == "" {
		return ""
	}
	return i18n.T(lang, "marks.mention."+m)
}

// writeCard draws a report card: the establishment, the pupil, one line per subject
// (teacher, average, class average, min, max, appreciation), the general average, the
// council's appreciation, mention and decision.
func (s *Service) writeCard(w io.Writer, rc ReportCard, lang string) error {
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	title := t("marks.card.title", rc.Period.Label, rc.Period.Year)
	tag := "fr-FR"
	if lang == "en" {
		tag = "en-GB"
	}
	d, err := pdfdoc.New(pdfdoc.Options{Title: title, Lang: tag, Generated: s.now(), Left: 12, Top: 14, Right: 12, Bottom: 282, AutoPageBreak: true, LabelW: 38})
	if err != nil {
		return apperr.Internal(err)
	}
	footer := rc.Establishment.Name + " — " + rc.Pupil.Name()
	d.Footer(pdfdoc.PageH-10, pdfdoc.Truncate(footer, 70), pdfdoc.PageNumber+" / "+pdfdoc.PageCount)
	d.PDF.AddPage()
	if rc.Duplicate {
		d.PDF.SetFont("Helvetica", "B", 11)
		d.PDF.SetTextColor(170, 0, 0)
		d.PDF.CellFormat(d.ContentW(), 6, d.Text(t("marks.card.duplicate", calendar.Date(s.now()))), "", 1, "R", false, 0, "")
		d.PDF.SetTextColor(0, 0, 0)
	}
	d.PDF.SetFont("Helvetica", "B", 13)
	d.PDF.MultiCell(d.ContentW(), 6, d.Text(rc.Establishment.Name+" ("+rc.Establishment.UAI+")"), "", "L", false)
	d.PDF.SetFont("Helvetica", "B", 12)
	d.PDF.MultiCell(d.ContentW(), 6, d.Text(title), "", "L", false)
	d.PDF.Ln(1)
	d.Field(t("marks.card.pupil"), rc.Pupil.Name())
	d.Field(t("marks.card.class"), fmt.Sprintf("%s (%d %s)", rc.Class.Name, rc.ClassSize, t("marks.card.pupils")))
	if rc.Absences != nil {
		d.Field(t("marks.card.absences"), strconv.Itoa(*rc.Absences))
	}
	d.PDF.Ln(2)
	avg := func(v int64, ok bool) string {
		if !ok {
			return "—"
		}
		return FormatAverage(v, lang)
	}
	rest := d.ContentW() - 42 - 16 - 16 - 28
	tb := &pdfdoc.Table{Caption: d.Text(title), Continued: d.Text(" " + t("marks.card.continued")), Cols: []pdfdoc.Column{
		{Head: d.Text(t("marks.card.subject")), W: 42, Align: "L"},
		{Head: d.Text(t("marks.card.average")), W: 16, Align: "R"},
		{Head: d.Text(t("marks.card.class_average")), W: 16, Align: "R"},
		{Head: d.Text(t("marks.card.min_max")), W: 28, Align: "C"},
		{Head: d.Text(t("marks.card.appreciation")), W: rest, Align: "L"}}}
	for _, l := range rc.Lines {
		subject := l.Subject
		if l.Teacher != "" {
			subject += "\n" + l.Teacher
		}
		if l.Coef != DefaultCoef {
			subject += "\n" + t("marks.card.coef", FormatPoints(l.Coef, lang))
		}
		mm := "—"
		if l.Class.N > 0 {
			mm = FormatAverage(l.Class.Min, lang) + " / " + FormatAverage(l.Class.Max, lang)
		}
		d.Row(tb, []pdfdoc.Cell{{Text: d.Para(subject)}, {Text: d.Text(avg(l.Average, l.HasAverage))},
			{Text: d.Text(avg(l.Class.Avg, l.Class.N > 0))}, {Text: d.Text(mm)}, {Text: d.Para(l.Appreciation)}})
	}
	gen := avg(rc.General, rc.HasGeneral)
	gmm := "—"
	if rc.GeneralStats.N > 0 {
		gmm = FormatAverage(rc.GeneralStats.Min, lang) + " / " + FormatAverage(rc.GeneralStats.Max, lang)
	}
	d.Row(tb, []pdfdoc.Cell{{Text: d.Text(t("marks.card.general"))}, {Text: d.Text(gen)},
		{Text: d.Text(avg(rc.GeneralStats.Avg, rc.GeneralStats.N > 0))}, {Text: d.Text(gmm)}, {Text: ""}})
	d.PDF.Ln(3)
	if rc.Rank > 0 {
		d.Field(t("marks.card.rank"), fmt.Sprintf("%d / %d", rc.Rank, rc.GeneralStats.N))
	}
	d.PDF.SetFont("Helvetica", "B", 11)
	d.PDF.MultiCell(d.ContentW(), 6, d.Text(t("marks.card.council")), "", "L", false)
	d.PDF.SetFont("Helvetica", "", 10)
	if rc.Opinion.Appreciation != "" {
		d.Paragraph(t("marks.card.general_appreciation"), rc.Opinion.Appreciation)
	}
	if rc.Opinion.Mention != "" {
		d.Field(t("marks.card.mention"), mentionWord(lang, rc.Opinion.Mention))
	}
	if rc.Opinion.Decision != "" {
		d.Paragraph(t("marks.card.decision"), rc.Opinion.Decision)
	}
	d.PDF.Ln(2)
	d.PDF.SetFont("Helvetica", "I", 8)
	d.PDF.MultiCell(d.ContentW(), 4, d.Text(t("marks.card.rule")), "", "L", false)
	return d.Output(w)
}
