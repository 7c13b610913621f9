package cli

import (
	"context"
	"fmt"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/marks"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/student"
)

// demoMarks gives the demo student's class at Canuts (its school year fed by the SIECLE
// import) three subjects taught by prof.canuts, its main teacher: marks of the first
// period, its council's appreciations and report cards published today; and one
// assessment of the second period, still open, to type marks in.
func demoMarks(ctx context.Context, app *App, ids map[string]int64) ([]demoLink, error) {
	op := authz.OperatorPrincipal()
	const uai = "0691234S"
	page, err := app.Students.List(ctx, op, uai, student.Filter{Status: student.StatusActive, Limit: 1})
	if err != nil || len(page.Students) == 0 {
		return nil, err
	}
	st := page.Students[0]
	estID := ids[uai]
	sy := app.SchoolYear
	y, err := sy.CurrentYear(ctx, estID)
	if err != nil {
		return nil, err
	}
	periods, err := sy.Periods(ctx, estID, y.ID)
	if err != nil || len(periods) < 2 {
		return nil, fmt.Errorf("the school year has %d periods: %v", len(periods), err)
	}
	n, err := sy.EnrolmentOf(ctx, estID, y.ID, st.ID)
	if err != nil {
		return nil, err
	}
	c, err := sy.Class(ctx, estID, n.ClassID)
	if err != nil {
		return nil, err
	}
	prof, err := app.Accounts.ByLogin(ctx, op, "prof.canuts")
	if err != nil {
		return nil, err
	}
	if c, err = sy.SaveClass(ctx, op, uai, y.ID, schoolyear.ClassInput{Code: c.Code, Label: c.Label, MEF: c.MEF, Capacity: c.Capacity, MainTeacherID: prof.ID}); err != nil {
		return nil, err
	}
	all, err := sy.ClassPupils(ctx, estID, c.ID)
	if err != nil {
		return nil, err
	}
	var pupils []schoolyear.Pupil
	for _, p := range all {
		if p.Status != schoolyear.Left {
			pupils = append(pupils, p)
		}
	}
	subjects := []struct {
		code, label string
		coef        int
		tests       []marks.AssessmentInput
	}{
		{"MATHS", "Mathématiques", 300, []marks.AssessmentInput{{Title: "Équations du premier degré"}, {Title: "Devoir maison — proportionnalité", OutOf: "10", Coef: "0,5"}, {Title: "Contrôle de géométrie", Coef: "2"}}},
		{"FRANCAIS", "Français", 200, []marks.AssessmentInput{{Title: "Dictée"}, {Title: "Rédaction", Coef: "2"}}},
		{"ANGLAIS", "Anglais", 100, []marks.AssessmentInput{{Title: "Oral — présentation", OutOf: "40"}, {Title: "Compréhension écrite"}}},
	}
	first, second := periods[0], periods[1]
	for si, sub := range subjects {
		coef := sub.coef
		sv, err := sy.SaveTeaching(ctx, op, uai, y.ID, schoolyear.TeachingInput{ClassCode: c.Code, SubjectCode: sub.code, SubjectLabel: sub.label, TeacherID: prof.ID, Coefficient: &coef})
		if err != nil {
			return nil, err
		}
		for ti, in := range sub.tests {
			in.Date = first.StartDate
			a, err := app.Marks.CreateAssessment(ctx, op, uai, sv.ID, first.ID, in)
			if err != nil {
				return nil, err
			}
			var changes []marks.Change
			for pi, p := range pupils {
				// Marks spread over the scale, deterministic; now and then an absence.
				v := (pi*37+si*11+ti*23)%16 + 4
				value := fmt.Sprintf("%d,%d", v, (pi+ti)%2*5)
				switch {
				case (pi+ti+si)%19 == 7:
					value = "ABS"
				case a.OutOf != marks.DefaultOutOf:
					value = marks.FormatPoints(int64(v)*a.OutOf/20, "fr")
				}
				changes = append(changes, marks.Change{StudentID: p.StudentID, AssessmentID: a.ID, Value: value})
			}
			if _, err := app.Marks.SaveMarks(ctx, op, uai, sv.ID, first.ID, changes); err != nil {
				return nil, err
			}
		}
		if _, err := app.Marks.CreateAssessment(ctx, op, uai, sv.ID, second.ID, marks.AssessmentInput{Title: "Premier contrôle du " + second.Code(), Date: second.StartDate}); err != nil {
			return nil, err
		}
		var apps []marks.Appreciation
		for pi, p := range pupils {
			apps = append(apps, marks.Appreciation{StudentID: p.StudentID, ServiceID: sv.ID, Text: []string{"Bon travail, continuez ainsi.",
				"Des efforts réguliers, des progrès à confirmer.", "Ensemble fragile : il faut travailler davantage."}[(pi+si)%3]})
		}
		if err := app.Marks.SaveCouncil(ctx, op, uai, c.ID, first.ID, marks.CouncilInput{Appreciations: apps}); err != nil {
			return nil, err
		}
	}
	opinions := map[int64]marks.Opinion{}
	for pi, p := range pupils {
		o := marks.Opinion{Appreciation: "Trimestre satisfaisant dans l'ensemble.", Decision: ""}
		switch pi % 4 {
		case 0:
			o = marks.Opinion{Appreciation: "Excellent semestre : félicitations du conseil.", Mention: "felicitations"}
		case 1:
			o = marks.Opinion{Appreciation: "Un travail sérieux et régulier.", Mention: "encouragements"}
		}
		opinions[p.StudentID] = o
	}
	if err := app.Marks.SaveCouncil(ctx, op, uai, c.ID, first.ID, marks.CouncilInput{Opinions: opinions}); err != nil {
		return nil, err
	}
	if _, err := app.Marks.SetLock(ctx, op, uai, c.ID, first.ID, true, calendar.Date(app.Now())); err != nil {
		return nil, err
	}
	return nil, nil
}
