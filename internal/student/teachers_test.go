package student_test

import (
	"context"
	"testing"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
)

// TestClassTeachers: an administrator of A assigns A's teachers to A's classes; the
// teacher finds them in MyClasses with their formation; nobody assigns a class of
// another establishment, a teacher of another establishment (even one holding roles in
// both), or a class nobody is in.
func TestClassTeachers(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorld(t, s)
		adminOfA := authz.Membership{Role: authz.RoleAdmin, EstablishmentID: w.a.ID, UAI: w.a.UAI}
		teacherOfA := authz.Membership{Role: authz.RoleTeacher, EstablishmentID: w.a.ID, UAI: w.a.UAI}
		teacherOfB := authz.Membership{Role: authz.RoleTeacher, EstablishmentID: w.b.ID, UAI: w.b.UAI}
		adminA := s.CreateUser("admin.a", adminOfA)
		prof := s.CreateUser("prof.a", teacherOfA)
		// Teacher in B, administrator in A: not a teacher of A.
		both := s.CreateUser("prof.b", teacherOfB, adminOfA)
		pAdmin, pProf, pBoth := principal(adminA.ID, "admin.a", adminOfA), principal(prof.ID, "prof.a", teacherOfA),
			principal(both.ID, "prof.b", teacherOfB, adminOfA)

		if err := s.App.Students.AssignTeacher(ctx, pAdmin, w.a.UAI, "2A", prof.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.App.Students.AssignTeacher(ctx, pAdmin, w.a.UAI, "2A", prof.ID); err != nil {
			t.Fatalf("assigning twice: %v", err)
		}
		mine, err := s.App.Students.MyClasses(ctx, pProf)
		if err != nil || len(mine) != 1 || mine[0].Class != "2A" || mine[0].UAI != w.a.UAI || mine[0].MEF != "24725003110" || mine[0].Active != 2 {
			t.Fatalf("my classes: %+v %v", mine, err)
		}
		list, err := s.App.Students.ClassTeachers(ctx, pProf, w.a.UAI)
		if err != nil || len(list) != 1 || list[0].Login != "prof.a" {
			t.Fatalf("class teachers: %+v %v", list, err)
		}
		for name, tc := range map[string]struct {
			p       *authz.Principal
			uai     string
			class   string
			teacher int64
			code    string
		}{
			"a teacher assigns":           {pProf, w.a.UAI, "2B", prof.ID, "forbidden"},
			"a teacher of B only":         {pAdmin, w.a.UAI, "2B", both.ID, "not_a_teacher"},
			"in B, by A's administrator":  {pAdmin, w.b.UAI, "2B", prof.ID, "forbidden"},
			"a class nobody is in":        {pAdmin, w.a.UAI, "3Z", prof.ID, "unknown_class"},
			"B's teacher assigns himself": {pBoth, w.b.UAI, "2B", both.ID, "forbidden"},
		} {
			err := s.App.Students.AssignTeacher(ctx, tc.p, tc.uai, tc.class, tc.teacher)
			if got := apperr.CodeOf(err); got != tc.code && !(tc.code == "forbidden" && apperr.KindOf(err) == apperr.KindNotFound) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if err := s.App.Students.RemoveTeacher(ctx, pAdmin, w.a.UAI, "2A", prof.ID); err != nil {
			t.Fatal(err)
		}
		if mine, _ := s.App.Students.MyClasses(ctx, pProf); len(mine) != 0 {
			t.Fatalf("after removal: %+v", mine)
		}
		evs, err := s.App.Audit.List(ctx, audit.Filter{Action: audit.ClassTeacherAssigned, Limit: 10})
		if err != nil || len(evs) != 2 {
			t.Fatalf("audit: %d %v", len(evs), err)
		}
	})
}
