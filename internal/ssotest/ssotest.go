// Package ssotest starts real single sign-on servers for tests: a CAS 2.0/3.0 server
// (Debian's python3-django-cas-server, from the small Django project in casserver/) and
// an OpenID Connect provider (Ory Hydra v2, built by tools/build.sh) with a login and
// consent app written here. Both know the same people (Users), on free 127.0.0.1 ports.
//
// The servers start once per test binary, at the first test that asks for them, and
// stop when the binary ends: use Main in the package's TestMain. They are found
// through the environment, as .ci/run sets it:
//
//	CARTABLE_TEST_CASSERVER   a python3 that imports django and cas_server (/usr/bin/python3)
//	CARTABLE_TEST_HYDRA       the hydra binary (tools/bin/hydra)
//	CARTABLE_TEST_REQUIRE_SSO=1   a missing server fails the test instead of skipping it
//
// A Browser drives the logins as a person would, with a cookie jar: it fills the
// servers' login forms and stops at the service's callback URL, which the test hands
// to the code under test.
package ssotest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/childproc"
)

// shared holds the servers of this test binary, started at first use.
var shared struct {
	mu       sync.Mutex
	cas      *CASServer
	casErr   error
	hydra    *HydraServer
	hydraErr error
	stops    []func()
}

// Main runs the tests of a package and then stops the servers they started:
//
//	func TestMain(m *testing.M) { os.Exit(ssotest.Main(m)) }
//
// Servers also die with the test binary if it is killed (they get SIGKILL when it
// exits), but only Main removes their temporary directories.
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for i := len(shared.stops) - 1; i >= 0; i-- {
		shared.stops[i]()
	}
	shared.stops = nil
	return code
}

// required reports CARTABLE_TEST_REQUIRE_SSO=1.
func required() bool { return os.Getenv("CARTABLE_TEST_REQUIRE_SSO") == "1" }

// unavailable skips t, or fails it when the servers are required.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if required() {
		t.Fatalf("CARTABLE_TEST_REQUIRE_SSO=1 but %s", msg)
	}
	t.Skip(msg)
}

// freePort returns a port of 127.0.0.1 that was free a moment ago (servers that write
// their own URL into their configuration need it before they start).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls url until it answers 200, the process dies or timeout passes.
func waitReady(p *childproc.Process, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.Exited() {
			return fmt.Errorf("the server exited (%v)", p.Err())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s", url, timeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tempDir makes the temporary directory of a server, and removes those of servers
// whose test binary was killed before Main could (their owner process is gone).
func tempDir(prefix string) (string, error) {
	var old []string
	for _, p := range []string{"cartable-cas-", "cartable-hydra-"} {
		dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), p+"*"))
		old = append(old, dirs...)
	}
	for _, d := range old {
		b, err := os.ReadFile(filepath.Join(d, "owner"))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(string(b)); err == nil && syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	shared.stops = append(shared.stops, func() { os.RemoveAll(dir) })
	return dir, os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// logTail returns the end of a server's log, for an error message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n--- " + path + ":\n" + strings.TrimSpace(string(b))
}
