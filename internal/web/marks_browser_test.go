package web_test

import (
	"context"
	"strings"
	"testing"

	cdp "github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// TestBrowserMarksGrid: the teacher types marks with the keyboard alone (Enter goes down
// the column), each is saved as typed and the average follows on reload; a mark above
// the maximum is refused with its message and the cell marked invalid; a mark typed
// while the network is down survives a reload and is sent.
func TestBrowserMarksGrid(t *testing.T) {
	ctx := apptest.Browser(t)
	s := apptest.Start(t, store.SQLite)
	bg := context.Background()
	m := marksSchoolOf(t, s, "0691238W")
	saved := func() map[int64]string {
		t.Helper()
		g, err := s.App.Marks.Grid(bg, authz.OperatorPrincipal(), m.UAI, m.ServiceID, m.OpenPeriodID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for st, ms := range g.Marks {
			out[st] = ms[m.AssessmentID].Format("fr")
		}
		return out
	}
	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		if err := cdp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")),
		cdp.SendKeys(cdp.ID("login"), m.Teacher.Login), cdp.SendKeys(cdp.ID("password"), m.Teacher.Password),
		cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
		cdp.SendKeys(cdp.ID("code"), m.Teacher.Code(s)), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.ID("classes-intro")),
		cdp.Navigate(s.URL+m.Grid), cdp.WaitVisible(cdp.CSS(`input[data-row="0"][data-col="0"]`)))
	idle := `document.querySelectorAll('input.dirty').length === 0 && document.getElementById('grid-status').className.indexOf('saved') >= 0`
	// Keyboard only: type, Enter down the column, type.
	do(cdp.Focus(cdp.CSS(`input[data-row="0"][data-col="0"]`)), cdp.KeyEvent("7,5"), cdp.KeyEvent(kb.Enter), cdp.KeyEvent("abs"))
	if f := get(t, ctx, cdp.Evaluate[string](`document.activeElement.getAttribute('data-row')`)); f != "1" {
		t.Fatalf("after Enter the focus is on row %s", f)
	}
	get(t, ctx, cdp.Poll[bool](idle))
	got := saved()
	if got[m.Pupils[0].ID] != "7,5" || got[m.Pupils[1].ID] != "ABS" {
		t.Fatalf("saved %v", got)
	}
	// Above the maximum (10): refused, said, the cell marked invalid, nothing saved.
	do(cdp.KeyEvent(kb.Enter), cdp.KeyEvent("12"))
	get(t, ctx, cdp.Poll[bool](`document.getElementById('grid-status').className.indexOf('error') >= 0`))
	if msg := get(t, ctx, cdp.Evaluate[string](`document.getElementById('grid-status').textContent`)); !strings.Contains(msg, "maximum") {
		t.Errorf("error message %q", msg)
	}
	if inv := get(t, ctx, cdp.Evaluate[string](`document.querySelector('input[data-row="2"][data-col="0"]').getAttribute('aria-invalid') || ''`)); inv != "true" {
		t.Errorf("the refused cell is not marked invalid")
	}
	// Offline: the mark waits on this device, survives a reload, and is sent.
	do(cdp.Func(func(ctx context.Context, tg *cdp.Target) error {
		_, err := cdp.Run(ctx, cdp.Evaluate[bool](`(window.fetch = () => Promise.reject(new TypeError('offline')), true)`))
		return err
	}), cdp.Focus(cdp.CSS(`input[data-row="2"][data-col="0"]`)), cdp.KeyEvent(kb.End), cdp.KeyEvent(kb.Backspace), cdp.KeyEvent(kb.Backspace), cdp.KeyEvent("9"))
	get(t, ctx, cdp.Poll[bool](`document.getElementById('grid-status').className.indexOf('offline') >= 0`))
	if got := saved(); got[m.Pupils[2].ID] != "" {
		t.Fatalf("saved while offline: %v", got)
	}
	do(cdp.Reload(), cdp.WaitVisible(cdp.CSS(`input[data-row="2"][data-col="0"]`)))
	get(t, ctx, cdp.Poll[bool](idle))
	if got := saved(); got[m.Pupils[2].ID] != "9" {
		t.Fatalf("the offline mark was lost: %v", got)
	}
	if left := get(t, ctx, cdp.Evaluate[int](`Object.keys(localStorage).length`)); left != 0 {
		t.Fatalf("%d entries left in localStorage", left)
	}
}
