// Package httpx is the HTTP plumbing shared by the web pages and the JSON API: the
// mapping from error kinds to status codes, request ids, client addresses behind
// proxies, the access log, security headers, metrics and per-IP rate limits.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
)

// Route is one route a transport registered on the mux (the API, the pages); the
// isolation tests enumerate them.
type Route struct {
	// Pattern is the http.ServeMux pattern, "METHOD /path/{id}".
	Pattern string
	// Auth tells whether the route needs an authenticated caller (a bearer token, a
	// session).
	Auth bool
}

// Status maps an error kind to its HTTP status: the one place where this is decided.
func Status(k apperr.Kind) int {
	switch k {
	case apperr.KindInvalid:
		return http.StatusBadRequest
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindGone:
		return http.StatusGone
	case apperr.KindUnauthenticated:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindTooMany:
		return http.StatusTooManyRequests
	case apperr.KindUnavailable:
		return http.StatusServiceUnavailable
	case apperr.KindUnsupported:
		return http.StatusUnsupportedMediaType
	case apperr.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// SetRetryAfter sets Retry-After (whole seconds, at least 1) when d is positive.
func SetRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
}

// WriteError answers err as JSON. Internal errors are logged with the request id and
// answered with a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	e := apperr.As(err)
	status := Status(e.Kind)
	if status >= 500 && e.Kind != apperr.KindUnavailable {
		log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", RequestID(r.Context()))
	}
	SetRetryAfter(w, e.RetryAfter)
	var body ErrorBody
	body.Error.Code, body.Error.Message = e.Code, e.Message
	WriteJSON(w, status, body)
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// NoStore marks a response as never to be cached (pages and answers holding secrets).
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

type ridKey struct{}

// RequestID returns the request id carried by ctx.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(ridKey{}).(string)
	return s
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ClientIP returns the address of the client: the connection's peer, or, when that
// peer is a trusted proxy, the last address of X-Forwarded-For not itself trusted.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// IsHTTPS tells whether the client reached us over HTTPS (directly or through a
// trusted proxy saying so).
func IsHTTPS(r *http.Request, trusted []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if a, err := netip.ParseAddr(host); err == nil && isTrusted(a.Unmap(), trusted) {
		return strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
	}
	return false
}

// statusWriter records the status code for the log and the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Options configure the middleware.
type Options struct {
	Log            *slog.Logger
	Metrics        *Metrics
	TrustedProxies []netip.Prefix
	// HSTS adds Strict-Transport-Security (when served over HTTPS).
	HSTS bool
}

// Wrap adds, around next: a request id, the client source in the context (for the
// audit trail), panic recovery, security headers, the access log and metrics.
func Wrap(next http.Handler, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := newRequestID()
		ip := ClientIP(r, o.TrustedProxies)
		ctx := context.WithValue(r.Context(), ridKey{}, rid)
		ctx = audit.WithSource(ctx, audit.Source{IP: ip, RequestID: rid})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		h := w.Header()
		h.Set("X-Request-Id", rid)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		if o.HSTS && IsHTTPS(r, o.TrustedProxies) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				o.Log.ErrorContext(ctx, "panic", "panic", p, "request_id", rid, "path", r.URL.Path)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			if o.Metrics != nil {
				o.Metrics.observeRequest(route, r.Method, status, elapsed)
			}
			// Only the path, never the query (it may hold search terms about students), and
			// with any {token} wildcard (enrolment links) blanked out.
			path := r.URL.Path
			if tok := r.PathValue("token"); tok != "" {
				path = strings.ReplaceAll(path, tok, "REDACTED")
			}
			o.Log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", path),
				slog.String("route", route), slog.Int("status", status), slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", elapsed), slog.String("ip", ip), slog.String("request_id", rid))
		}()
		next.ServeHTTP(sw, r)
	})
}
