package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdproto "github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdp "github.com/chromedp/chromedp"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// TestBrowserPhoneJourneys walks two journeys of issue 10 on a phone-sized screen: a
// student writes a situation (competencies ticked from his referential) and attaches a
// photo with the camera form, and is told each time; an administrator asks for a class's
// letters and is first told which letters printed before stop working.
func TestBrowserPhoneJourneys(t *testing.T) {
	ctx := apptest.Browser(t)
	s := apptest.Start(t, store.SQLite)
	bg := context.Background()
	op := authz.OperatorPrincipal()
	e, list := school(t, s, 12, 3)
	pupil := list[0]
	refs, err := s.App.Passports.Referentials(bg, pupil)
	if err != nil || len(refs) == 0 {
		t.Fatalf("referentials: %v", err)
	}
	code := refs[0].Competencies[0].Code
	me := s.Activate(pupil.AccountID)
	photo := filepath.Join(t.TempDir(), "chantier.jpg")
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 120, 90)), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		if err := cdp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	logIn := func(u *apptest.User) {
		t.Helper()
		do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")),
			cdp.SendKeys(cdp.ID("login"), u.Login), cdp.SendKeys(cdp.ID("password"), u.Password),
			cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
			cdp.SendKeys(cdp.ID("code"), u.Code(s)), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.CSS(`header a[href="/me"]`)))
	}

	// The student.
	logIn(me)
	page := fmt.Sprintf("%s/establishments/%s/students/%d/situations", s.URL, e.UAI, pupil.ID)
	do(cdp.Navigate(page), cdp.WaitVisible(cdp.ID("new-title")),
		cdp.SendKeys(cdp.ID("new-title"), "Pose d'un tableau"), cdp.Click(cdp.CSS(`[id="new-c-`+code+`"]`)),
		cdp.Submit(cdp.ID("new-title")), cdp.WaitVisible(cdp.CSS(".info")))
	if info := get(t, ctx, cdp.Text(cdp.CSS(".info"))); info != "Situation enregistrée." {
		t.Fatalf("after saving: %q", info)
	}
	sits, _ := s.App.Passports.Situations(bg, op, e.UAI, pupil.ID)
	if len(sits) != 1 || len(sits[0].Competencies) != 1 || sits[0].Competencies[0].Code != code {
		t.Fatalf("the sheet: %+v", sits)
	}
	photoInput := fmt.Sprintf("photo-%d", sits[0].ID)
	if capture := get(t, ctx, cdp.AttributeValue(cdp.ID(photoInput), "capture")); capture.Value != "environment" {
		t.Errorf("the photo input does not offer the camera: %q", capture.Value)
	}
	do(cdp.SetUploadFiles(cdp.ID(photoInput), []string{photo}), cdp.Submit(cdp.ID(photoInput)), cdp.WaitVisible(cdp.CSS(".info")))
	if info := get(t, ctx, cdp.Text(cdp.CSS(".info"))); info != "Fichier joint." {
		t.Fatalf("after the photo: %q", info)
	}
	if sits, _ = s.App.Passports.Situations(bg, op, e.UAI, pupil.ID); len(sits[0].Attachments) != 1 || sits[0].Attachments[0].ContentType != "image/jpeg" {
		t.Fatalf("attachments: %+v", sits[0].Attachments)
	}
	if w := get(t, ctx, cdp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`)); w > 0 {
		t.Errorf("the situations page scrolls sideways by %d px", w)
	}

	// The administrator: letters printed once, then asked again.
	admin := s.CreateUser("admin.canuts", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	var others []int64
	classes, _ := s.App.Students.Classes(bg, op, e.UAI)
	class := ""
	for _, c := range classes {
		if c.Pending > 0 && class == "" {
			class = c.Class
		}
	}
	page2, _ := s.App.Students.List(bg, op, e.UAI, student.Filter{Status: student.StatusActive, Class: class, Limit: 100})
	for _, x := range page2.Students {
		if x.AccountID != 0 && x.AccountID != pupil.AccountID {
			others = append(others, x.AccountID)
		}
	}
	if _, err := s.App.Accounts.ReissuePending(bg, op, others); err != nil {
		t.Fatal(err)
	}
	if _, err := cdp.Call(ctx, network.ClearBrowserCookies, cdproto.Empty{}); err != nil {
		t.Fatal(err)
	}
	logIn(admin)
	do(cdp.Navigate(s.URL+"/establishments/"+e.UAI), cdp.WaitVisible(cdp.CSS(`button[aria-label$=" `+class+`"]`)),
		cdp.Click(cdp.CSS(`button[aria-label$=" `+class+`"]`)), cdp.WaitVisible(cdp.ID("print-letters")))
	warning := get(t, ctx, cdp.Text(cdp.ID("letters-void")))
	if !strings.Contains(warning, "cesseront de fonctionner") && !strings.Contains(warning, "cessera de fonctionner") {
		t.Fatalf("the confirmation does not say which letters stop working: %q", warning)
	}
	if n := get(t, ctx, cdp.Evaluate[int](`document.querySelectorAll("tbody tr").length`)); n != len(others) {
		t.Errorf("%d students listed, %d letters to print", n, len(others))
	}
}
