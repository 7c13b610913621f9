package cli

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	cdpproto "github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdp "github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
)

// BenchmarkPageLoad loads each main page in Chromium as a phone would (seed 002: the front
// end loads in < 1 s, measured there with Lighthouse): an iPhone 13 profile (390×844,
// mobile, its user agent) with the CPU throttled 4×, the cache disabled (every load is a
// first visit), on the demo's data (three establishments, 1,400 students imported from
// SIECLE files, evaluations). Each load is timed by the page's own navigation timing:
// the HTML received, the DOM ready, and loadEventEnd (styles, scripts and images loaded
// and run), whose median and 95th percentile are reported with the budget.
//
//	go test ./internal/cli -run '^$' -bench PageLoad -benchtime 10x
func BenchmarkPageLoad(b *testing.B) {
	chromium := os.Getenv("CARTABLE_TEST_CHROMIUM")
	if chromium == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				chromium = p
				break
			}
		}
	}
	if chromium == "" {
		b.Skip("no Chromium")
	}
	cfg := config.Default()
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	cfg.Register(fs, func(string) string { return "" })
	if err := fs.Parse([]string{"--data", b.TempDir(), "--log-level", "error"}); err != nil {
		b.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	app, err := NewApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	links, err := seedDemo(ctx, app)
	if err != nil {
		b.Fatal(err)
	}
	h, err := app.Handler(ctx)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Sessions of three demo people, enrolled and activated as they would be.
	session := func(match func(demoLink) bool) string {
		for _, l := range links {
			if !match(l) {
				continue
			}
			c, err := app.Accounts.OpenEnrollment(ctx, l.url[strings.LastIndex(l.url, "/")+1:])
			if err != nil {
				b.Fatal(err)
			}
			acc, err := app.Accounts.Activate(ctx, account.Proof{Login: c.Login, Password: c.Password,
				Code: credential.TOTPCode(c.TOTPSecret, credential.TOTPStep(app.Now()))})
			if err != nil {
				b.Fatal(err)
			}
			tok, _, err := app.Accounts.StartSession(ctx, acc.ID, account.KindWeb, account.Client{IP: "127.0.0.1"})
			if err != nil {
				b.Fatal(err)
			}
			return tok
		}
		b.Fatal("no such demo account")
		return ""
	}
	admin := session(func(l demoLink) bool { return l.login == "admin.canuts" })
	teacher := session(func(l demoLink) bool { return l.login == "prof.canuts" })
	student := session(func(l demoLink) bool { return strings.HasPrefix(l.what, "student, Canuts") })
	firstLink := func(token, path string, re *regexp.Regexp) string {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "cartable_session", Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := re.FindString(string(body))
		if m == "" {
			b.Fatalf("%s: no link %s", path, re)
		}
		return m
	}
	const uai = "/establishments/0691234S"
	grid := firstLink(teacher, uai+"/evaluations", regexp.MustCompile(uai+`/evaluations/\d+`))
	oneStudent := firstLink(admin, uai+"/students", regexp.MustCompile(uai+`/students/\d+`))

	actx, cancelAlloc := cdp.NewExecAllocator(context.Background(), cdp.ExecPath(chromium), cdp.Headless, cdp.NoSandbox,
		cdp.DisableGPU, cdp.NoFirstRun, cdp.NoDefaultBrowserCheck, cdp.UserDataDir(b.TempDir()),
		cdp.Flag("disable-background-networking", true), cdp.Flag("disable-dev-shm-usage", true))
	defer cancelAlloc()
	bctx, cancel := cdp.NewContext(actx)
	defer cancel()
	if err := cdp.Do(bctx, cdp.Emulate(device.IPhone13)); err != nil {
		b.Fatal(err)
	}
	if _, err := cdp.Call(bctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 4}); err != nil {
		b.Fatal(err)
	}
	if _, err := cdp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		b.Fatal(err)
	}
	if _, err := cdp.Call(bctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		b.Fatal(err)
	}

	for _, p := range []struct{ name, session, path string }{
		{"login", "", "/login"},
		{"student-me", student, "/me"},
		{"student-passport", student, "/me/passport"},
		{"admin-dashboard", admin, uai},
		{"admin-students-600", admin, uai + "/students"},
		{"admin-student", admin, oneStudent},
		{"teacher-evaluations", teacher, uai + "/evaluations"},
		{"teacher-grid", teacher, grid},
	} {
		b.Run(p.name, func(b *testing.B) {
			if _, err := cdp.Call(bctx, network.ClearBrowserCookies, cdpproto.Empty{}); err != nil {
				b.Fatal(err)
			}
			if p.session != "" {
				if _, err := cdp.Call(bctx, network.SetCookie, network.SetCookieParams{Name: "cartable_session", Value: p.session, URL: srv.URL}); err != nil {
					b.Fatal(err)
				}
			}
			var timings [3][]float64
			for i := 0; i < b.N; i++ {
				resp, err := cdp.RunResponse(bctx, cdp.Navigate(srv.URL+p.path))
				if err != nil {
					b.Fatal(err)
				}
				if resp.Status != 200 || !strings.HasSuffix(resp.URL, p.path) {
					b.Fatalf("%s: status %d at %s", p.path, resp.Status, resp.URL)
				}
				// The HTML received, the DOM ready (deferred scripts run), everything loaded.
				ms, err := cdp.Run(bctx, cdp.Evaluate[[]float64](`new Promise(r => { const f = () => { const n = performance.getEntriesByType("navigation")[0]; n && n.loadEventEnd > 0 ? r([n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]) : setTimeout(f, 10); }; f(); })`, cdp.EvalAsValue, cdp.EvalAwaitPromise))
				if err != nil || len(ms) != 3 {
					b.Fatal(err)
				}
				for j := range timings {
					timings[j] = append(timings[j], ms[j])
				}
			}
			median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
			b.ReportMetric(median(timings[0]), "html-p50-ms")
			b.ReportMetric(median(timings[1]), "dom-p50-ms")
			loads := timings[2]
			slices.Sort(loads)
			b.ReportMetric(loads[len(loads)/2], "load-p50-ms")
			b.ReportMetric(loads[int(0.95*float64(len(loads)-1))], "load-p95-ms")
			b.ReportMetric(1000, "budget-ms")
		})
	}
}
