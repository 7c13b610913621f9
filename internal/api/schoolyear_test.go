package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/schoolyear"
)

// TestSchoolYearAPI: an administrator creates a year, a class, a service and closes a
// period through the API; a teacher reads them and is refused the writes.
func TestSchoolYearAPI(t *testing.T) {
	s := apptest.Start(t, "sqlite")
	ctx := context.Background()
	name := "Collège API"
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0691111H", Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	admin := s.Token(s.CreateUser("adm.api", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID}))
	teacherU := s.CreateUser("prof.api", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})
	teacher := s.Token(teacherU)
	base := "/api/v1/establishments/" + e.UAI
	var y schoolyear.Year
	if r := s.Do("POST", base+"/years", admin, map[string]any{"start_year": 2026, "period_kind": "semestre"}, &y); r.StatusCode != 200 || len(y.Periods) != 2 {
		t.Fatalf("create year: %d %+v", r.StatusCode, y)
	}
	if r := s.Do("POST", base+"/years", teacher, map[string]any{"start_year": 2027}, nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("teacher creates a year: %d", r.StatusCode)
	}
	var c schoolyear.Class
	if r := s.Do("POST", fmt.Sprintf("%s/years/%d/classes", base, y.ID), admin, map[string]any{"code": "6A", "capacity": 28, "main_teacher_id": teacherU.ID}, &c); r.StatusCode != 200 || c.MainTeacherID != teacherU.ID {
		t.Fatalf("create class: %d %+v", r.StatusCode, c)
	}
	var sv schoolyear.Teaching
	if r := s.Do("POST", fmt.Sprintf("%s/years/%d/services", base, y.ID), admin, map[string]any{"class_code": "6A", "subject_code": "FRANC", "teacher_id": teacherU.ID, "coefficient": 300}, &sv); r.StatusCode != 200 || sv.Coefficient != 300 {
		t.Fatalf("create service: %d %+v", r.StatusCode, sv)
	}
	var list struct {
		Services []schoolyear.Teaching `json:"services"`
	}
	if r := s.Do("GET", fmt.Sprintf("%s/years/%d/services", base, y.ID), teacher, nil, &list); r.StatusCode != 200 || len(list.Services) != 1 {
		t.Fatalf("services as teacher: %d %+v", r.StatusCode, list)
	}
	var p schoolyear.Period
	if r := s.Do("POST", fmt.Sprintf("%s/periods/%d/close", base, y.Periods[0].ID), admin, map[string]any{"closed": true}, &p); r.StatusCode != 200 || p.Open() {
		t.Fatalf("close period: %d %+v", r.StatusCode, p)
	}
	if r := s.Do("POST", fmt.Sprintf("%s/periods/%d/close", base, y.Periods[0].ID), teacher, map[string]any{"closed": false}, nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("teacher reopens: %d", r.StatusCode)
	}
	if r := s.Do("POST", fmt.Sprintf("%s/years/%d/enrolments", base, y.ID), admin, map[string]any{"student_id": 999999}, nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("enrol an unknown student: %d", r.StatusCode)
	}
}
