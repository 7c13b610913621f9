package apptest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless Chromium for the test and returns a chromedp context. The
// browser comes from the system (Debian's chromium package, or CARTABLE_TEST_CHROMIUM):
// tests never download one. Without Chromium the test is skipped, unless
// CARTABLE_TEST_REQUIRE_BROWSER=1 (CI) makes that a failure.
func Browser(t *testing.T) context.Context {
	t.Helper()
	return BrowserFor(t, 90*time.Second)
}

// BrowserFor is Browser with the steps of the test given d in all (a test that walks
// many pages, such as the accessibility run).
func BrowserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("CARTABLE_TEST_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CARTABLE_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatal("CARTABLE_TEST_REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium, or set CARTABLE_TEST_CHROMIUM)")
		}
		t.Skip("no Chromium on this machine; set CARTABLE_TEST_REQUIRE_BROWSER=1 to make this a failure")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(390, 844), // a phone
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The first call starts the browser and must not have a deadline (it would stop the
	// browser); the steps of the test then get one.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, d)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return tctx
}
