package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	cdproto "github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	cdp "github.com/chromedp/chromedp"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/store"
)

// axeSHA256 pins the vendored axe-core (testdata/axe/README.md): the test never fetches
// it, and refuses a changed file.
const axeSHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

// axeRun runs the WCAG 2.0 and 2.1 A and AA rules on the page and returns its
// violations as lines "rule (impact): target — html".
const axeRun = `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]});
  const out = [];
  for (const v of r.violations) {
    for (const n of v.nodes) {
      out.push(v.id + " (" + v.impact + "): " + n.target.join(" ") + " — " + n.html.slice(0, 160));
    }
  }
  return out;
})()`

// TestBrowserAxe runs axe-core on every page, as each kind of user sees it, in French and
// in English, on a phone (390×844) and on a desktop (1280×900): no violation of the WCAG
// 2.1 A and AA rules, and no page scrolls sideways on the phone.
func TestBrowserAxe(t *testing.T) {
	script, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(script); hex.EncodeToString(sum[:]) != axeSHA256 {
		t.Fatalf("testdata/axe/axe.min.js is not the pinned axe-core 4.14.1 (sha256 %x)", sum)
	}
	ctx := apptest.BrowserFor(t, 5*time.Minute)
	// axe is put in every page by the browser itself (never served by cartable, and not
	// subject to the pages' Content-Security-Policy).
	if _, err := cdp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: string(script)}); err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, store.SQLite)
	bg := context.Background()
	op := authz.OperatorPrincipal()

	// The data the pages show: an establishment with students, an import, an evaluation
	// with results, a situation with a file, class assignments, accounts of every kind.
	e, students := school(t, s, 40, 9)
	imports, err := s.App.Importer.History(bg, op, e.UAI, 1)
	if err != nil || len(imports) == 0 {
		t.Fatalf("imports: %v", err)
	}
	pupil := students[0]
	refs, err := s.App.Passports.Referentials(bg, pupil)
	if err != nil || len(refs) == 0 {
		t.Fatalf("referentials of %s: %v", pupil.MEF, err)
	}
	ref := refs[0]
	ev, err := s.App.Competencies.Create(bg, op, e.UAI, competency.Input{Title: "Mise en service", Date: "2026-10-20", Class: pupil.Class, Diploma: ref.Code,
		Results: []competency.Result{{StudentID: pupil.ID, Competency: ref.Competencies[0].Code, Value: ref.Scale[len(ref.Scale)-1].Value}}})
	if err != nil {
		t.Fatal(err)
	}
	sit, err := s.App.Passports.CreateSituation(bg, op, e.UAI, pupil.ID, passport.SituationInput{Title: "Tableau électrique",
		Context: "PFMP", Description: "Câblage d'un tableau.", Competencies: []string{ref.Competencies[0].Code}})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	if _, err := s.App.Passports.Attach(bg, op, e.UAI, pupil.ID, sit.ID, "rapport.pdf", bytes.NewReader(pdf)); err != nil {
		t.Fatal(err)
	}
	root := s.CreateUser("admin.plateforme", authz.Membership{Role: authz.RolePlatformAdmin})
	staff := s.CreateUser("prof.benali", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID}, authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	if err := s.App.Students.AssignTeacher(bg, op, e.UAI, pupil.Class, staff.ID); err != nil {
		t.Fatal(err)
	}
	student := s.Activate(pupil.AccountID)
	waiting, landing, err := s.App.Accounts.Create(bg, op, account.CreateInput{Login: "eva.attente", DisplayName: "Éva Attente", Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: e.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	_, opened, err := s.App.Accounts.Create(bg, op, account.CreateInput{Login: "noa.ouverte", Roles: []authz.Membership{{Role: authz.RoleTeacher, EstablishmentID: e.ID}}})
	if err != nil {
		t.Fatal(err)
	}

	// A school of higher education: the graduation pages, as the office, a jury member
	// and a student (with a notice and a confirmed e-mail address on "Mon compte") see them.
	g := graduationSchool(t, s, "0691999Y")
	graduate := s.Activate(g.Student.AccountID)
	if err := s.App.Notify.SetAddress(bg, graduate.ID, "eleve.canuts@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := s.App.DB.Tx(bg, func(ctx context.Context) error {
		return s.App.Notify.Notify(ctx, graduate.ID, "graduation.notice.refused", map[string]string{"rule": "Anglais B2 (TOEIC)", "reason": "Score illisible"})
	}); err != nil {
		t.Fatal(err)
	}
	gest := "/establishments/" + g.UAI
	cohort := fmt.Sprintf("%s/cohorts/%d", gest, g.Cohort.ID)
	// The jury's minutes of the session (the cohort page and the minutes page show them).
	if _, err := s.App.Graduation.SaveMinutes(bg, authz.OperatorPrincipal(), g.UAI, g.Cohort.ID, "", "Délibération du jury :\n18 admis, 2 ajournés."); err != nil {
		t.Fatal(err)
	}
	checklist := fmt.Sprintf("%s/students/%d/graduation", gest, g.Student.ID)
	// A secondary school's marks: the teacher's grid and council, the pupil's marks.
	mk := marksSchoolOf(t, s, "0691237V")
	mkPupil := s.Activate(mk.Pupils[0].AccountID)

	// A university: the learning agreements, as the student, the director, the office,
	// the disability office and pilotage see them.
	ag := newAgreementSchool(t, s, "0693333Y")
	agBase := "/establishments/" + ag.UAI + "/agreements"
	agPage := fmt.Sprintf("%s/%d", agBase, ag.Agreement)
	agStudent := s.Activate(ag.Student.AccountID)

	est := "/establishments/" + e.UAI
	st := fmt.Sprintf("%s/students/%d", est, pupil.ID)
	// The school year (issue 14): the year the import made, a service, an attestation.
	sy, err := s.App.SchoolYear.CurrentYear(bg, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	one := 150
	if _, err := s.App.SchoolYear.SaveTeaching(bg, op, e.UAI, sy.ID, schoolyear.TeachingInput{ClassCode: pupil.Class, SubjectCode: "MATHS",
		SubjectLabel: "Mathématiques", TeacherID: staff.ID, Coefficient: &one}); err != nil {
		t.Fatal(err)
	}
	att, err := s.App.SchoolYear.IssueAttestation(bg, op, e.UAI, pupil.ID)
	if err != nil {
		t.Fatal(err)
	}
	yr := fmt.Sprintf("%s/year/%d", est, sy.ID)
	visits := []struct {
		user  *apptest.User
		pages []string
	}{
		{nil, []string{"/privacy", "/login", "/login/code", "/renew", "/no/such/page", "/enrol/" + landing.Token, "/enrol/" + opened.Token,
			"/attestations/" + att.Token}},
		{root, []string{"/me", "/admin/accounts", "/admin/accounts?state=unused", "/admin/accounts/new", fmt.Sprintf("/admin/accounts/%d", waiting.ID),
			"/admin/audit", "/admin/establishments", "/admin/establishments/" + e.UAI, "/admin/jobs", "/admin/sso", "/admin/privacy"}},
		{staff, []string{"/classes", est, est + "/students", st, est + "/imports", fmt.Sprintf("%s/imports/%d", est, imports[0].ID),
			est + "/evaluations", fmt.Sprintf("%s/evaluations/%d?class=%s", est, ev.ID, url.QueryEscape(pupil.Class)), st + "/results",
			st + "/situations", est + "/transfers", est + "/classes", est + "/sso",
			est + "/year", yr + "/classes", yr + "/services", yr + "/pupils/new", yr + "/results", yr + "/campaign", st + "/file"}},
		{student, []string{"/me", st, st + "/results", st + "/situations", st + "/file"}},
		{g.Office, []string{gest + "/graduation", gest + "/graduation/queue", cohort, cohort + "?filter=at_risk", cohort + "/rules", checklist}},
		{g.Jury, []string{cohort, cohort + "/minutes", checklist}},
		{graduate, []string{"/me", "/me/graduation"}},
		{mk.Teacher, []string{"/establishments/" + mk.UAI + "/marks", mk.Grid, mk.Council}},
		{mkPupil, []string{"/me/marks"}},
		{agStudent, []string{"/me/agreements", agPage}},
		{ag.Director, []string{agBase, agPage}},
		{ag.Office, []string{agBase, agBase + "/dashboard?programme=LIC&year=2026"}},
		{ag.Disability, []string{agBase}},
		{ag.Pilotage, []string{agBase + "/dashboard?programme=LIC&year=2026"}},
	}
	screens := []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}}

	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		if err := cdp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	// The check can fail: on a page given an image without text and a field without a
	// label, axe reports both.
	do(cdp.Navigate(s.URL+"/login"), cdp.WaitReady(cdp.CSS("footer")))
	control := get(t, ctx, cdp.Evaluate[[]string](`(() => { document.querySelector("main").insertAdjacentHTML("beforeend",
		'<img src="/static/none.png"><input type="text" id="unlabelled">'); })(), `+axeRun, cdp.EvalAwaitPromise))
	if joined := fmt.Sprint(control); !strings.Contains(joined, "image-alt") || !strings.Contains(joined, "label") {
		t.Fatalf("axe did not see the planted violations: %v", control)
	}
	views, pages, violations := 0, 0, 0
	start := time.Now()
	for _, v := range visits {
		if _, err := cdp.Call(ctx, network.ClearBrowserCookies, cdproto.Empty{}); err != nil {
			t.Fatal(err)
		}
		if v.user == nil {
			// The code step needs a first step; the credentials page, an opened link.
			do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")), cdp.SendKeys(cdp.ID("login"), "personne"),
				cdp.SendKeys(cdp.ID("password"), "un mot de passe"), cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
				cdp.Navigate(opened.URL), cdp.WaitVisible(cdp.ID("reveal")), cdp.Click(cdp.ID("reveal")), cdp.WaitVisible(cdp.ID("otpauth-link")))
		} else {
			do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")),
				cdp.SendKeys(cdp.ID("login"), v.user.Login), cdp.SendKeys(cdp.ID("password"), v.user.Password),
				cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
				cdp.SendKeys(cdp.ID("code"), v.user.Code(s)), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.CSS(`header a[href="/me"]`)))
		}
		pages += len(v.pages)
		for _, lang := range []string{"fr", "en"} {
			do(cdp.Navigate(s.URL + "/lang/" + lang + "?back=/"))
			for _, sc := range screens {
				if _, err := cdp.Run(ctx, cdp.EmulateViewport(sc.w, sc.h)); err != nil {
					t.Fatal(err)
				}
				for _, path := range v.pages {
					do(cdp.Navigate(s.URL+path), cdp.WaitReady(cdp.CSS("footer")))
					if got := get(t, ctx, cdp.Evaluate[string](`document.documentElement.lang`)); got != lang {
						t.Errorf("%s (%s): lang=%q", path, lang, got)
					}
					found := get(t, ctx, cdp.Evaluate[[]string](axeRun, cdp.EvalAwaitPromise))
					views++
					for _, f := range found {
						violations++
						t.Errorf("%s [%s, %s]: %s", path, lang, sc.name, f)
					}
					if sc.name == "phone" {
						if w := get(t, ctx, cdp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`)); w > 0 {
							wide := get(t, ctx, cdp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().right))`))
							t.Errorf("%s [%s, phone]: the page scrolls sideways by %d px (%v)", path, lang, w, wide)
						}
					}
				}
			}
		}
	}
	t.Logf("axe-core 4.14.1, WCAG 2.1 A/AA: %d pages, %d page views (2 languages × 2 screens), %d violations, in %v", pages, views, violations, time.Since(start).Round(time.Second))
	if views != 4*pages {
		t.Errorf("%d page views for %d pages", views, pages)
	}
}
