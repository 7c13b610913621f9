// Package mailtest starts a real SMTP server for tests: Mailpit (v1.33.1, built by
// tools/build.sh into tools/bin), on free 127.0.0.1 ports, and reads back what it
// received through its HTTP API.
//
// It is found through the environment, as .ci/run sets it:
//
//	CARTABLE_TEST_MAILPIT          the mailpit binary (tools/bin/mailpit)
//	CARTABLE_TEST_REQUIRE_MAIL=1   a missing server fails the test instead of skipping it
//
// Each call to Start runs its own server (a few milliseconds), stopped at the end of
// the test, so tests never see each other's messages.
package mailtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/childproc"
)

// Server is a running Mailpit.
type Server struct {
	// Host and Port are its SMTP address (no TLS; any user and password accepted).
	Host string
	Port int
	// API is the base URL of its HTTP API.
	API string
}

// Message is a message as Mailpit's API lists it.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	Subject   string    `json:"Subject"`
	To        []Address `json:"To"`
	From      Address   `json:"From"`
}

// Address is a mailbox of a message.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

func required() bool { return os.Getenv("CARTABLE_TEST_REQUIRE_MAIL") == "1" }

// Start starts a Mailpit for t, or skips t when CARTABLE_TEST_MAILPIT is unset (fails
// it when CARTABLE_TEST_REQUIRE_MAIL=1).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("CARTABLE_TEST_MAILPIT")
	if bin == "" {
		if required() {
			t.Fatal("CARTABLE_TEST_REQUIRE_MAIL=1 but CARTABLE_TEST_MAILPIT is not set")
		}
		t.Skip("CARTABLE_TEST_MAILPIT not set: no SMTP server for this test")
	}
	if _, err := os.Stat(bin); err != nil {
		if required() {
			t.Fatalf("CARTABLE_TEST_REQUIRE_MAIL=1 but %v", err)
		}
		t.Skipf("mailpit: %v", err)
	}
	smtpPort, httpPort := FreePort(t), FreePort(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(dir, "mailpit.db"), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--disable-version-check", "--quiet")
	out, err := os.Create(filepath.Join(dir, "mailpit.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	proc, err := childproc.Start(cmd)
	if err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	t.Cleanup(func() {
		proc.Kill()
		out.Close()
	})
	s := &Server{Host: "127.0.0.1", Port: smtpPort, API: fmt.Sprintf("http://127.0.0.1:%d/api/v1", httpPort)}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.API + "/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port))); err == nil {
					c.Close()
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "mailpit.log"))
			t.Fatalf("mailpit did not start: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// FreePort returns a port of 127.0.0.1 that was free a moment ago (also a port where
// nothing listens, to play a mail server that is down).
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Messages lists the messages received, newest first.
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	var r struct {
		Total    int       `json:"total"`
		Messages []Message `json:"messages"`
	}
	s.get(t, "/messages?limit=1000", &r)
	return r.Messages
}

// Text returns the plain-text body of a message.
func (s *Server) Text(t testing.TB, id string) string {
	t.Helper()
	var r struct {
		Text string `json:"Text"`
	}
	s.get(t, "/message/"+id, &r)
	return r.Text
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}
