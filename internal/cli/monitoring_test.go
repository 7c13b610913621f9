package cli

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store/storetest"
	"go.yaml.in/yaml/v3"
)

// The metric names of a PromQL expression are extracted from: the
// strings, the label matchers, the groupings and the ranges are blanked first; what is
// then left of identifiers not called as functions and not keywords are metric names.
var (
	promStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promGroupings = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promNumbers   = regexp.MustCompile(`\b\d[\w.]*`) // 0.3, 1e-9, 5m (after offset)
	promIdent     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promKeywords  = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true, "inf": true, "nan": true}
)

// metricNames returns the metric names an expression reads.
func metricNames(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	e = promMatchers.ReplaceAllString(e, "{}")
	e = promGroupings.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, "[]")
	e = promNumbers.ReplaceAllString(e, "0")
	var out []string
	for _, m := range promIdent.FindAllString(e, -1) {
		if strings.HasSuffix(m, "(") || promKeywords[strings.ToLower(m)] {
			continue
		}
		out = append(out, m)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	got := metricNames(`sum by (function, le) (rate(cartable_function_duration_seconds_bucket{le="0.3", x=~"a|b"}[5m])) / (sum(rate(cartable_x_total[1h])) > 0) and on (instance) up{job="cartable"} offset 5m`)
	want := []string{"cartable_function_duration_seconds_bucket", "cartable_x_total", "up"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestMonitoringUsesExistingMetrics checks that every metric the alerting and recording
// rules (deploy/prometheus) and the Grafana dashboard (deploy/grafana) read is one that
// cartable exports, one that a rule records, or `up` (which Prometheus makes).
func TestMonitoringUsesExistingMetrics(t *testing.T) {
	app := openTestApp(t, []string{"--data", t.TempDir(), "--migrate"})
	defer app.Close()
	exported := map[string]bool{"up": true}
	for _, n := range app.Metrics.Names() {
		exported[n] = true
		for _, s := range []string{"_bucket", "_count", "_sum"} {
			exported[n+s] = true
		}
	}
	for _, n := range []string{"cartable_account_creations_total", "cartable_login_attempts_total", "cartable_function_duration_seconds", "cartable_accounts", "cartable_http_requests_total"} {
		if !exported[n] {
			t.Fatalf("the registry lacks %s: is Metrics.Names broken?", n)
		}
	}

	b, err := os.ReadFile("../../deploy/prometheus/cartable-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string
			Rules []struct{ Record, Alert, Expr string }
		}
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	type use struct{ where, expr string }
	var uses []use
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
			uses = append(uses, use{"rule " + r.Record + r.Alert, r.Expr})
		}
	}
	if len(recorded) < 5 || len(uses) < 10 {
		t.Fatalf("%d recorded, %d rules: is the rules file read?", len(recorded), len(uses))
	}

	b, err = os.ReadFile("../../deploy/grafana/cartable-kpi.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			uses = append(uses, use{"dashboard panel " + p.Title, q.Expr})
		}
	}
	for _, u := range uses {
		names := metricNames(u.expr)
		if len(names) == 0 {
			t.Errorf("%s: no metric in %q", u.where, u.expr)
		}
		for _, n := range names {
			if strings.Contains(n, ":") {
				if !recorded[n] {
					t.Errorf("%s reads %s, which no rule records", u.where, n)
				}
			} else if !exported[n] {
				t.Errorf("%s reads %s, which cartable does not export", u.where, n)
			}
		}
	}
}

// TestKPIMetrics checks the metrics behind the seed's KPIs on each engine: account
// creations by outcome, valid logins that fail for the platform, accounts by state.
func TestKPIMetrics(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			app := openTestApp(t, []string{"--data", t.TempDir(), "--db", storetest.DSN(t, e), "--migrate", "--argon2-memory", "64", "--argon2-time", "1"})
			ctx := context.Background()
			u := enrolTestUser(t, app, "kpi.active")
			enrolTestUser(t, app, "kpi.expired")
			if _, err := app.DB.Exec(ctx, `UPDATE accounts SET expires_at = $1 WHERE login = 'kpi.expired'`, time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			in := account.CreateInput{Login: "kpi.pending", Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}}
			if _, _, err := app.Accounts.Create(ctx, authz.OperatorPrincipal(), in); err != nil {
				t.Fatal(err)
			}
			if _, _, err := app.Accounts.Create(ctx, authz.OperatorPrincipal(), in); apperr.CodeOf(err) != "login_taken" {
				t.Fatalf("second creation: %v", err)
			}
			counts, err := app.Accounts.CountByState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int64{"pending": 1, "active": 1, "expired": 1, "disabled": 0}; !maps.Equal(counts, want) {
				t.Fatalf("accounts by state: %v, want %v", counts, want)
			}
			// The platform fails: the database is gone.
			app.DB.Close()
			if _, _, err := app.Accounts.Create(ctx, authz.OperatorPrincipal(), account.CreateInput{Login: "kpi.other", Roles: in.Roles}); err == nil {
				t.Fatal("creation without a database succeeded")
			}
			if _, err := app.Accounts.Login(ctx, account.Proof{Login: "kpi.active", Password: u.password, Code: "123456"}); err == nil {
				t.Fatal("login without a database succeeded")
			}
			rec := httptest.NewRecorder()
			app.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			body := rec.Body.String()
			for _, want := range []string{
				`cartable_account_creations_total{outcome="succeeded"} 3`,
				`cartable_account_creations_total{outcome="refused"} 1`,
				`cartable_account_creations_total{outcome="failed"} 1`,
				`cartable_login_attempts_total{outcome="error"} 1`,
				`cartable_login_attempts_total{outcome="activated"} 2`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			// Counting by state fails with the database: that gauge is left out, the rest served.
			if strings.Contains(body, "cartable_accounts{") {
				t.Errorf("accounts by state exported without a database")
			}
		})
	}
}

// TestChartEndpointsExist checks that the paths the Helm chart probes and scrapes
// (deploy/helm/cartable: the probes, the ServiceMonitor) are served.
func TestChartEndpointsExist(t *testing.T) {
	var paths []string
	for _, f := range []string{"deployment.yaml", "servicemonitor.yaml"} {
		b, err := os.ReadFile("../../deploy/helm/cartable/templates/" + f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`path: (/[a-z]+)`).FindAllStringSubmatch(string(b), -1) {
			paths = append(paths, m[1])
		}
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	if !slices.Equal(paths, []string{"/healthz", "/metrics", "/readyz"}) {
		t.Fatalf("the chart uses %v: update this test", paths)
	}
	app := openTestApp(t, []string{"--data", t.TempDir(), "--migrate"})
	defer app.Close()
	h, err := app.Handler(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 200 {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
}

// TestAlertRunbooks checks that every alert links to its runbook in docs/operations.md.
func TestAlertRunbooks(t *testing.T) {
	b, err := os.ReadFile("../../deploy/prometheus/cartable-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert       string
				Annotations map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			if want := "docs/operations.md#" + strings.ToLower(r.Alert); r.Annotations["runbook"] != want {
				t.Errorf("%s: runbook %q, want %q", r.Alert, r.Annotations["runbook"], want)
			}
			if !regexp.MustCompile(`(?m)^### ` + r.Alert + `$`).Match(doc) {
				t.Errorf("docs/operations.md has no runbook heading for %s", r.Alert)
			}
		}
	}
	if n < 5 {
		t.Fatalf("%d alerts: is the rules file read?", n)
	}
}
