package agreement

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/student"
)

// Count is one cell of the dashboard. Hidden: a count of 1 to 4 shown to pilotage (the
// small-cell rule: no cell under 5 students).
type Count struct {
	Key    string `json:"key"`
	N      int    `json:"n"`
	Hidden bool   `json:"hidden,omitempty"`
}

// Dashboard is a programme's agreements of a year, in aggregates: by state of the
// newest version, adapted agreements by status, by support measure, the distribution
// of ECTS, and the late ones (draft or to revise after the deadline).
type Dashboard struct {
	Programme string  `json:"programme"`
	Year      int     `json:"year"`
	Total     int     `json:"total"`
	ByState   []Count `json:"by_state"`
	ByStatus  []Count `json:"by_status"`
	ByMeasure []Count `json:"by_measure"`
	ECTS      []Count `json:"ects"`
	Late      Count   `json:"late"`
	Deadline  string  `json:"deadline"`
	// SmallCells tells that the small-cell rule applies (pilotage).
	SmallCells bool `json:"small_cells"`
	// Suppressed: fewer than 5 agreements, nothing is shown.
	Suppressed bool `json:"suppressed,omitempty"`
}

// ECTSBuckets are the classes of the ECTS distribution (credits of the year, exemptions
// aside).
var ECTSBuckets = []string{"0-29", "30-53", "54-59", "60", "61+"}

func bucket(t Tenths) string {
	switch e := int(t) / 10; {
	case e < 30:
		return "0-29"
	case e < 54:
		return "30-53"
	case e < 60:
		return "54-59"
	case e == 60 && int(t)%10 == 0:
		return "60"
	}
	return "61+"
}

// Dashboard returns the aggregates of a programme's agreements for a year. The office,
// directors and pilotage read it; for pilotage, no cell under 5 students (hidden), and
// nothing below 5 agreements.
func (s *Service) Dashboard(ctx context.Context, p *authz.Principal, uai, programme string, year int) (Dashboard, error) {
	d := Dashboard{Programme: programme, Year: year}
	e, err := s.resolve(ctx, p, uai, dashboard...)
	if err != nil {
		return d, err
	}
	prog, err := s.programme(ctx, e.ID, programme)
	if err != nil {
		return d, err
	}
	st, err := s.settings(ctx, prog.ID)
	if err != nil {
		return d, err
	}
	d.Deadline = st.Deadline
	d.SmallCells = !hasAny(p, e.ID, authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector)
	states, statuses, measures, ects := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	// One pass over the newest version of each agreement: its state, status, measures
	// and ECTS (summed by the database).
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var state, status, ms string
		var sum Tenths
		var n int
		if err := rows.Scan(&state, &status, &ms, &sum, &n); err != nil {
			return err
		}
		d.Total += n
		states[state] += n
		if status != "" {
			statuses[status] += n
		}
		for _, m := range strings.Fields(ms) {
			measures[m] += n
		}
		ects[bucket(sum)] += n
		return nil
	}, `SELECT v.state, g.status, v.measures, v.ects, COUNT(*) FROM agreements g
			JOIN agreement_versions v ON v.agreement_id = g.id AND v.latest
		WHERE g.establishment_id = $1 AND g.programme_id = $2 AND g.year = $3
		GROUP BY v.state, g.status, v.measures, v.ects`, e.ID, prog.ID, year)
	if err != nil {
		return d, err
	}
	late := 0
	if st.Deadline != "" && s.today() > st.Deadline {
		late = states[string(Draft)] + states[string(ToRevise)]
	}
	cell := func(k string, n int) Count {
		c := Count{Key: k, N: n}
		if d.SmallCells && n > 0 && n < smallCell {
			c.N, c.Hidden = 0, true
		}
		return c
	}
	for _, x := range States {
		d.ByState = append(d.ByState, cell(string(x), states[string(x)]))
	}
	for _, x := range Statuses {
		d.ByStatus = append(d.ByStatus, cell(x, statuses[x]))
	}
	for _, x := range Measures {
		d.ByMeasure = append(d.ByMeasure, cell(x, measures[x]))
	}
	for _, x := range ECTSBuckets {
		d.ECTS = append(d.ECTS, cell(x, ects[x]))
	}
	d.Late = cell("late", late)
	if d.SmallCells {
		// The states and the ECTS ranges each add up to the total, which is shown: one
		// cell hidden alone would be the total minus the others. A second one, the
		// smallest shown, is hidden with it (complementary suppression).
		complement(d.ByState)
		complement(d.ECTS)
		// Late is draft plus to revise: shown beside one of them hidden, it would give it.
		for _, c := range d.ByState {
			if c.Hidden && (c.Key == string(Draft) || c.Key == string(ToRevise)) && !d.Late.Hidden && d.Late.N > 0 {
				d.Late.N, d.Late.Hidden = 0, true
			}
		}
	}
	if d.SmallCells && d.Total < smallCell {
		d = Dashboard{Programme: programme, Year: year, SmallCells: true, Suppressed: true, Deadline: d.Deadline}
	}
	return d, nil
}

// complement hides, in a partition of the total with exactly one hidden cell, the
// smallest non-empty cell still shown, so that no hidden figure is the total minus the
// shown ones.
func complement(cells []Count) {
	hidden, pick := 0, -1
	for i, c := range cells {
		if c.Hidden {
			hidden++
		} else if c.N > 0 && (pick < 0 || c.N < cells[pick].N) {
			pick = i
		}
	}
	if hidden == 1 && pick >= 0 {
		cells[pick].N, cells[pick].Hidden = 0, true
	}
}

// DashboardXLSX writes the dashboard as a workbook (one sheet, one table per
// aggregate), hidden cells written "< 5".
func DashboardXLSX(lang string, d Dashboard, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	row := 1
	put := func(vals ...any) {
		cellName, _ := excelize.CoordinatesToCellName(1, row)
		_ = f.SetSheetRow(sheet, cellName, &vals)
		row++
	}
	put(i18n.T(lang, "agreement.dashboard.title"), d.Programme, d.Year)
	if d.Suppressed {
		put(i18n.T(lang, "agreement.dashboard.suppressed"))
		return f.Write(w)
	}
	put(i18n.T(lang, "agreement.dashboard.total"), d.Total)
	for _, t := range []struct {
		title, prefix string
		list          []Count
	}{{"agreement.dashboard.by_state", "agreement.state.", d.ByState}, {"agreement.dashboard.by_status", "agreement.status.", d.ByStatus},
		{"agreement.dashboard.by_measure", "agreement.measure.", d.ByMeasure}, {"agreement.dashboard.ects", "", d.ECTS},
		{"agreement.dashboard.late", "agreement.dashboard.", []Count{d.Late}}} {
		row++
		put(i18n.T(lang, t.title))
		for _, c := range t.list {
			label := c.Key
			if t.prefix != "" {
				label = i18n.T(lang, t.prefix+c.Key)
			}
			if c.Hidden {
				put(label, "< 5")
			} else {
				put(label, c.N)
			}
		}
	}
	return f.Write(w)
}

// ReportHeader is the header of the reporting export (BI tools): one line per
// agreement, its newest version.
var ReportHeader = []string{"year", "programme", "student_number", "step", "step_version", "kind", "status", "version", "state",
	"ects", "measures", "adjustments", "late"}

// Report writes the reporting export of a year (CSV, ";") for the BI tools, a page of
// 200 agreements at a time: the office and administrators export it (audited).
func (s *Service) Report(ctx context.Context, p *authz.Principal, uai string, year int, w io.Writer) (int, error) {
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(ReportHeader); err != nil {
		return 0, err
	}
	n := 0
	f := Filter{Year: year}
	for {
		rows, err := s.rows(ctx, e.ID, 0, f)
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			break
		}
		list := make([]int64, len(rows))
		for i, r := range rows {
			list[i] = r.StudentID
		}
		people, err := student.People(ctx, s.db, list)
		if err != nil {
			return n, err
		}
		progs, err := s.highered.ProgrammesOf(ctx, e.ID)
		if err != nil {
			return n, err
		}
		codes := map[int64]string{}
		for _, pr := range progs {
			codes[pr.ID] = pr.Code
		}
		for _, r := range rows {
			rec := []string{strconv.Itoa(r.Year), codes[r.ProgrammeID], people[r.StudentID].EleveID, r.Step, r.StepVersion, r.Kind, r.Status,
				strconv.Itoa(r.Version), string(r.State), strings.ReplaceAll(r.ECTS.String(), ",", "."), r.measures, r.adjustments, strconv.FormatBool(r.Late)}
			// The reporting file is opened in spreadsheets: imported values that would
			// run as formulas are defused.
			for i := range rec {
				rec[i] = competency.SpreadsheetCell(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
			n++
		}
		f.After = rows[len(rows)-1].ID
		cw.Flush()
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, s.audit.Record(ctx, audit.Event{Action: audit.AgreementExported, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
		EstablishmentID: &e.ID, Detail: map[string]any{"year": year, "report": true, "rows": n}})
}

// Programmes lists the programmes of the establishment for the dashboard's readers
// (pilotage included: codes and labels, no personal data).
func (s *Service) Programmes(ctx context.Context, p *authz.Principal, uai string) ([]highered.Programme, error) {
	e, err := s.resolve(ctx, p, uai, dashboard...)
	if err != nil {
		return nil, err
	}
	return s.highered.ProgrammesOf(ctx, e.ID)
}
