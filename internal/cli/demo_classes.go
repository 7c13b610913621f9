package cli

import (
	"context"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/student"
)

// demoClasses assigns Canuts's teacher (prof.canuts) to two classes: the demo student's,
// which has evaluations, and another one. He lands on "Mes classes", his class's latest
// grid one click away (issue 10).
func demoClasses(ctx context.Context, app *App, ids map[string]int64) ([]demoLink, error) {
	op := authz.OperatorPrincipal()
	const uai = "0691234S"
	teacher, err := app.Accounts.ByLogin(ctx, op, "prof.canuts")
	if err != nil {
		return nil, err
	}
	page, err := app.Students.List(ctx, op, uai, student.Filter{Status: student.StatusActive, Limit: 1})
	if err != nil || len(page.Students) == 0 {
		return nil, err
	}
	first := page.Students[0].Class
	if err := app.Students.AssignTeacher(ctx, op, uai, first, teacher.ID); err != nil {
		return nil, err
	}
	classes, err := app.Students.Classes(ctx, op, uai)
	if err != nil {
		return nil, err
	}
	for _, c := range classes {
		if c.Class != "" && c.Class != first && c.Active > 0 {
			return nil, app.Students.AssignTeacher(ctx, op, uai, c.Class, teacher.ID)
		}
	}
	return nil, nil
}
