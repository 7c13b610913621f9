package cli

import (
	"context"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/student"
)

// demoSchoolYearUAIs are the demo's secondary schools: their year is cut in semesters
// (created before their SIECLE import, which then fills its classes and enrolments).
var demoSchoolYearUAIs = []string{"0691234S", "0381234K", "0442953W"}

// demoSchoolYear gives Canuts's year its teaching services (prof.canuts teaches the demo
// student's class: he is its main teacher; another teacher's services fill the other
// classes), capacities that one class exceeds, end-of-year results for the demo
// student's class and an attestation de scolarité for the demo student, whose public
// verification page is the link it returns.
func demoSchoolYear(ctx context.Context, app *App, ids map[string]int64) ([]demoLink, error) {
	op := authz.OperatorPrincipal()
	const uai = "0691234S"
	sy := app.SchoolYear
	y, err := sy.CurrentYear(ctx, ids[uai])
	if err != nil {
		return nil, err
	}
	prof, err := app.Accounts.ByLogin(ctx, op, "prof.canuts")
	if err != nil {
		return nil, err
	}
	page, err := app.Students.List(ctx, op, uai, student.Filter{Status: student.StatusActive, Limit: 1})
	if err != nil || len(page.Students) == 0 {
		return nil, err
	}
	st := page.Students[0]
	classes, err := sy.ClassesOf(ctx, ids[uai], y.ID)
	if err != nil {
		return nil, err
	}
	subjects := []struct {
		code, label string
		coef        int
	}{{"FRANC", "Français", 300}, {"MATHS", "Mathématiques", 200}, {"HIGEO", "Histoire-géographie", 150}, {"AGL1", "Anglais LV1", 150}, {"EPS", "Éducation physique et sportive", 100}}
	for i, c := range classes {
		in := schoolyear.ClassInput{Code: c.Code, Label: c.Label, MEF: c.MEF, Capacity: 24}
		mine := c.Code == st.Class
		if mine {
			in.MainTeacherID = prof.ID
		}
		if i == 1 {
			in.Capacity = max(1, c.Enrolled-2) // one class over capacity: the screen warns
		}
		if _, err := sy.SaveClass(ctx, op, uai, y.ID, in); err != nil {
			return nil, err
		}
		for j, sub := range subjects {
			t := schoolyear.TeachingInput{ClassCode: c.Code, SubjectCode: sub.code, SubjectLabel: sub.label, Coefficient: &sub.coef}
			if mine && j < 2 {
				t.TeacherID = prof.ID
			}
			if _, err := sy.SaveTeaching(ctx, op, uai, y.ID, t); err != nil {
				return nil, err
			}
		}
	}
	// A group across classes: Latin.
	one := 100
	if _, err := sy.SaveTeaching(ctx, op, uai, y.ID, schoolyear.TeachingInput{GroupCode: "LATIN", SubjectCode: "LCALA", SubjectLabel: "Latin", Coefficient: &one}); err != nil {
		return nil, err
	}
	// The demo student's class: end-of-year results (a dry run of the campaign shows them).
	if c, err := sy.ClassByCode(ctx, ids[uai], y.ID, st.Class); err == nil {
		pupils, err := sy.ClassPupils(ctx, ids[uai], c.ID)
		if err != nil {
			return nil, err
		}
		var res []schoolyear.Result
		for i, p := range pupils {
			if p.Status == schoolyear.Left {
				continue
			}
			r := schoolyear.Result{StudentID: p.StudentID, Decision: "passage"}
			switch i % 7 {
			case 3:
				r.Decision = "redoublement"
			case 5:
				r.Decision, r.Orientation = "orientation", "CAP en un an"
			}
			res = append(res, r)
		}
		if _, err := sy.SaveResults(ctx, op, uai, y.ID, res); err != nil {
			return nil, err
		}
	}
	a, err := sy.IssueAttestation(ctx, op, uai, st.ID)
	if err != nil {
		return nil, err
	}
	return []demoLink{{login: "-", what: "anyone: verification of " + st.Login + "'s attestation de scolarité (QR code of its PDF)", url: sy.VerifyURL(a.Token)}}, nil
}
