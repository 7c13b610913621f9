package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdproto "github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdp "github.com/chromedp/chromedp"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/store"
)

// TestBrowserGraduationOnAPhone: on a 390×844 phone, a student deposits a photo of his
// internship certificate from his checklist; the office opens the review queue, sees
// the photo inside the page (an image the page's CSP and the download headers let
// through) and the PDF as a link, validates the photo and refuses the PDF with a reason,
// each in one step. No page scrolls sideways.
func TestBrowserGraduationOnAPhone(t *testing.T) {
	ctx := apptest.BrowserFor(t, 2*time.Minute)
	s := apptest.Start(t, store.SQLite)
	bg := context.Background()
	g := graduationSchool(t, s, "0691999Y")
	pupil := s.Activate(g.Student.AccountID)

	img := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for x := 0; x < 600; x++ {
		for y := 0; y < 400; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "attestation-stage.png")
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	do := func(steps ...cdp.Action[cdp.Void]) {
		t.Helper()
		if err := cdp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	fits := func(what string) {
		t.Helper()
		sizes := get(t, ctx, cdp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
		if len(sizes) != 2 || sizes[1] != 390 || sizes[0] > sizes[1] {
			t.Errorf("%s: page %v px wide (page, window), want at most the 390 px of a phone", what, sizes)
		}
	}
	login := func(u *apptest.User) {
		t.Helper()
		if _, err := cdp.Call(ctx, network.ClearBrowserCookies, cdproto.Empty{}); err != nil {
			t.Fatal(err)
		}
		do(cdp.Navigate(s.URL+"/login"), cdp.WaitVisible(cdp.ID("login")),
			cdp.SendKeys(cdp.ID("login"), u.Login), cdp.SendKeys(cdp.ID("password"), u.Password),
			cdp.Submit(cdp.ID("password")), cdp.WaitVisible(cdp.ID("code")),
			cdp.SendKeys(cdp.ID("code"), u.Code(s)), cdp.Submit(cdp.ID("code")), cdp.WaitVisible(cdp.CSS(`header a[href="/me"]`)))
	}
	state := func(item int64) graduation.State {
		t.Helper()
		cl, err := s.App.Graduation.Checklist(bg, authz.OperatorPrincipal(), g.UAI, g.Student.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range cl.Items {
			if it.ID == item {
				return it.State
			}
		}
		t.Fatalf("item %d not in the checklist", item)
		return ""
	}
	do(cdp.EmulateViewport(390, 844, cdp.EmulateMobile))

	// The student: his checklist, the photo and the number of weeks.
	login(pupil)
	do(cdp.Navigate(s.URL+"/me/graduation"), cdp.WaitVisible(cdp.CSS("progress")))
	fits("the student's checklist")
	file, weeks := fmt.Sprintf("f-%d", g.ToProvide), fmt.Sprintf("v-%d", g.ToProvide)
	do(cdp.SetUploadFiles(cdp.ID(file), []string{photo}), cdp.SendKeys(cdp.ID(weeks), "22"), cdp.Submit(cdp.ID(file)),
		cdp.WaitVisible(cdp.CSS(fmt.Sprintf(`a[href$="/items/%d/proof"]`, g.ToProvide))))
	fits("the checklist after the deposit")
	if st := state(g.ToProvide); st != graduation.Submitted {
		t.Fatalf("after the deposit: %s", st)
	}

	// The office: the queue shows the photo in the page, the PDF as a link.
	login(g.Office)
	do(cdp.Navigate(s.URL+"/establishments/"+g.UAI+"/graduation/queue"), cdp.WaitVisible(cdp.ID(fmt.Sprintf("q-%d", g.ToProvide))))
	fits("the review queue")
	shown := fmt.Sprintf(`(() => { const i = document.querySelector("#q-%d ~ .review-grid img.proof-view"); return i && i.complete ? [i.naturalWidth, Math.round(i.getBoundingClientRect().width)] : []; })()`, g.ToProvide)
	var dims []int
	for range 50 {
		if dims = get(t, ctx, cdp.Evaluate[[]int](shown)); len(dims) == 2 && dims[0] > 0 {
			break
		}
		do(cdp.Sleep(100 * time.Millisecond))
	}
	if len(dims) != 2 || dims[0] != 600 || dims[1] > 390 {
		t.Fatalf("the photo is not shown in the queue (natural width, shown width): %v", dims)
	}
	if n := get(t, ctx, cdp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll("#q-%d ~ .review-grid img").length`, g.Submitted))); n != 0 {
		t.Errorf("the PDF is put in an image")
	}
	if n := get(t, ctx, cdp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll("#q-%d ~ .review-grid .proof-pdf a[href$='/items/%d/proof']").length`, g.Submitted, g.Submitted))); n != 1 {
		t.Errorf("no link to the PDF")
	}
	// Validate the photo (one step: the choice and the button).
	do(cdp.Click(cdp.ID(fmt.Sprintf("q-%d-v", g.ToProvide))), cdp.Submit(cdp.ID(fmt.Sprintf("q-%d-reason", g.ToProvide))),
		cdp.WaitNotPresent(cdp.ID(fmt.Sprintf("q-%d", g.ToProvide))))
	if st := state(g.ToProvide); st != graduation.Validated {
		t.Fatalf("after validation: %s\n%s", st, get(t, ctx, cdp.Evaluate[string](`document.querySelector("main").innerText`)))
	}
	// Refuse the PDF: without a reason the page says so, with one it is refused.
	do(cdp.Click(cdp.ID(fmt.Sprintf("q-%d-r", g.Submitted))), cdp.Submit(cdp.ID(fmt.Sprintf("q-%d-reason", g.Submitted))), cdp.WaitVisible(cdp.ID("form-error")))
	if st := state(g.Submitted); st != graduation.Submitted {
		t.Fatalf("refused without a reason: %s", st)
	}
	if msg := get(t, ctx, cdp.Evaluate[string](`document.getElementById("form-error").textContent`)); !strings.Contains(msg, "motif") {
		t.Errorf("refusal without a reason: %q", msg)
	}
	fits("the refusal without a reason")
	do(cdp.Navigate(s.URL+"/establishments/"+g.UAI+"/graduation/queue"), cdp.WaitVisible(cdp.ID(fmt.Sprintf("q-%d", g.Submitted))),
		cdp.Click(cdp.ID(fmt.Sprintf("q-%d-r", g.Submitted))), cdp.SendKeys(cdp.ID(fmt.Sprintf("q-%d-reason", g.Submitted)), "Relevé de score illisible"),
		cdp.Submit(cdp.ID(fmt.Sprintf("q-%d-reason", g.Submitted))), cdp.WaitNotPresent(cdp.ID(fmt.Sprintf("q-%d", g.Submitted))))
	if st := state(g.Submitted); st != graduation.Refused {
		t.Fatalf("after the refusal: %s", st)
	}
	fits("the empty queue")

	// The student reads the refusal and its reason.
	login(pupil)
	do(cdp.Navigate(s.URL+"/me/graduation"), cdp.WaitVisible(cdp.CSS("progress")))
	if body := get(t, ctx, cdp.Evaluate[string](`document.querySelector("main").innerText`)); !strings.Contains(body, "Relevé de score illisible") {
		t.Errorf("the student does not read the reason:\n%s", body)
	}
	fits("the checklist after the review")
}
