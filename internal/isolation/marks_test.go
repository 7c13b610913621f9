package isolation

import (
	"context"
	"fmt"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/marks"
	"github.com/cartable/cartable/internal/schoolyear"
)

// marksIDs are an establishment's objects of marks: a service, a period, a class, an
// assessment, a pupil with a mark, an appreciation and a published report card.
type marksIDs struct {
	serviceID, periodID, classID, assessmentID, studentID int64
}

func init() {
	svc := func(prefix, suffix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/marks/services/%d/periods/%d%s", prefix, b.uai, b.marks.serviceID, b.marks.periodID, suffix)
		}
	}
	council := func(prefix, suffix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/marks/classes/%d/periods/%d%s", prefix, b.uai, b.marks.classID, b.marks.periodID, suffix)
		}
	}
	assessment := func(prefix, suffix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/marks/assessments/%d%s", prefix, b.uai, b.marks.assessmentID, suffix)
		}
	}
	card := func(prefix string) func(objects) string {
		return func(b objects) string {
			return fmt.Sprintf("%s/establishments/%s/marks/classes/%d/periods/%d/report-cards/%d.pdf", prefix, b.uai, b.marks.classID, b.marks.periodID, b.marks.studentID)
		}
	}
	for pattern, build := range map[string]func(objects) string{
		"GET /establishments/{uai}/marks":                                                func(b objects) string { return "/establishments/" + b.uai + "/marks" },
		"GET /establishments/{uai}/marks/services/{sid}/periods/{pid}":                   svc("", ""),
		"POST /establishments/{uai}/marks/services/{sid}/periods/{pid}":                  svc("", ""),
		"POST /establishments/{uai}/marks/services/{sid}/periods/{pid}/cells":            svc("", "/cells"),
		"POST /establishments/{uai}/marks/services/{sid}/periods/{pid}/assessments":      svc("", "/assessments"),
		"POST /establishments/{uai}/marks/assessments/{aid}":                             assessment("", ""),
		"POST /establishments/{uai}/marks/assessments/{aid}/delete":                      assessment("", "/delete"),
		"GET /establishments/{uai}/marks/services/{sid}/periods/{pid}/sheet.csv":         svc("", "/sheet.csv"),
		"GET /establishments/{uai}/marks/services/{sid}/periods/{pid}/sheet.xlsx":        svc("", "/sheet.xlsx"),
		"POST /establishments/{uai}/marks/services/{sid}/periods/{pid}/sheet":            svc("", "/sheet"),
		"GET /establishments/{uai}/marks/classes/{cid}/periods/{pid}":                    council("", ""),
		"POST /establishments/{uai}/marks/classes/{cid}/periods/{pid}":                   council("", ""),
		"POST /establishments/{uai}/marks/classes/{cid}/periods/{pid}/lock":              council("", "/lock"),
		"GET /establishments/{uai}/marks/classes/{cid}/periods/{pid}/report-cards.zip":   council("", "/report-cards.zip"),
		"GET /establishments/{uai}/marks/classes/{cid}/periods/{pid}/report-cards/{sid}": card(""),
		"GET /establishments/{uai}/marks/periods/{pid}/report-cards.zip": func(b objects) string {
			return fmt.Sprintf("/establishments/%s/marks/periods/%d/report-cards.zip", b.uai, b.marks.periodID)
		},
		"GET /api/v1/establishments/{uai}/marks/services/{sid}/periods/{pid}":                   svc("/api/v1", ""),
		"PUT /api/v1/establishments/{uai}/marks/services/{sid}/periods/{pid}/marks":             svc("/api/v1", "/marks"),
		"POST /api/v1/establishments/{uai}/marks/services/{sid}/periods/{pid}/assessments":      svc("/api/v1", "/assessments"),
		"GET /api/v1/establishments/{uai}/marks/classes/{cid}/periods/{pid}":                    council("/api/v1", ""),
		"GET /api/v1/establishments/{uai}/marks/classes/{cid}/periods/{pid}/report-cards/{sid}": card("/api/v1"),
	} {
		cases[pattern] = build
	}
}

// marksOf gives establishment e (of secondary education) a school year, a class with
// student studentID, a service taught by teacherID, an assessment titled "Devoir secret
// <name>" with his mark, the council's appreciation "Appréciation secrète <name>", and
// his report card locked and published.
func marksOf(t *testing.T, s *apptest.Server, e establishment.Establishment, studentID, teacherID int64, name string) marksIDs {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	sy := s.App.SchoolYear
	y, err := sy.CurrentYear(ctx, e.ID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		y, err = sy.SaveYear(ctx, op, e.UAI, schoolyear.YearInput{StartYear: s.Clock.Now().Year(), PeriodKind: schoolyear.Semestre})
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Periods) == 0 {
		if y.Periods, err = sy.Periods(ctx, e.ID, y.ID); err != nil || len(y.Periods) == 0 {
			t.Fatalf("periods: %v", err)
		}
	}
	c, err := sy.SaveClass(ctx, op, e.UAI, y.ID, schoolyear.ClassInput{Code: "MK-" + name, MainTeacherID: teacherID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sy.Enrol(ctx, op, e.UAI, y.ID, schoolyear.EnrolmentInput{StudentID: studentID, ClassID: c.ID}); err != nil {
		t.Fatal(err)
	}
	sv, err := sy.SaveTeaching(ctx, op, e.UAI, y.ID, schoolyear.TeachingInput{ClassCode: c.Code, SubjectCode: "SECRET", SubjectLabel: "Matière " + name, TeacherID: teacherID})
	if err != nil {
		t.Fatal(err)
	}
	m := s.App.Marks
	pid := y.Periods[0].ID
	a, err := m.CreateAssessment(ctx, op, e.UAI, sv.ID, pid, marks.AssessmentInput{Title: "Devoir secret " + name, Date: y.Periods[0].StartDate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.SaveMarks(ctx, op, e.UAI, sv.ID, pid, []marks.Change{{StudentID: studentID, AssessmentID: a.ID, Value: "17,25"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.SaveCouncil(ctx, op, e.UAI, c.ID, pid, marks.CouncilInput{Opinions: map[int64]marks.Opinion{studentID: {Appreciation: "Appréciation secrète " + name}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.SetLock(ctx, op, e.UAI, c.ID, pid, true, "2000-01-01"); err != nil {
		t.Fatal(err)
	}
	return marksIDs{serviceID: sv.ID, periodID: pid, classID: c.ID, assessmentID: a.ID, studentID: studentID}
}
