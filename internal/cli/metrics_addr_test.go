package cli

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMetricsOnTheirOwnAddress: with --metrics-addr, /metrics answers there and no
// longer on the public address, which keeps serving the service.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	metrics := free()
	cfg := testConfig(t, []string{"--data", t.TempDir(), "--log-level", "error", "--metrics-addr", metrics}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	app, err := NewApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	get := func(u string) (int, string) {
		t.Helper()
		var last error
		for range 50 {
			resp, err := http.Get(u)
			if err != nil {
				last = err
				time.Sleep(20 * time.Millisecond)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(b)
		}
		t.Fatalf("GET %s: %v", u, last)
		return 0, ""
	}
	public := "http://" + ln.Addr().String()
	if code, _ := get(public + "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz on the public address: %d", code)
	}
	if code, body := get(public + "/metrics"); code == http.StatusOK || strings.Contains(body, "cartable_") {
		t.Fatalf("/metrics on the public address: %d", code)
	}
	if code, body := get("http://" + metrics + "/metrics"); code != http.StatusOK || !strings.Contains(body, "cartable_") {
		t.Fatalf("/metrics on --metrics-addr: %d\n%.300s", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", metrics, time.Second); err == nil {
		t.Fatal("the metrics address still listens after shutdown")
	}
}
