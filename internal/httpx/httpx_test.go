package httpx

import (
	"mime"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.1:1234", "", "192.0.2.1"},
		{"192.0.2.1:1234", "203.0.113.9", "192.0.2.1"},                // untrusted peer: header ignored
		{"10.1.2.3:1234", "203.0.113.9", "203.0.113.9"},               // trusted proxy
		{"10.1.2.3:1234", "198.51.100.7, 203.0.113.9", "203.0.113.9"}, // the last untrusted hop
		{"10.1.2.3:1234", "203.0.113.9, 10.9.9.9", "203.0.113.9"},     // skipping trusted hops
		{"10.1.2.3:1234", "garbage", "10.1.2.3"},                      // unparsable: the peer
		{"[::ffff:192.0.2.5]:80", "", "192.0.2.5"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ClientIP(r, trusted); got != tc.want {
			t.Errorf("%s %q: got %s want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(1, 3, func() time.Time { return now }) // 1 per second, burst 3
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th request: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another address shares the bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("no token back after a second")
	}
	now = now.Add(time.Hour)
	l.Allow("c") // triggers the sweep of full buckets
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d buckets kept after an idle hour", n)
	}
}

// TestAttachment: a download name with quotes, spaces or accents survives the header.
func TestAttachment(t *testing.T) {
	for _, name := range []string{"passeport-lea.martin.zip", `rapport "final".pdf`, "évaluation 1 — 2CAP-A.csv"} {
		rec := httptest.NewRecorder()
		Attachment(rec, name)
		disp, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != name {
			t.Errorf("%q: %q → %q %v (%v)", name, rec.Header().Get("Content-Disposition"), disp, params, err)
		}
	}
}
