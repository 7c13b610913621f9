package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/student"
)

// PagesResult is the output of bench pages.
type PagesResult struct {
	Database string    `json:"-"` // without secrets
	Students int64     `json:"students"`
	Results  int64     `json:"results"`
	Measures []Measure `json:"measures"`
}

// Measure is the latency distribution of one kind of request.
type Measure struct {
	Name    string  `json:"name"`
	Samples int     `json:"samples"`
	P50     float64 `json:"p50_ms"`
	P95     float64 `json:"p95_ms"`
	P99     float64 `json:"p99_ms"`
	Max     float64 `json:"max_ms"`
}

func measure(name string, lat []time.Duration) Measure {
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	return Measure{Name: name, Samples: len(lat), P50: q(.5), P95: q(.95), P99: q(.99), Max: float64(lat[len(lat)-1].Microseconds()) / 1000}
}

// Pages measures, over HTTP on a server started in-process on cfg's database (fill it
// first with Load), the read and write paths of a student's record: his results page,
// the passport JSON, and the save of a 35 × 40 grid; with a bearer token of a platform
// administrator, tenant-checked and audited like a teacher's, on students picked at
// random.
func Pages(ctx context.Context, cfg config.Config, open Open, samples int) (PagesResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return PagesResult{}, err
	}
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + cfg.Addr
	app, err := open(ctx, cfg, false)
	if err != nil {
		ln.Close()
		return PagesResult{}, err
	}
	defer app.Close()
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- app.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	res, err := pages(ctx, app, cfg.BaseURL, samples)
	res.Database = app.DB.String()
	return res, err
}

// Print writes the result as a table.
func (res PagesResult) Print(w io.Writer) error {
	fmt.Fprintf(w, "database %s: %d students, %d results\n", res.Database, res.Students, res.Results)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measure\tsamples\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	for _, m := range res.Measures {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", m.Name, m.Samples, m.P50, m.P95, m.P99, m.Max)
	}
	return tw.Flush()
}

func pages(ctx context.Context, app *App, base string, samples int) (PagesResult, error) {
	var out PagesResult
	db := app.DB
	var minID, maxID int64
	var err error
	if out.Students, minID, maxID, err = student.Span(ctx, db); err != nil {
		return out, err
	}
	if out.Results, err = competency.TotalResults(ctx, db); err != nil {
		return out, err
	}
	if out.Students == 0 {
		return out, fmt.Errorf("no student: fill the database with `cartable bench load` first")
	}
	// A platform administrator of the benchmark, with an API token and a web session.
	op := authz.OperatorPrincipal()
	login := fmt.Sprintf("bench.pages.%d", time.Now().UnixNano())
	acc, _, err := app.Accounts.Create(ctx, op, account.CreateInput{Login: login, Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
	if err != nil {
		return out, err
	}
	token, _, err := app.Accounts.CreateToken(ctx, op, acc.ID, "bench", time.Hour)
	if err != nil {
		return out, err
	}
	// Random students, spread over the whole table (ids are dense after a load).
	rng := rand.New(rand.NewPCG(1, 2))
	type target struct {
		uai string
		id  int64
	}
	var targets []target
	for len(targets) < samples {
		id := minID + rng.Int64N(maxID-minID+1)
		found, err := student.People(ctx, db, []int64{id})
		if err != nil {
			return out, err
		}
		if p, ok := found[id]; ok {
			e, err := app.Establishments.ByID(ctx, p.EstablishmentID)
			if err != nil {
				return out, err
			}
			targets = append(targets, target{e.UAI, id})
		}
	}
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(path string) (time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		el := time.Since(t0)
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return el, nil
	}
	for _, m := range []struct {
		name string
		path func(target) string
	}{
		{"student results (GET …/students/{id}/results)", func(t target) string {
			return fmt.Sprintf("/api/v1/establishments/%s/students/%d/results", t.uai, t.id)
		}},
		{"passport JSON (GET …/students/{id}/passport)", func(t target) string {
			return fmt.Sprintf("/api/v1/establishments/%s/students/%d/passport", t.uai, t.id)
		}},
	} {
		lat := make([]time.Duration, 0, len(targets))
		for _, t := range targets {
			d, err := get(m.path(t))
			if err != nil {
				return out, err
			}
			lat = append(lat, d)
		}
		out.Measures = append(out.Measures, measure(m.name, lat))
	}
	gm, err := grid(ctx, app, base, token, minID, samples/10+5)
	if err != nil {
		return out, err
	}
	out.Measures = append(out.Measures, gm)
	return out, nil
}

// grid saves a whole grid of 35 students × 40 competencies, changing every value each
// time, through PUT …/evaluations/{id}/results.
func grid(ctx context.Context, app *App, base, token string, someStudent int64, n int) (Measure, error) {
	ref := competency.Referential{Code: "BENCH-40", Label: "Référentiel de mesure (40 compétences)", Kind: "bench",
		Scale: []competency.ScaleValue{{Value: "NA", Label: "Non acquis"}, {Value: "EC", Label: "En cours"}, {Value: "A", Label: "Acquis"}, {Value: "M", Label: "Maîtrisé"}}}
	for i := range 40 {
		ref.Competencies = append(ref.Competencies, competency.Competency{Code: fmt.Sprintf("K%d", i+1), Label: fmt.Sprintf("Compétence %d", i+1),
			Block: fmt.Sprintf("B%d", i/10+1), BlockLabel: fmt.Sprintf("Bloc %d", i/10+1)})
	}
	if _, err := app.Competencies.Save(ctx, authz.OperatorPrincipal(), ref); err != nil {
		return Measure{}, err
	}
	// 35 students of one establishment (the first student's).
	found, err := student.People(ctx, app.DB, []int64{someStudent})
	if err != nil {
		return Measure{}, err
	}
	e, err := app.Establishments.ByID(ctx, found[someStudent].EstablishmentID)
	if err != nil {
		return Measure{}, err
	}
	uai := e.UAI
	page, err := app.Students.List(ctx, authz.OperatorPrincipal(), uai, student.Filter{Limit: 35})
	if err != nil {
		return Measure{}, err
	}
	var ids []int64
	for _, st := range page.Students {
		ids = append(ids, st.ID)
	}
	ev, err := app.Competencies.Create(ctx, authz.OperatorPrincipal(), uai, competency.Input{Title: "Grille de mesure", Date: time.Now().Format("2006-01-02"), Diploma: ref.Code})
	if err != nil {
		return Measure{}, err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	lat := make([]time.Duration, 0, n)
	for k := range n {
		var cells []competency.Result
		for i, id := range ids {
			for j, c := range ref.Competencies {
				cells = append(cells, competency.Result{StudentID: id, Competency: c.Code, Value: ref.Scale[(i+j+k)%len(ref.Scale)].Value})
			}
		}
		body, _ := json.Marshal(map[string]any{"results": cells})
		req, _ := http.NewRequestWithContext(ctx, "PUT", fmt.Sprintf("%s/api/v1/establishments/%s/evaluations/%d/results", base, uai, ev.ID), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return Measure{}, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return Measure{}, fmt.Errorf("grid save: %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(t0))
	}
	return measure(fmt.Sprintf("grid save 35×40 = %d cells (PUT …/results)", len(ids)*40), lat), nil
}
