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
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/siecle"
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
	accountID    int64 // an account with a role in B only
	sessionID    int64 // a session of that account
	markers      []string
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

	"GET /admin/accounts/{id}":                func(b objects) string { return fmt.Sprintf("/admin/accounts/%d", b.accountID) },
	"POST /admin/accounts/{id}/{action}":      func(b objects) string { return fmt.Sprintf("/admin/accounts/%d/reissue", b.accountID) },
	"GET /admin/establishments/{uai}":         func(b objects) string { return "/admin/establishments/" + b.uai },
	"POST /admin/establishments/{uai}":        func(b objects) string { return "/admin/establishments/" + b.uai },
	"POST /me/sessions/{id}/revoke":           func(b objects) string { return fmt.Sprintf("/me/sessions/%d/revoke", b.sessionID) },
	"GET /establishments/{uai}":               func(b objects) string { return "/establishments/" + b.uai },
	"GET /establishments/{uai}/students":      func(b objects) string { return "/establishments/" + b.uai + "/students" },
	"GET /establishments/{uai}/students/{id}": func(b objects) string { return fmt.Sprintf("/establishments/%s/students/%d", b.uai, b.studentID) },
	"GET /establishments/{uai}/imports":       func(b objects) string { return "/establishments/" + b.uai + "/imports" },
	"POST /establishments/{uai}/imports":      func(b objects) string { return "/establishments/" + b.uai + "/imports" },
	"GET /establishments/{uai}/imports/{id}":  func(b objects) string { return fmt.Sprintf("/establishments/%s/imports/%d", b.uai, b.importID) },
	"POST /establishments/{uai}/letters":      func(b objects) string { return "/establishments/" + b.uai + "/letters" },

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
	rep, err := s.App.Importer.Siecle(context.Background(), account.OperatorPrincipal(), uai,
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
	enr, err := s.App.Accounts.Reissue(ctx, account.OperatorPrincipal(), st.AccountID)
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
			e, err := s.App.Establishments.Create(ctx, account.Operator, establishment.Input{UAI: uai, Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		a := mk("0691234S", "Lycée Alpha")
		b := mk("0381234K", "Lycée Bravo Zulu")
		importFile(t, s, a.UAI, 0, 40)
		repB := importFile(t, s, b.UAI, 1000, 40)
		op := account.OperatorPrincipal()
		pageB, err := s.App.Students.List(ctx, op, b.UAI, student.Filter{Status: "active", Limit: 1})
		if err != nil || len(pageB.Students) == 0 {
			t.Fatal(err)
		}
		stB := pageB.Students[0]
		teacherB := s.CreateUser("prof.bravo", account.Membership{Role: account.RoleTeacher, EstablishmentID: b.ID})
		_, sessB, err := s.App.Accounts.StartSession(ctx, teacherB.ID, account.KindAPI, account.Client{})
		if err != nil {
			t.Fatal(err)
		}
		objB := objects{uai: b.UAI, studentID: stB.ID, importID: repB.ImportID, accountID: teacherB.ID, sessionID: sessB.ID,
			markers: []string{"Lycée Bravo Zulu", stB.Login, stB.EleveID, "prof.bravo", "Évaluation secrète Bravo", "Situation secrète Bravo"}}
		objB.evaluationID, objB.situationID, objB.attachmentID = recordsOf(t, s, b.UAI, stB.ID)

		// One account of each role in A.
		pageA, err := s.App.Students.List(ctx, op, a.UAI, student.Filter{Status: "active", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]*apptest.User{
			"admin":     s.CreateUser("admin.alpha", account.Membership{Role: account.RoleAdmin, EstablishmentID: a.ID}),
			"teacher":   s.CreateUser("prof.alpha", account.Membership{Role: account.RoleTeacher, EstablishmentID: a.ID}),
			"inspector": s.CreateUser("insp.alpha", account.Membership{Role: account.RoleInspector, EstablishmentID: a.ID}),
			"parent":    s.CreateUser("parent.alpha", account.Membership{Role: account.RoleParent, EstablishmentID: a.ID}),
			"student":   activateStudent(t, s, pageA.Students[0]),
		}
		// An account with roles in two establishments, neither of them B.
		c := mk("0442953W", "Lycée Charlie")
		users["admin of A and C"] = s.CreateUser("admin.alpha.charlie", account.Membership{Role: account.RoleAdmin, EstablishmentID: a.ID},
			account.Membership{Role: account.RoleAdmin, EstablishmentID: c.ID})

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

// recordsOf gives a student of an establishment an evaluation, a situation and a file.
func recordsOf(t *testing.T, s *apptest.Server, uai string, studentID int64) (evalID, situationID, attachmentID int64) {
	t.Helper()
	ctx := context.Background()
	op := account.OperatorPrincipal()
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
	sit, err := s.App.Passports.CreateSituation(ctx, op, uai, studentID, passport.SituationInput{Level: "bac", Title: "Situation secrète Bravo", Description: "x"})
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
		body = strings.NewReader(url.Values{"csrf": {csrf}, "class": {"X"}, "name": {"pwned"}}.Encode())
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
