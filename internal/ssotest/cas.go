package ssotest

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/childproc"
)

//go:embed casserver
var casProject embed.FS

// CASServer is a running django-cas-server: CAS 1.0, 2.0 (/serviceValidate) and 3.0
// (/p3/serviceValidate) with attributes, and single logout to the services of a
// session. It accepts any service URL on http://127.0.0.1:PORT/ or localhost; a
// service ticket must be validated within 60 s.
type CASServer struct {
	// URL is the CAS base URL (http://127.0.0.1:PORT, no trailing slash).
	URL string
}

// CAS returns the CAS server of this test binary, starting it at the first call. It
// skips t when CARTABLE_TEST_CASSERVER is empty (fails it with
// CARTABLE_TEST_REQUIRE_SSO=1).
func CAS(t testing.TB) *CASServer {
	t.Helper()
	python := os.Getenv("CARTABLE_TEST_CASSERVER")
	if python == "" {
		unavailable(t, "no CAS server: set CARTABLE_TEST_CASSERVER to a python3 with Debian's python3-django-cas-server (/usr/bin/python3)")
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cas == nil && shared.casErr == nil {
		shared.cas, shared.casErr = startCAS(python)
	}
	if shared.casErr != nil {
		t.Fatalf("CAS server: %v", shared.casErr)
	}
	return shared.cas
}

// startCAS writes the Django project to a temporary directory, copies a migrated
// database with the fixture loaded into it (made once per machine: migrating costs
// 2–3 s, the copy nothing), and runs Django's server on a free port.
func startCAS(python string) (*CASServer, error) {
	dir, err := tempDir("cartable-cas-")
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	err = fs.WalkDir(casProject, "casserver", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := casProject.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(sum, "%s %d\n", path, len(b))
		sum.Write(b)
		dst := filepath.Join(dir, filepath.FromSlash(path[len("casserver/"):]))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return nil, err
	}
	fixture, err := casFixture()
	if err != nil {
		return nil, err
	}
	sum.Write(fixture)
	if err := os.WriteFile(filepath.Join(dir, "fixture.json"), fixture, 0o644); err != nil {
		return nil, err
	}
	// The template depends on the project, the fixture, the interpreter and the
	// installed Django and django-cas-server (their migrations).
	fmt.Fprintf(sum, "%s\n", python)
	if out, err := exec.Command("dpkg-query", "-W", "python3-django", "python3-django-cas-server").Output(); err == nil {
		sum.Write(out)
	}
	template, err := casTemplate(python, dir, hex.EncodeToString(sum.Sum(nil))[:16])
	if err != nil {
		return nil, err
	}
	db := filepath.Join(dir, "cas.sqlite3")
	if err := copyFile(template, db); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "cas.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, "manage.py", "runserver", fmt.Sprintf("127.0.0.1:%d", port), "--noreload", "--insecure")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	cmd.Env = casEnv(db)
	p, err := childproc.Start(cmd)
	if err != nil {
		logf.Close()
		return nil, err
	}
	shared.stops = append(shared.stops, func() { p.Stop(5 * time.Second); logf.Close() })
	s := &CASServer{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	if err := waitReady(p, s.URL+"/login", 30*time.Second); err != nil {
		return nil, fmt.Errorf("%v%s", err, logTail(logPath))
	}
	return s, nil
}

// casEnv is the environment of the CAS server's commands: single logout POSTs (made
// with python's requests) must not go through a proxy.
func casEnv(db string) []string {
	return append(os.Environ(), "CAS_DB="+db, "PYTHONDONTWRITEBYTECODE=1",
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
}

// casTemplate returns a migrated database with the fixture loaded, from the user's
// cache directory, making it the first time.
func casTemplate(python, project, key string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "cartable-ssotest")
	path := filepath.Join(cache, "cas-"+key+".sqlite3")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(cache, "cas-*.tmp")
	if err != nil {
		return "", err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	for _, args := range [][]string{{"migrate", "--noinput", "-v0"}, {"loaddata", "-v0", "fixture.json"}} {
		cmd := exec.Command(python, append([]string{"manage.py"}, args...)...)
		cmd.Dir, cmd.Env = project, casEnv(tmp.Name())
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("manage.py %s: %v\n%s", args[0], err, out)
		}
	}
	// Concurrent test binaries may both make it; the rename makes either one whole.
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	return path, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
