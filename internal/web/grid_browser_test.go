package web_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	cdp "github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestBrowserGrid: a teacher fills the grid with the keyboard alone, every value is saved
// as typed, and a value typed while the network is down survives a reload and is sent.
func TestBrowserGrid(t *testing.T) {
	ctx := apptest.Browser(t)
	s := apptest.Start(t, store.SQLite)
	bg := context.Background()
	op := authz.OperatorPrincipal()
	e, err := s.App.Establishments.Create(bg, authz.Operator, establishmentInput("0691234S", "Lycée des Canuts"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, siecle.GenOptions{UAI: e.UAI, Students: 60, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Importer.Siecle(bg, op, e.UAI, importer.Source{Name: "f.xml", R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())}, false); err != nil {
		t.Fatal(err)
	}
	page, err := s.App.Students.List(bg, op, e.UAI, student.Filter{Status: "active", Limit: 1})
	if err != nil || len(page.Students) == 0 {
		t.Fatal(err)
	}
	class := page.Students[0].Class
	refs, _ := s.App.Competencies.Referentials(bg)
	ref := refs[0]
	teacher := s.CreateUser("prof.grille", authz.Membership{Role: authz.RoleTeacher, EstablishmentID: e.ID})
	ev, err := s.App.Competencies.Create(bg, op, e.UAI, competency.Input{Title: "Grille au clavier", Date: "2026-10-20", Class: class, Diploma: ref.Code})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Students.AssignTeacher(bg, op, e.UAI, class, teacher.ID); err != nil {
		t.Fatal(err)
	}
	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		if err := cdp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	results := func() map[string]string {
		t.Helper()
		got, err := s.App.Competencies.Get(bg, op, e.UAI, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range got.Results {
			m[fmt.Sprintf("%d/%s", r.StudentID, r.Competency)] = r.Value
		}
		return m
	}

	do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")),
		cdp.SendKeys(cdp.ID("login"), teacher.Login), cdp.SendKeys(cdp.ID("password"), teacher.Password),
		cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
		cdp.SendKeys(cdp.ID("code"), teacher.Code(s)), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.ID("classes-intro")))
	// The teacher lands on "Mes classes": his class's grid is one click away.
	do(cdp.Click(cdp.CSS("a.latest-grid")), cdp.WaitVisible(cdp.CSS(`select[data-row="0"][data-col="0"]`)))
	if url := get(t, ctx, cdp.Location()); !strings.Contains(url, fmt.Sprintf("/evaluations/%d", ev.ID)) {
		t.Fatalf("the class's grid link leads to %s", url)
	}
	firstStudent := get(t, ctx, cdp.Evaluate[string](`document.querySelector('tr[data-student]').getAttribute('data-student')`))

	// Keyboard only: a value's first letter chooses it, the arrows move, Delete clears.
	top := ref.Scale[len(ref.Scale)-1].Value // e.g. "M"
	low := ref.Scale[0].Value                // e.g. "NA"
	do(cdp.Focus(cdp.CSS(`select[data-row="0"][data-col="0"]`)),
		cdp.KeyEvent(top[:1]), cdp.KeyEvent(kb.ArrowRight), cdp.KeyEvent(low[:1]),
		cdp.KeyEvent(kb.ArrowDown), cdp.KeyEvent(top[:1]))
	focused := get(t, ctx, cdp.Evaluate[string](`document.activeElement.getAttribute('data-row') + ',' + document.activeElement.getAttribute('data-col')`))
	if focused != "1,1" {
		t.Fatalf("after →, ↓ the focus is on %s, want 1,1", focused)
	}
	get(t, ctx, cdp.Poll[bool](`document.querySelectorAll('select.dirty').length === 0 && document.getElementById('grid-status').textContent !== ''`))
	got := results()
	if got[firstStudent+"/"+ref.Competencies[0].Code] != top || got[firstStudent+"/"+ref.Competencies[1].Code] != low || len(got) != 3 {
		t.Fatalf("saved results %v", got)
	}

	// The network goes down: the change waits on this device, survives a reload, and is
	// sent when the page comes back.
	do(cdp.Func(func(ctx context.Context, tg *cdp.Target) error {
		_, err := cdp.Run(ctx, cdp.Evaluate[bool](`(window.fetch = () => Promise.reject(new TypeError('offline')), true)`))
		return err
	}), cdp.Focus(cdp.CSS(`select[data-row="0"][data-col="2"]`)), cdp.KeyEvent(top[:1]))
	get(t, ctx, cdp.Poll[bool](`document.getElementById('grid-status').className.indexOf('offline') >= 0`))
	if n := len(results()); n != 3 {
		t.Fatalf("saved while offline: %d results", n)
	}
	do(cdp.Reload(), cdp.WaitVisible(cdp.CSS(`select[data-row="0"][data-col="2"]`)))
	get(t, ctx, cdp.Poll[bool](`document.querySelectorAll('select.dirty').length === 0 && document.getElementById('grid-status').className.indexOf('saved') >= 0`))
	if got := results(); got[firstStudent+"/"+ref.Competencies[2].Code] != top {
		t.Fatalf("the offline change was lost: %v", got)
	}
	if left := get(t, ctx, cdp.Evaluate[int](`Object.keys(localStorage).length`)); left != 0 {
		t.Fatalf("%d entries left in localStorage", left)
	}

	// Levels carry a colour (with their text and a legend); Backspace then "annuler"
	// brings the value back, saved.
	if cls := get(t, ctx, cdp.Evaluate[string](`document.querySelector('select[data-row="0"][data-col="0"]').closest('td').className`)); cls != "lvl lvl-3" {
		t.Errorf("the top level's cell has class %q", cls)
	}
	if n := get(t, ctx, cdp.Evaluate[int](`document.querySelectorAll('#levels li').length`)); n != len(ref.Scale) {
		t.Errorf("legend of %d levels, want %d", n, len(ref.Scale))
	}
	do(cdp.Focus(cdp.CSS(`select[data-row="0"][data-col="0"]`)), cdp.KeyEvent(kb.Backspace))
	get(t, ctx, cdp.Poll[bool](`document.querySelectorAll('select.dirty').length === 0 && document.getElementById('grid-status').className.indexOf('saved') >= 0`))
	if got := results(); got[firstStudent+"/"+ref.Competencies[0].Code] != "" {
		t.Fatalf("Backspace did not clear: %v", got)
	}
	do(cdp.Click(cdp.ID("grid-undo")))
	get(t, ctx, cdp.Poll[bool](`document.querySelectorAll('select.dirty').length === 0 && document.getElementById('grid-status').className.indexOf('saved') >= 0`))
	if got := results(); got[firstStudent+"/"+ref.Competencies[0].Code] != top {
		t.Fatalf("undo did not bring %s back: %v", top, got)
	}
	// On a desktop the grid uses the page's width.
	if _, err := cdp.Run(ctx, cdp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if w := get(t, ctx, cdp.Evaluate[int](`document.querySelector('main').clientWidth`)); w < 1200 {
		t.Errorf("the grid page is %d px wide on a 1280 px screen", w)
	}

	// A change waiting offline is kept under the teacher's account; logging out clears
	// it from the browser, so the next person on a shared computer neither sees it nor
	// sends it under his own session.
	do(cdp.Func(func(ctx context.Context, tg *cdp.Target) error {
		_, err := cdp.Run(ctx, cdp.Evaluate[bool](`(window.fetch = () => Promise.reject(new TypeError('offline')), true)`))
		return err
	}), cdp.Focus(cdp.CSS(`select[data-row="1"][data-col="1"]`)), cdp.KeyEvent(low[:1]))
	get(t, ctx, cdp.Poll[bool](`document.getElementById('grid-status').className.indexOf('offline') >= 0`))
	keys := get(t, ctx, cdp.Evaluate[[]string](`Object.keys(localStorage)`))
	if len(keys) != 1 || !strings.HasPrefix(keys[0], fmt.Sprintf("cartable:grid-%d-", teacher.ID)) {
		t.Fatalf("the offline change is kept under %v, want the teacher's account", keys)
	}
	do(cdp.Click(cdp.CSS(`form[action="/logout"] button`)), cdp.WaitVisible(cdp.CSS(`#login`)))
	if left := get(t, ctx, cdp.Evaluate[int](`Object.keys(localStorage).length`)); left != 0 {
		t.Fatalf("%d entries left in localStorage after logout", left)
	}
}
