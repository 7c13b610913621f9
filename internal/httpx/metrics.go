package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
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
	creations *prometheus.CounterVec
	all       []prometheus.Collector
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
	m.creations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cartable_account_creations_total", Help: "Account creations by outcome: succeeded, refused (the request was wrong), failed (the platform failed).",
	}, []string{"outcome"})
	m.register(m.requests, m.latency, m.logins, m.throttled, m.jobs, m.functions, m.creations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The outcomes the rules divide by exist from the start, at zero.
	for _, o := range []string{"succeeded", "refused", "failed"} {
		m.creations.WithLabelValues(o)
	}
	for _, o := range []string{"succeeded", "failed", "error", "expired", "activated"} {
		m.logins.WithLabelValues(o)
	}
	return m
}

func (m *Metrics) register(cs ...prometheus.Collector) {
	m.reg.MustRegister(cs...)
	m.all = append(m.all, cs...)
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Names lists the names of every metric this process exports (histograms and
// summaries by their base name), for the tests that check dashboards and rules.
func (m *Metrics) Names() []string {
	ch := make(chan *prometheus.Desc, 256)
	go func() {
		for _, c := range m.all {
			c.Describe(ch)
		}
		close(ch)
	}()
	var names []string
	for d := range ch {
		if g := fqName.FindStringSubmatch(d.String()); g != nil && !slices.Contains(names, g[1]) {
			names = append(names, g[1])
		}
	}
	slices.Sort(names)
	return names
}

// Creation counts an account creation outcome.
func (m *Metrics) Creation(outcome string) { m.creations.WithLabelValues(outcome).Inc() }

// AccountStates exports the number of accounts by state (cartable_accounts), read by
// count at each scrape (bounded by a 5 s timeout; a failed count is logged and skipped).
func (m *Metrics) AccountStates(count func(ctx context.Context) (map[string]int64, error), log *slog.Logger) {
	m.register(&stateCollector{count: count, log: log, desc: prometheus.NewDesc("cartable_accounts",
		"Accounts by state: pending, active, expired (credentials past their validity, refused at login), disabled.", []string{"state"}, nil)})
}

type stateCollector struct {
	count func(ctx context.Context) (map[string]int64, error)
	log   *slog.Logger
	desc  *prometheus.Desc
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		c.log.Warn("metrics: counting accounts by state", "err", err)
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
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
