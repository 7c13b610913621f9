// Package s3test starts a real S3-compatible server for tests: versitygw (v1.8.0, built
// by tools/build.sh into tools/bin) with its POSIX back end, on a free 127.0.0.1 port,
// over a temporary directory, with credentials made for the run. Not an in-memory fake:
// the requests, signatures and errors are a real server's.
//
// The server starts once per test binary, at the first test that asks for it, and
// stops when the binary ends: use Main in the package's TestMain. It is found through
// the environment, as .ci/run sets it:
//
//	CARTABLE_TEST_VERSITYGW      the versitygw binary (tools/bin/versitygw)
//	CARTABLE_TEST_REQUIRE_S3=1   a missing server fails the test instead of skipping it
//
// Each test takes a bucket of its own (Bucket), removed when the test ends.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/cartable/cartable/internal/childproc"
)

// Server is a running versitygw.
type Server struct {
	// Endpoint is host:port (plain http).
	Endpoint string
	// AccessKey and SecretKey are the root account's credentials.
	AccessKey, SecretKey string
	// Region is the server's region.
	Region string
	// Dir is the POSIX back end's root: each bucket is a directory of it, each object
	// a file (ab/cd/… as named).
	Dir string
	// Client is a client of the server, for tests that look behind the code under
	// test (damage an object, list a bucket).
	Client *minio.Client
}

var shared struct {
	mu    sync.Mutex
	srv   *Server
	err   error
	stops []func()
}

// Main runs the tests of a package and then stops the server they started:
//
//	func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
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

// Required reports CARTABLE_TEST_REQUIRE_S3=1.
func Required() bool { return os.Getenv("CARTABLE_TEST_REQUIRE_S3") == "1" }

// Start returns the server of this test binary, starting it at the first call. It
// skips t when CARTABLE_TEST_VERSITYGW is empty (fails it with CARTABLE_TEST_REQUIRE_S3=1).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("CARTABLE_TEST_VERSITYGW")
	if bin == "" {
		msg := "no S3 server: set CARTABLE_TEST_VERSITYGW to a versitygw binary (tools/build.sh builds tools/bin/versitygw)"
		if Required() {
			t.Fatal("CARTABLE_TEST_REQUIRE_S3=1 but " + msg)
		}
		t.Skip(msg)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = start(bin)
	}
	if shared.err != nil {
		t.Fatalf("versitygw: %v", shared.err)
	}
	return shared.srv
}

// Bucket creates an empty bucket for t, removed with its content when t ends, and
// returns its name.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	name := "t-" + randomHex(8)
	if err := s.Client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Join(s.Dir, name)) })
	return name
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func start(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "cartable-s3-")
	if err != nil {
		return nil, err
	}
	shared.stops = append(shared.stops, func() { os.RemoveAll(dir) })
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o700); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{Endpoint: addr, AccessKey: "test" + randomHex(6), SecretKey: randomHex(20), Region: "us-east-1", Dir: root}
	logPath := filepath.Join(dir, "versitygw.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", addr, "--region", s.Region, "--quiet", "posix", root)
	// The credentials go through the environment, not the command line (ps shows it).
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	proc, err := childproc.Start(cmd)
	if err != nil {
		logf.Close()
		return nil, err
	}
	shared.stops = append(shared.stops, func() {
		proc.Stop(5 * time.Second)
		logf.Close()
	})
	s.Client, err = minio.New(addr, &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: s.Region,
		BucketLookup: minio.BucketLookupPath, MaxRetries: 1,
	})
	if err != nil {
		return nil, err
	}
	// Ready once it answers a signed request.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := s.Client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-proc.Done():
			return nil, fmt.Errorf("versitygw exited: %s", logTail(logPath))
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("versitygw not ready after 20s (%v): %s", err, logTail(logPath))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func logTail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}
