// Package isolation holds the isolation matrix: for every API route and web page that
// takes an id, an account of each role in establishment A asks for establishment B's
// object and must get 403 or 404 with none of B's data. The test enumerates the
// registered routes and fails on any route it does not cover, so every new route joins
// the matrix.
package isolation

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/student"
)

// objects are establishment B's, the targets of the probes.
type objects struct {
	uai          string
	studentID    int64
	importID     int64
	evaluationID int64
	situationID  int64
	attachmentID int64
	cohortID     int64
	itemID       int64
	accountID    int64 // an account with a role in B only
	sessionID    int64 // a session of that account
	noticeID     int64 // a notice of that account (internal/notify)
	linkID       int64 // a link between that account and an identity of a provider B allows
	marks        marksIDs
	// The school year (schoolyear_test.go): B's year, a period, a class, a service, an attestation.
	yearID, periodID, classID, serviceID, attestationID int64
	agreementID                                         int64 // a learning agreement of B's student (internal/agreement)
	markers                                             []string
}

// exempt lists the routes with a wildcard that is not an object of an establishment.
var exempt = map[string]string{
	"GET /api/v1/enrollments/{token}": "a single-use secret link, not an id",
	"GET /enrol/{token}":              "a single-use secret link, not an id",
	"POST /enrol/{token}":             "a single-use secret link, not an id",
	"GET /lang/{lang}":                "the interface language",
	"GET /{$}":                        "the home page (an end-of-path marker, not an id)",
	"GET /api/v1/referentials/{code}": "referentials are platform-wide, not establishment data",
	"PUT /api/v1/referentials/{code}": "referentials are platform-wide (writes: platform administrators, tested in competency)",
	"GET /static/":                    "static files",
	"POST /api/v1/jobs/{job}/runs":    "a job name; platform administrators only (tested in api: TestJobsAPI)",
	"POST /admin/jobs/{job}":          "a job name; platform administrators only (tested in web: TestJobsPage)",
	// Single sign-on: a provider's name is platform-wide, not an establishment's object;
	// who may log in or link through it is sso's rule (sso: TestRules…).
	"POST /sso/{provider}/login":              "a provider's name; starts a login (anyone may)",
	"GET /sso/{provider}/callback":            "a provider's name; the flow cookie names the flow",
	"POST /sso/{provider}/callback":           "a provider's name; a CAS single-logout request (a validated ticket is the proof)",
	"POST /sso/{provider}/backchannel-logout": "a provider's name; a signed logout token is the proof",
	"POST /me/sso/{provider}/link":            "a provider's name; links the caller's own account",
}

// cases builds, for every covered route, the path that targets B's object.
var cases = map[string]func(b objects) string{
	"GET /api/v1/establishments/{uai}":          func(b objects) string { return "/api/v1/establishments/" + b.uai },
	"PATCH /api/v1/establishments/{uai}":        func(b objects) string { return "/api/v1/establishments/" + b.uai },
	"GET /api/v1/establishments/{uai}/students": func(b objects) string { return "/api/v1/establishments/" + b.uai + "/students" },
	"GET /api/v1/establishments/{uai}/students/{id}": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d", b.uai, b.studentID)
	},
	"GET /api/v1/establishments/{uai}/classes":         func(b objects) string { return "/api/v1/establishments/" + b.uai + "/classes" },
	"POST /api/v1/establishments/{uai}/imports/siecle": func(b objects) string { return "/api/v1/establishments/" + b.uai + "/imports/siecle" },
	"POST /api/v1/establishments/{uai}/imports/nomenclature": func(b objects) string {
		return "/api/v1/establishments/" + b.uai + "/imports/nomenclature"
	},
	"GET /api/v1/establishments/{uai}/imports":      func(b objects) string { return "/api/v1/establishments/" + b.uai + "/imports" },
	"GET /api/v1/establishments/{uai}/imports/{id}": func(b objects) string { return fmt.Sprintf("/api/v1/establishments/%s/imports/%d", b.uai, b.importID) },
	"GET /api/v1/accounts/{id}":                     func(b objects) string { return fmt.Sprintf("/api/v1/accounts/%d", b.accountID) },
	"POST /api/v1/accounts/{id}/reissue":            func(b objects) string { return fmt.Sprintf("/api/v1/accounts/%d/reissue", b.accountID) },
	"POST /api/v1/accounts/{id}/unlock":             func(b objects) string { return fmt.Sprintf("/api/v1/accounts/%d/unlock", b.accountID) },
	"POST /api/v1/accounts/{id}/expire":             func(b objects) string { return fmt.Sprintf("/api/v1/accounts/%d/expire", b.accountID) },
	"POST /api/v1/accounts/{id}/disable":            func(b objects) string { return fmt.Sprintf("/api/v1/accounts/%d/disable", b.accountID) },
	"DELETE /api/v1/me/sessions/{id}":               func(b objects) string { return fmt.Sprintf("/api/v1/me/sessions/%d", b.sessionID) },

	"PATCH /api/v1/sso/providers/{name}":                    func(b objects) string { return "/api/v1/sso/providers/academie" },
	"GET /api/v1/establishments/{uai}/sso":                  func(b objects) string { return "/api/v1/establishments/" + b.uai + "/sso" },
	"PUT /api/v1/establishments/{uai}/sso/providers/{name}": func(b objects) string { return "/api/v1/establishments/" + b.uai + "/sso/providers/academie" },
	"DELETE /api/v1/establishments/{uai}/sso/providers/{name}": func(b objects) string {
		return "/api/v1/establishments/" + b.uai + "/sso/providers/academie"
	},
	"PUT /api/v1/establishments/{uai}/sso/policies/{role}": func(b objects) string { return "/api/v1/establishments/" + b.uai + "/sso/policies/teacher" },
	"POST /api/v1/establishments/{uai}/sso/links":          func(b objects) string { return "/api/v1/establishments/" + b.uai + "/sso/links?provider=academie" },
	"GET /api/v1/accounts/{id}/sso-links":                  func(b objects) string { return fmt.Sprintf("/api/v1/accounts/%d/sso-links", b.accountID) },
	"POST /api/v1/accounts/{id}/sso-links":                 func(b objects) string { return fmt.Sprintf("/api/v1/accounts/%d/sso-links", b.accountID) },
	"DELETE /api/v1/sso-links/{id}":                        func(b objects) string { return fmt.Sprintf("/api/v1/sso-links/%d", b.linkID) },

	"GET /admin/accounts/{id}":              func(b objects) string { return fmt.Sprintf("/admin/accounts/%d", b.accountID) },
	"POST /admin/accounts/{id}/{action}":    func(b objects) string { return fmt.Sprintf("/admin/accounts/%d/reissue", b.accountID) },
	"GET /admin/establishments/{uai}":       func(b objects) string { return "/admin/establishments/" + b.uai },
	"POST /admin/establishments/{uai}":      func(b objects) string { return "/admin/establishments/" + b.uai },
	"POST /me/sessions/{id}/revoke":         func(b objects) string { return fmt.Sprintf("/me/sessions/%d/revoke", b.sessionID) },
	"POST /me/notices/{id}/read":            func(b objects) string { return fmt.Sprintf("/me/notices/%d/read", b.noticeID) },
	"POST /admin/sso/providers/{name}":      func(b objects) string { return "/admin/sso/providers/academie" },
	"GET /establishments/{uai}/sso":         func(b objects) string { return "/establishments/" + b.uai + "/sso" },
	"POST /establishments/{uai}/sso":        func(b objects) string { return "/establishments/" + b.uai + "/sso" },
	"POST /establishments/{uai}/sso/link":   func(b objects) string { return "/establishments/" + b.uai + "/sso/link" },
	"POST /establishments/{uai}/sso/import": func(b objects) string { return "/establishments/" + b.uai + "/sso/import" },
	"POST /establishments/{uai}/sso/links/{id}/unlink": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/sso/links/%d/unlink", b.uai, b.linkID)
	},
	"POST /me/sso/links/{id}/unlink":          func(b objects) string { return fmt.Sprintf("/me/sso/links/%d/unlink", b.linkID) },
	"GET /establishments/{uai}":               func(b objects) string { return "/establishments/" + b.uai },
	"GET /establishments/{uai}/students":      func(b objects) string { return "/establishments/" + b.uai + "/students" },
	"GET /establishments/{uai}/students/{id}": func(b objects) string { return fmt.Sprintf("/establishments/%s/students/%d", b.uai, b.studentID) },
	"GET /establishments/{uai}/imports":       func(b objects) string { return "/establishments/" + b.uai + "/imports" },
	"POST /establishments/{uai}/imports":      func(b objects) string { return "/establishments/" + b.uai + "/imports" },
	"GET /establishments/{uai}/imports/{id}":  func(b objects) string { return fmt.Sprintf("/establishments/%s/imports/%d", b.uai, b.importID) },
	"POST /establishments/{uai}/letters":      func(b objects) string { return "/establishments/" + b.uai + "/letters" },
	"GET /establishments/{uai}/classes":       func(b objects) string { return "/establishments/" + b.uai + "/classes" },
	"POST /establishments/{uai}/classes":      func(b objects) string { return "/establishments/" + b.uai + "/classes" },

	"GET /api/v1/establishments/{uai}/evaluations":  func(b objects) string { return "/api/v1/establishments/" + b.uai + "/evaluations" },
	"POST /api/v1/establishments/{uai}/evaluations": func(b objects) string { return "/api/v1/establishments/" + b.uai + "/evaluations" },
	"GET /api/v1/establishments/{uai}/evaluations/{id}": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/evaluations/%d", b.uai, b.evaluationID)
	},
	"PUT /api/v1/establishments/{uai}/evaluations/{id}/results": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/evaluations/%d/results", b.uai, b.evaluationID)
	},
	"DELETE /api/v1/establishments/{uai}/evaluations/{id}": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/evaluations/%d", b.uai, b.evaluationID)
	},
	"GET /api/v1/establishments/{uai}/students/{id}/results": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/results", b.uai, b.studentID)
	},
	"GET /api/v1/establishments/{uai}/students/{id}/passport": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/passport", b.uai, b.studentID)
	},
	"GET /api/v1/establishments/{uai}/students/{id}/situations": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/situations", b.uai, b.studentID)
	},
	"POST /api/v1/establishments/{uai}/students/{id}/situations": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/situations", b.uai, b.studentID)
	},
	"PUT /api/v1/establishments/{uai}/students/{id}/situations/{sid}": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/situations/%d", b.uai, b.studentID, b.situationID)
	},
	"PUT /api/v1/establishments/{uai}/students/{id}/situations/{sid}/assessment": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/situations/%d/assessment", b.uai, b.studentID, b.situationID)
	},
	"POST /api/v1/establishments/{uai}/students/{id}/situations/{sid}/attachments": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/situations/%d/attachments", b.uai, b.studentID, b.situationID)
	},
	"GET /api/v1/establishments/{uai}/students/{id}/attachments/{aid}": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/students/%d/attachments/%d", b.uai, b.studentID, b.attachmentID)
	},
	"GET /api/v1/establishments/{uai}/transfers": func(b objects) string { return "/api/v1/establishments/" + b.uai + "/transfers" },
	"GET /establishments/{uai}/transfers":        func(b objects) string { return "/establishments/" + b.uai + "/transfers" },
	"GET /establishments/{uai}/evaluations":      func(b objects) string { return "/establishments/" + b.uai + "/evaluations" },
	"POST /establishments/{uai}/evaluations":     func(b objects) string { return "/establishments/" + b.uai + "/evaluations" },
	"GET /establishments/{uai}/evaluations/{id}": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/evaluations/%d", b.uai, b.evaluationID)
	},
	"POST /establishments/{uai}/evaluations/{id}": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/evaluations/%d", b.uai, b.evaluationID)
	},
	"POST /establishments/{uai}/evaluations/{id}/cells": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/evaluations/%d/cells", b.uai, b.evaluationID)
	},
	"GET /establishments/{uai}/evaluations/{id}/grid.csv": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/evaluations/%d/grid.csv", b.uai, b.evaluationID)
	},
	"POST /establishments/{uai}/evaluations/{id}/grid.csv": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/evaluations/%d/grid.csv", b.uai, b.evaluationID)
	},
	"GET /establishments/{uai}/students/{id}/results": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/results", b.uai, b.studentID)
	},
	"GET /establishments/{uai}/students/{id}/situations": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/situations", b.uai, b.studentID)
	},
	"POST /establishments/{uai}/students/{id}/situations": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/situations", b.uai, b.studentID)
	},
	"POST /establishments/{uai}/students/{id}/situations/{sid}/assessment": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/situations/%d/assessment", b.uai, b.studentID, b.situationID)
	},
	"POST /establishments/{uai}/students/{id}/situations/{sid}/attachments": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/situations/%d/attachments", b.uai, b.studentID, b.situationID)
	},
	"GET /establishments/{uai}/students/{id}/attachments/{aid}": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/attachments/%d", b.uai, b.studentID, b.attachmentID)
	},
	"POST /establishments/{uai}/evaluations/{id}/delete": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/evaluations/%d/delete", b.uai, b.evaluationID)
	},
	"POST /establishments/{uai}/students/{id}/situations/{sid}/delete": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/situations/%d/delete", b.uai, b.studentID, b.situationID)
	},
	"POST /establishments/{uai}/students/{id}/attachments/{aid}/delete": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/attachments/%d/delete", b.uai, b.studentID, b.attachmentID)
	},
	"GET /establishments/{uai}/students/{id}/passport.zip": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/students/%d/passport.zip", b.uai, b.studentID)
	},
	// A request names a new student elsewhere; B's student stands for one whose origin is B.
	"POST /api/v1/establishments/{uai}/transfers/requests/{id}/confirm": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/transfers/requests/%d/confirm", b.uai, b.studentID)
	},
	"POST /api/v1/establishments/{uai}/transfers/requests/{id}/refuse": func(b objects) string {
		return fmt.Sprintf("/api/v1/establishments/%s/transfers/requests/%d/refuse", b.uai, b.studentID)
	},
	"POST /establishments/{uai}/transfers/requests/{id}/{action}": func(b objects) string {
		return fmt.Sprintf("/establishments/%s/transfers/requests/%d/confirm", b.uai, b.studentID)
	},
}

func importFile(t *testing.T, s *apptest.Server, uai string, first, n int) importer.Report {
	t.Helper()
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, siecle.GenOptions{UAI: uai, Students: n, Seed: int64(first + 1), FirstIndex: first, LeftPercent: 10}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), uai,
		importer.Source{Name: uai + ".xml", R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())}, false)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// activate enrols an imported student's pending account so he can log in.
func activateStudent(t *testing.T, s *apptest.Server, st student.Student) *apptest.User {
	t.Helper()
	ctx := context.Background()
	enr, err := s.App.Accounts.Reissue(ctx, authz.OperatorPrincipal(), st.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.App.Accounts.OpenEnrollment(ctx, enr.Token)
	if err != nil {
		t.Fatal(err)
	}
	u := &apptest.User{ID: c.AccountID, Login: c.Login, Password: c.Password, Secret: c.TOTPSecret}
	if _, err := s.App.Accounts.Activate(ctx, account.Proof{Login: u.Login, Password: u.Password, Code: u.Code(s)}); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestIsolationMatrix(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		mk := func(uai, name string) establishment.Establishment {
			e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		a := mk("0691234S", "Lycée Alpha")
		b := mk("0381234K", "Lycée Bravo Zulu")
		importFile(t, s, a.UAI, 0, 40)
		repB := importFile(t, s, b.UAI, 1000, 40)
		op := authz.OperatorPrincipal()
		pageB, err := s.App.Students.List(ctx, op, b.UAI, student.Filter{Status: "active", Limit: 1})
		if err != nil || len(pageB.Students) == 0 {
			t.Fatal(err)
		}
		stB := pageB.Students[0]
		teacherB := s.CreateUser("prof.bravo", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: b.ID})
		_, sessB, err := s.App.Accounts.StartSession(ctx, teacherB.ID, account.KindAPI, account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		objB := objects{uai: b.UAI, studentID: stB.ID, importID: repB.ImportID, accountID: teacherB.ID, sessionID: sessB.ID,
			markers: []string{"Lycée Bravo Zulu", stB.Login, stB.EleveID, "prof.bravo", "Évaluation secrète Bravo", "Situation secrète Bravo"}}
		objB.evaluationID, objB.situationID, objB.attachmentID = recordsOf(t, s, b.UAI, stB.ID)
		schoolYearOf(t, s, b, stB.ID, &objB)
		objB.noticeID = noticeOf(t, s, teacherB.ID, "secret.bravo@example.org")
		objB.markers = append(objB.markers, "secret.bravo@example.org")
		objB.linkID = linkOf(t, s, b.ID, teacherB.ID, "prof.bravo.ent")
		objB.markers = append(objB.markers, "prof.bravo.ent")
		// B's marks (internal/marks), made while it is of secondary education.
		objB.marks = marksOf(t, s, b, stB.ID, teacherB.ID, "Bravo")
		objB.markers = append(objB.markers, "Devoir secret Bravo", "Appréciation secrète Bravo", "Matière Bravo")
		// B is also of higher education: a cohort, a rule and a proof of its student.
		objB.cohortID, objB.itemID = graduationOf(t, s, b, "PROMO-BRAVO", "Règle secrète Bravo", "preuve-bravo.pdf", []int64{stB.ID})
		objB.markers = append(objB.markers, "PROMO-BRAVO", "Règle secrète Bravo", "preuve-bravo")
		// and the jury's minutes of its session.
		if _, err := s.App.Graduation.SaveMinutes(ctx, op, b.UAI, objB.cohortID, "", "Procès-verbal secret Bravo"); err != nil {
			t.Fatal(err)
		}
		objB.markers = append(objB.markers, "Procès-verbal secret Bravo")
		// and a learning agreement of its student, from a catalogue and an IP.
		objB.agreementID = agreementOf(t, s, b, stB, "UE secrète Bravo")
		objB.markers = append(objB.markers, "UE secrète Bravo")

		// One account of each role in A.
		pageA, err := s.App.Students.List(ctx, op, a.UAI, student.Filter{Status: "active", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]*apptest.User{
			"admin":             s.CreateUser("admin.alpha", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID}),
			"teacher":           s.CreateUser("prof.alpha", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: a.ID}),
			"inspector":         s.CreateUser("insp.alpha", authz.Membership{Role: authz.RoleInspector, EstablishmentID: a.ID}),
			"parent":            s.CreateUser("parent.alpha", authz.Membership{Role: authz.RoleParent, EstablishmentID: a.ID}),
			"student":           activateStudent(t, s, pageA.Students[0]),
			"office":            s.CreateUser("scol.alpha", authz.Membership{Role: authz.RoleOffice, EstablishmentID: a.ID}),
			"director":          s.CreateUser("dir.alpha", authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: a.ID}),
			"jury":              s.CreateUser("jury.alpha", authz.Membership{Role: authz.RoleJury, EstablishmentID: a.ID}),
			"referent":          s.CreateUser("ref.alpha", authz.Membership{Role: authz.RoleReferent, EstablishmentID: a.ID}),
			"disability office": s.CreateUser("handi.alpha", authz.Membership{Role: authz.RoleDisabilityOffice, EstablishmentID: a.ID}),
			"pilotage":          s.CreateUser("pilot.alpha", authz.Membership{Role: authz.RolePilotage, EstablishmentID: a.ID}),
		}
		// A is of higher education too, its student in a cohort of A.
		graduationOf(t, s, a, "PROMO-ALPHA", "Règle Alpha", "preuve-alpha.pdf", []int64{pageA.Students[0].ID})
		// An account with roles in two establishments, neither of them B.
		c := mk("0442953W", "Lycée Charlie")
		users["admin of A and C"] = s.CreateUser("admin.alpha.charlie", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID},
			authz.Membership{Role: authz.RoleAdmin, EstablishmentID: c.ID})
		users["office of A and C"] = s.CreateUser("scol.alpha.charlie", authz.Membership{Role: authz.RoleOffice, EstablishmentID: a.ID},
			authz.Membership{Role: authz.RoleOffice, EstablishmentID: c.ID})
		users["referent of A and C"] = s.CreateUser("ref.alpha.charlie", authz.Membership{Role: authz.RoleReferent, EstablishmentID: a.ID},
			authz.Membership{Role: authz.RoleReferent, EstablishmentID: c.ID})
		users["jury of A and C"] = s.CreateUser("jury.alpha.charlie", authz.Membership{Role: authz.RoleJury, EstablishmentID: a.ID},
			authz.Membership{Role: authz.RoleJury, EstablishmentID: c.ID})

		// Every route with an id is covered.
		var routes []string
		for _, r := range s.App.APIRoutes {
			routes = append(routes, r.Pattern)
		}
		for _, r := range s.App.WebRoutes {
			routes = append(routes, r.Pattern)
		}
		covered := 0
		for _, pattern := range routes {
			if !strings.Contains(pattern, "{") || exempt[pattern] != "" {
				continue
			}
			build, ok := cases[pattern]
			if !ok {
				t.Errorf("route %q takes an id but is not in the isolation matrix: add it to cases", pattern)
				continue
			}
			covered++
			method, _, _ := strings.Cut(pattern, " ")
			path := build(objB)
			for role, u := range users {
				status, body := probe(t, s, u, method, path)
				if status != http.StatusForbidden && status != http.StatusNotFound {
					t.Errorf("%s as %s of A: %s %s answered %d", pattern, role, method, path, status)
				}
				for _, m := range objB.markers {
					if strings.Contains(body, m) {
						t.Errorf("%s as %s of A: the answer contains B's data %q", pattern, role, m)
					}
				}
			}
		}
		if covered < 20 {
			t.Fatalf("only %d routes probed", covered)
		}
	})
}

// noticeOf gives an account a notice naming marker, and returns its id.
func noticeOf(t *testing.T, s *apptest.Server, accountID int64, marker string) int64 {
	t.Helper()
	ctx := context.Background()
	if err := s.App.Notify.Notify(ctx, accountID, "notify.email_confirmed", map[string]string{"email": marker}); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.Notify.Notices(ctx, accountID)
	if err != nil || len(list) == 0 {
		t.Fatalf("notices: %v", err)
	}
	return list[0].ID
}

// linkOf declares a CAS provider (once), lets establishment est allow it and links
// an identity to an account (none when accountID is 0); it returns the link's id.
func linkOf(t *testing.T, s *apptest.Server, est, accountID int64, identity string) int64 {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	if _, err := s.App.SSO.Provider(ctx, "academie"); err != nil {
		if _, err := s.App.SSO.CreateProvider(ctx, op, sso.ProviderInput{Name: "academie", Label: "Académie",
			Kind: sso.KindCAS, CASURL: "https://cas.ac-test.fr/cas"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.App.SSO.AllowProvider(ctx, op, est, "academie", true); err != nil {
		t.Fatal(err)
	}
	if accountID == 0 {
		return 0
	}
	l, err := s.App.SSO.Link(ctx, op, accountID, "academie", identity)
	if err != nil {
		t.Fatal(err)
	}
	return l.ID
}

// recordsOf gives a student of an establishment an evaluation, a situation and a file.
func recordsOf(t *testing.T, s *apptest.Server, uai string, studentID int64) (evalID, situationID, attachmentID int64) {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	refs, err := s.App.Competencies.Referentials(ctx)
	if err != nil || len(refs) == 0 {
		t.Fatalf("referentials: %v", err)
	}
	ref := refs[0]
	ev, err := s.App.Competencies.Create(ctx, op, uai, competency.Input{Title: "Évaluation secrète Bravo", Date: "2026-10-01", Diploma: ref.Code,
		Results: []competency.Result{{StudentID: studentID, Competency: ref.Competencies[0].Code, Value: ref.Scale[0].Value}}})
	if err != nil {
		t.Fatal(err)
	}
	sit, err := s.App.Passports.CreateSituation(ctx, op, uai, studentID, passport.SituationInput{Title: "Situation secrète Bravo", Description: "x"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.App.Passports.Attach(ctx, op, uai, studentID, sit.ID, "secret.pdf", strings.NewReader("%PDF-1.4\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	return ev.ID, sit.ID, a.ID
}

// sessions caches one API token and one web client per user.
var (
	tokens = map[string]string{}
	webs   = map[string]*http.Client{}
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// probe sends the request as u: with a bearer token for /api/, through the web login
// for pages (with a valid CSRF token, so that the refusal tested is the authorisation).
func probe(t *testing.T, s *apptest.Server, u *apptest.User, method, path string) (int, string) {
	t.Helper()
	key := s.URL + u.Login
	var req *http.Request
	if strings.HasPrefix(path, "/api/") {
		tok, ok := tokens[key]
		if !ok {
			tok = s.Token(u)
			tokens[key] = tok
		}
		var body io.Reader
		if method == "POST" || method == "PATCH" || method == "PUT" {
			body = strings.NewReader(`{}`)
		}
		req, _ = http.NewRequest(method, s.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	c, ok := webs[key]
	if !ok {
		c = webLogin(t, s, u)
		webs[key] = c
	}
	var body io.Reader
	var csrf string
	if method == "POST" {
		resp, err := c.Get(s.URL + "/me")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := csrfField.FindStringSubmatch(string(b)); m != nil {
			csrf = m[1]
		}
		body = strings.NewReader(url.Values{"csrf": {csrf}, "class": {"X"}, "name": {"pwned"}, "confirm": {"1"}}.Encode())
	}
	req, _ = http.NewRequest(method, s.URL+path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func webLogin(t *testing.T, s *apptest.Server, u *apptest.User) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) string {
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	post := func(path string, v url.Values) int {
		resp, err := c.PostForm(s.URL+path, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	m := csrfField.FindStringSubmatch(get("/login"))
	if post("/login", url.Values{"csrf": {m[1]}, "login": {u.Login}, "password": {u.Password}}) != http.StatusSeeOther {
		t.Fatal("password step")
	}
	m = csrfField.FindStringSubmatch(get("/login/code"))
	if post("/login/code", url.Values{"csrf": {m[1]}, "code": {u.Code(s)}}) != http.StatusSeeOther {
		t.Fatal("code step")
	}
	return c
}

// accountRoutes are the routes that show or manage accounts, with what they do: an
// administrator of A sees an account that also holds roles in B (read-only, without B's
// roles or audit events), and cannot manage it; a platform administrator and an
// administrator of both can. TestAccountsAcrossEstablishments fails on any route of
// accounts or letters that is not listed here.
var accountRoutes = map[string]string{
	"GET /api/v1/accounts":                 "list (view)",
	"POST /api/v1/accounts":                "create with roles (only in his establishments)",
	"GET /api/v1/accounts/{id}":            "view",
	"POST /api/v1/accounts/{id}/reissue":   "manage",
	"POST /api/v1/accounts/{id}/unlock":    "manage",
	"POST /api/v1/accounts/{id}/expire":    "manage",
	"POST /api/v1/accounts/{id}/disable":   "manage",
	"GET /admin/accounts":                  "list (view)",
	"GET /admin/accounts/new":              "form, no account",
	"POST /admin/accounts":                 "create with roles (only in his establishments)",
	"GET /admin/accounts/{id}":             "view",
	"POST /admin/accounts/{id}/{action}":   "manage: reissue, unlock, expire, disable",
	"POST /admin/letters":                  "manage, in bulk",
	"POST /establishments/{uai}/letters":   "manage, in bulk (a class's students)",
	"GET /api/v1/audit":                    "audit by login (his establishments only)",
	"GET /admin/audit":                     "audit by login (his establishments only)",
	"DELETE /api/v1/me/sessions/{id}":      "own sessions only",
	"POST /me/sessions/{id}/revoke":        "own sessions only",
	"GET /api/v1/accounts/{id}/sso-links":  "view (the identities linked to it)",
	"POST /api/v1/accounts/{id}/sso-links": "manage: link an identity (tested below)",
}

// ownRoutes are the routes without an id that act on the caller's own account only
// (internal/notify): TestOwnRoutesTouchOnlyTheCaller checks them with every role.
var ownRoutes = []string{"POST /me/notices/read", "POST /me/email", "POST /me/email/remove"}

// TestAccountsAcrossEstablishments puts in the matrix the accounts holding roles in two
// establishments (outside review, issue 8, finding 1): a teacher of A who administers B
// must not be taken over by A's administrator.
func TestAccountsAcrossEstablishments(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		mk := func(uai, name string) establishment.Establishment {
			e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		a := mk("0691234S", "Lycée Alpha")
		b := mk("0381234K", "Lycée Bravo Zulu")
		importFile(t, s, a.UAI, 0, 12)
		teacherA := authz.Membership{Role: authz.RoleTeacher, EstablishmentID: a.ID, UAI: a.UAI}
		adminA := authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID, UAI: a.UAI}
		adminB := authz.Membership{Role: authz.RoleAdmin, EstablishmentID: b.ID, UAI: b.UAI}
		parentB := authz.Membership{Role: authz.RoleParent, EstablishmentID: b.ID, UAI: b.UAI}
		// markers are what A's administrator must never see of B.
		markers := []string{b.UAI, "Lycée Bravo Zulu"}

		// shared returns an active account, teacher in A and administrator in B, with an
		// audit event of B (a role given there) and one of its own (a login).
		n := 0
		shared := func() *apptest.User {
			n++
			u := s.CreateUser(fmt.Sprintf("prof.partage%d", n), teacherA, adminB)
			if err := s.App.Accounts.AddRole(ctx, op, u.ID, parentB); err != nil {
				t.Fatal(err)
			}
			s.Token(u)
			return u
		}
		// pending returns an account not activated yet, teacher in A and in B.
		pending := func() int64 {
			n++
			acc, _, err := s.App.Accounts.Create(ctx, op, account.CreateInput{Login: fmt.Sprintf("prof.attente%d", n),
				Roles: []authz.Membership{teacherA, {Role: authz.RoleTeacher, EstablishmentID: b.ID, UAI: b.UAI}}})
			if err != nil {
				t.Fatal(err)
			}
			return acc.ID
		}
		// classWithShared returns a class of A whose last student's pending account is also
		// a parent in B, and the accounts of that class.
		classWithShared := func() (string, []int64) {
			page, err := s.App.Students.List(ctx, op, a.UAI, student.Filter{Status: student.StatusActive, Limit: 10000})
			if err != nil || len(page.Students) == 0 {
				t.Fatal(err)
			}
			// The largest class, so that the shared student is not the only one.
			size := map[string]int{}
			class := ""
			for _, st := range page.Students {
				size[st.Class]++
				if size[st.Class] > size[class] {
					class = st.Class
				}
			}
			page, err = s.App.Students.List(ctx, op, a.UAI, student.Filter{Status: student.StatusActive, Class: class, Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, st := range page.Students {
				ids = append(ids, st.AccountID)
			}
			if err := s.App.Accounts.AddRole(ctx, op, ids[len(ids)-1], parentB); err != nil {
				t.Fatal(err)
			}
			if len(ids) < 2 {
				t.Fatalf("class %s has %d students", class, len(ids))
			}
			return class, ids
		}
		// links counts the enrolment links ever issued to accounts.
		links := func(ids []int64) int {
			total := 0
			for _, id := range ids {
				var k int
				if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM enrollments WHERE account_id = $1`, id).Scan(&k); err != nil {
					t.Fatal(err)
				}
				total += k
			}
			return total
		}

		// Every route of accounts and letters is listed above.
		var routes []string
		for _, r := range s.App.APIRoutes {
			routes = append(routes, r.Pattern)
		}
		for _, r := range s.App.WebRoutes {
			routes = append(routes, r.Pattern)
		}
		for _, pattern := range routes {
			if (strings.Contains(pattern, "/accounts") || strings.Contains(pattern, "letters") || strings.Contains(pattern, "/audit") ||
				strings.Contains(pattern, "sessions/{id}")) && accountRoutes[pattern] == "" {
				t.Errorf("route %q shows or manages accounts but is not in accountRoutes", pattern)
			}
		}

		users := map[string]*apptest.User{
			"admin of A":       s.CreateUser("admin.alpha", adminA),
			"admin of A and B": s.CreateUser("admin.alpha.bravo", adminA, adminB),
			"platform admin":   s.CreateUser("admin.plateforme", authz.Membership{Role: authz.RolePlatformAdmin}),
		}
		clean := func(who, what, body string) {
			t.Helper()
			for _, m := range markers {
				if strings.Contains(body, m) {
					t.Errorf("%s: %s shows B's %q", who, what, m)
				}
			}
		}

		// A's administrator sees the account, read-only, and nothing of B.
		who := "admin of A"
		u := users[who]
		victim := shared()
		st, body := apiCall(t, s, u, "GET", fmt.Sprintf("/api/v1/accounts/%d", victim.ID), nil)
		if st != http.StatusOK || !strings.Contains(body, victim.Login) || !strings.Contains(body, `"read_only"`) {
			t.Errorf("%s: GET account: %d %s", who, st, body)
		}
		clean(who, "GET /api/v1/accounts/{id}", body)
		st, body = apiCall(t, s, u, "GET", "/api/v1/accounts?uai="+a.UAI, nil)
		if st != http.StatusOK || !strings.Contains(body, victim.Login) {
			t.Errorf("%s: list: %d %s", who, st, body)
		}
		clean(who, "GET /api/v1/accounts", body)
		st, body = webCall(t, s, u, "GET", fmt.Sprintf("/admin/accounts/%d", victim.ID), nil)
		if st != http.StatusOK || !strings.Contains(body, victim.Login) || !strings.Contains(body, "seul un administrateur de la plateforme") {
			t.Errorf("%s: account page: %d, no explanation of the missing actions", who, st)
		}
		if strings.Contains(body, "/reissue\"") || strings.Contains(body, "/disable\"") || strings.Contains(body, "/expire\"") || strings.Contains(body, "/unlock\"") {
			t.Errorf("%s: the account page offers actions he may not take", who)
		}
		if strings.Contains(body, "login.succeeded") || strings.Contains(body, "account.role_added") {
			t.Errorf("%s: the account page shows events that are not of his establishment", who)
		}
		clean(who, "GET /admin/accounts/{id}", body)
		st, body = webCall(t, s, u, "GET", "/admin/accounts?uai="+a.UAI, nil)
		if st != http.StatusOK || !strings.Contains(body, victim.Login) {
			t.Errorf("%s: accounts page: %d", who, st)
		}
		clean(who, "GET /admin/accounts", body)
		for _, path := range []string{"/api/v1/audit?login=" + victim.Login, "/admin/audit?login=" + victim.Login} {
			var st int
			if strings.HasPrefix(path, "/api/") {
				st, body = apiCall(t, s, u, "GET", path, nil)
			} else {
				st, body = webCall(t, s, u, "GET", path, nil)
			}
			if st != http.StatusOK {
				t.Errorf("%s: %s: %d", who, path, st)
			}
			clean(who, path, body)
		}
		st, _ = webCall(t, s, u, "GET", "/admin/accounts/new", nil)
		if st != http.StatusOK {
			t.Errorf("%s: new account form: %d", who, st)
		}

		// …and cannot manage it, through the API or the pages, alone or in bulk.
		for _, action := range []string{"reissue", "unlock", "expire", "disable"} {
			if st, body := apiCall(t, s, u, "POST", fmt.Sprintf("/api/v1/accounts/%d/%s", victim.ID, action), nil); st != http.StatusForbidden {
				t.Errorf("%s: POST /api/v1/accounts/{id}/%s answered %d %s", who, action, st, body)
			}
			if st, _ := webCall(t, s, u, "POST", fmt.Sprintf("/admin/accounts/%d/%s", victim.ID, action), url.Values{}); st != http.StatusForbidden {
				t.Errorf("%s: POST /admin/accounts/{id}/%s answered %d", who, action, st)
			}
		}
		// Nor link an identity to it, even through a provider both establishments allow.
		for _, id := range []int64{a.ID, b.ID} {
			linkOf(t, s, id, 0, "")
		}
		if st, body := apiCall(t, s, u, "POST", fmt.Sprintf("/api/v1/accounts/%d/sso-links", victim.ID),
			map[string]string{"provider": "academie", "external_id": "pris"}); st != http.StatusForbidden || !strings.Contains(body, "account_read_only") {
			t.Errorf("%s: linked an identity to an account of B: %d %s", who, st, body)
		}
		wait := pending()
		if st, _ := webCall(t, s, u, "POST", "/admin/letters", url.Values{"id": {fmt.Sprint(wait)}}); st != http.StatusForbidden {
			t.Errorf("%s: POST /admin/letters answered %d", who, st)
		}
		if links([]int64{wait}) != 1 {
			t.Errorf("%s: the pending account got a new link", who)
		}
		class, ids := classWithShared()
		if st, _ := webCall(t, s, u, "POST", "/establishments/"+a.UAI+"/letters", url.Values{"class": {class}, "confirm": {"1"}}); st != http.StatusForbidden {
			t.Errorf("admin of A: POST /establishments/{uai}/letters (confirmed) answered %d", st)
		}
		if st, _ := webCall(t, s, u, "POST", "/establishments/"+a.UAI+"/letters", url.Values{"class": {class}}); st != http.StatusForbidden {
			t.Errorf("%s: POST /establishments/{uai}/letters answered %d", who, st)
		}
		if k := links(ids); k != 0 {
			t.Errorf("%s: a refused class print still issued %d links", who, k)
		}
		if st, body := apiCall(t, s, u, "POST", "/api/v1/accounts", map[string]any{"login": "x.bravo", "role": "teacher", "uai": b.UAI}); st != http.StatusForbidden {
			t.Errorf("%s: created an account in B: %d %s", who, st, body)
		}
		if st, _ := webCall(t, s, u, "POST", "/admin/accounts", url.Values{"login": {"y.bravo"}, "role": {"teacher"}, "uai": {b.UAI}}); st != http.StatusForbidden && st != http.StatusNotFound {
			t.Errorf("%s: created an account in B through the page: %d", who, st)
		}
		_, sess, err := s.App.Accounts.StartSession(ctx, victim.ID, account.KindAPI, account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := apiCall(t, s, u, "DELETE", fmt.Sprintf("/api/v1/me/sessions/%d", sess.ID), nil); st != http.StatusNotFound {
			t.Errorf("%s: revoked another account's session: %d", who, st)
		}
		if st, _ := webCall(t, s, u, "POST", fmt.Sprintf("/me/sessions/%d/revoke", sess.ID), url.Values{}); st != http.StatusNotFound {
			t.Errorf("%s: revoked another account's session through the page: %d", who, st)
		}
		// The account is untouched: same state, same credentials.
		acc, err := s.App.Accounts.Get(ctx, op, victim.ID)
		if err != nil || acc.Status != account.StatusActive || acc.ExpiresAt == nil || !acc.ExpiresAt.After(s.Clock.Now()) {
			t.Errorf("the account changed: %+v %v", acc, err)
		}
		s.Token(victim)

		// A platform administrator and an administrator of both manage it, and see B's
		// events.
		for _, who := range []string{"admin of A and B", "platform admin"} {
			u := users[who]
			v := shared()
			st, body := webCall(t, s, u, "GET", fmt.Sprintf("/admin/accounts/%d", v.ID), nil)
			if st != http.StatusOK || !strings.Contains(body, "/reissue\"") || !strings.Contains(body, "parent@"+b.UAI) {
				t.Errorf("%s: account page: %d, actions or B's events missing", who, st)
			}
			for _, action := range []string{"unlock", "expire", "reissue", "disable"} {
				want := http.StatusOK
				if action == "reissue" {
					want = http.StatusCreated
				}
				if st, body := apiCall(t, s, u, "POST", fmt.Sprintf("/api/v1/accounts/%d/%s", v.ID, action), nil); st != want {
					t.Errorf("%s: POST /api/v1/accounts/{id}/%s answered %d %s", who, action, st, body)
				}
			}
			v = shared()
			for _, action := range []string{"unlock", "expire", "reissue", "disable"} {
				if st, _ := webCall(t, s, u, "POST", fmt.Sprintf("/admin/accounts/%d/%s", v.ID, action), url.Values{}); st != http.StatusOK {
					t.Errorf("%s: POST /admin/accounts/{id}/%s answered %d", who, action, st)
				}
			}
			if st, _ := webCall(t, s, u, "POST", "/admin/letters", url.Values{"id": {fmt.Sprint(pending())}}); st != http.StatusOK {
				t.Errorf("%s: POST /admin/letters answered %d", who, st)
			}
		}
		if st, _ := webCall(t, s, users["admin of A and B"], "POST", "/establishments/"+a.UAI+"/letters", url.Values{"class": {class}, "confirm": {"1"}}); st != http.StatusOK {
			t.Errorf("admin of A and B: class letters answered %d", st)
		}
		if k := links(ids); k != len(ids) {
			t.Errorf("class letters: %d links for %d students", k, len(ids))
		}
	})
}

// apiCall sends a JSON request with u's bearer token.
func apiCall(t *testing.T, s *apptest.Server, u *apptest.User, method, path string, body any) (int, string) {
	t.Helper()
	key := s.URL + u.Login
	tok, ok := tokens[key]
	if !ok {
		tok = s.Token(u)
		tokens[key] = tok
	}
	resp := s.Do(method, path, tok, body, nil)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// webCall sends a page request as u, a POST with form and a valid CSRF token.
func webCall(t *testing.T, s *apptest.Server, u *apptest.User, method, path string, form url.Values) (int, string) {
	t.Helper()
	key := s.URL + u.Login
	c, ok := webs[key]
	if !ok {
		c = webLogin(t, s, u)
		webs[key] = c
	}
	var body io.Reader
	if form != nil {
		resp, err := c.Get(s.URL + "/me")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := csrfField.FindStringSubmatch(string(b)); m != nil {
			form.Set("csrf", m[1])
		}
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, s.URL+path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOwnRoutesTouchOnlyTheCaller: the notice and address routes without an id act on
// the caller's account alone. Every role of A, and an account of two establishments,
// calls each; B's account keeps its unread notice and its address, and no answer shows
// them. The public routes of the confirmation link and the privacy notice show nothing
// of anyone.
func TestOwnRoutesTouchOnlyTheCaller(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		mk := func(uai, name string) establishment.Establishment {
			e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		a, b, c := mk("0691234S", "Lycée Alpha"), mk("0381234K", "Lycée Bravo"), mk("0442953W", "Lycée Charlie")
		victim := s.CreateUser("prof.bravo", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: b.ID})
		const marker = "secret.bravo@example.org"
		noticeOf(t, s, victim.ID, marker)
		if err := s.App.Notify.SetAddress(ctx, victim.ID, marker); err != nil {
			t.Fatal(err)
		}
		users := map[string]*apptest.User{
			"admin":            s.CreateUser("admin.alpha", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID}),
			"teacher":          s.CreateUser("prof.alpha", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: a.ID}),
			"inspector":        s.CreateUser("insp.alpha", authz.Membership{Role: authz.RoleInspector, EstablishmentID: a.ID}),
			"parent":           s.CreateUser("parent.alpha", authz.Membership{Role: authz.RoleParent, EstablishmentID: a.ID}),
			"platform admin":   s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin}),
			"admin of A and C": s.CreateUser("admin.alpha.charlie", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID}, authz.Membership{Role: authz.RoleAdmin, EstablishmentID: c.ID}),
		}
		registered := map[string]bool{}
		for _, r := range s.App.WebRoutes {
			registered[r.Pattern] = true
		}
		for _, pattern := range append(ownRoutes, "GET /email/confirm", "POST /email/confirm", "GET /privacy") {
			if !registered[pattern] {
				t.Fatalf("%s is not a route any more: update ownRoutes", pattern)
			}
		}
		for role, u := range users {
			for _, pattern := range append(ownRoutes, "GET /email/confirm", "POST /email/confirm", "GET /privacy") {
				method, path, _ := strings.Cut(pattern, " ")
				if method == "GET" && path == "/email/confirm" {
					path += "?token=ctm_forged"
				}
				status, body := probe(t, s, u, method, path)
				if status >= 500 {
					t.Errorf("%s as %s: %d", pattern, role, status)
				}
				if strings.Contains(body, marker) {
					t.Errorf("%s as %s: the answer shows B's address", pattern, role)
				}
			}
		}
		if n, err := s.App.Notify.Unread(ctx, victim.ID); err != nil || n != 1 {
			t.Errorf("B's notice: %d unread, %v", n, err)
		}
		if addr, err := s.App.Notify.Address(ctx, victim.ID); err != nil || addr.Email != marker {
			t.Errorf("B's address: %+v, %v", addr, err)
		}
	}, func(c *config.Config) {
		// E-mail on (the routes queue; nothing is sent: no job runs).
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = "127.0.0.1", 2525, "none", "no-reply@cartable.test"
	})
}
