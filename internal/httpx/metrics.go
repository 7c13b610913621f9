package httpx

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one process, on a registry of its own (no
// global state, so tests can start several applications).
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	logins    *prometheus.CounterVec
	throttled *prometheus.CounterVec
	jobs      *prometheus.CounterVec
	functions *prometheus.HistogramVec
}

// NewMetrics creates and registers the metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cartable_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_login_attempts_total", Help: "Login and activation attempts by outcome.",
		}, []string{"outcome"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_throttled_requests_total", Help: "Requests refused by a rate limit or for overload, by reason.",
		}, []string{"reason"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_job_runs_total", Help: "Background job runs by job and outcome.",
		}, []string{"job", "outcome"}),
		// The seed's budgets (each function < 300 ms, 2FA < 1 s, activation < 2 s) are
		// bucket bounds, so the alerting rules read them without interpolation.
		functions: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cartable_function_duration_seconds", Help: "OpenFaaS function invocations (cartable fn) by function and status, and their latency.",
			Buckets: []float64{.01, .025, .05, .1, .2, .3, .5, 1, 2, 5},
		}, []string{"function", "status"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.logins, m.throttled, m.jobs, m.functions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observeRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		m.throttled.WithLabelValues(strconv.Itoa(status)).Inc()
	}
}

// Login counts a login attempt outcome.
func (m *Metrics) Login(outcome string) { m.logins.WithLabelValues(outcome).Inc() }

// Job counts a job run outcome.
func (m *Metrics) Job(job, outcome string) { m.jobs.WithLabelValues(job, outcome).Inc() }

// Function observes one function invocation: its HTTP status and latency.
func (m *Metrics) Function(name string, status int, d time.Duration) {
	m.functions.WithLabelValues(name, strconv.Itoa(status)).Observe(d.Seconds())
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
