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
	token, targets, err := tokenAndTargets(ctx, app, minID, maxID, samples)
	if err != nil {
		return out, err
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

// gridFixture is an evaluation of 35 students × 40 competencies to save again and again.
type gridFixture struct {
	ref  competency.Referential
	uai  string
	evID int64
	ids  []int64
}

// newGrid saves a referential of 40 competencies and creates an evaluation of the 35
// first students of someStudent's establishment.
func newGrid(ctx context.Context, app *App, someStudent int64) (gridFixture, error) {
	ref := competency.Referential{Code: "BENCH-40", Label: "Référentiel de mesure (40 compétences)", Kind: "bench",
		Scale: []competency.ScaleValue{{Value: "NA", Label: "Non acquis"}, {Value: "EC", Label: "En cours"}, {Value: "A", Label: "Acquis"}, {Value: "M", Label: "Maîtrisé"}}}
	for i := range 40 {
		ref.Competencies = append(ref.Competencies, competency.Competency{Code: fmt.Sprintf("K%d", i+1), Label: fmt.Sprintf("Compétence %d", i+1),
			Block: fmt.Sprintf("B%d", i/10+1), BlockLabel: fmt.Sprintf("Bloc %d", i/10+1)})
	}
	if _, err := app.Competencies.Save(ctx, authz.OperatorPrincipal(), ref); err != nil {
		return gridFixture{}, err
	}
	found, err := student.People(ctx, app.DB, []int64{someStudent})
	if err != nil {
		return gridFixture{}, err
	}
	e, err := app.Establishments.ByID(ctx, found[someStudent].EstablishmentID)
	if err != nil {
		return gridFixture{}, err
	}
	page, err := app.Students.List(ctx, authz.OperatorPrincipal(), e.UAI, student.Filter{Limit: 35})
	if err != nil {
		return gridFixture{}, err
	}
	g := gridFixture{ref: ref, uai: e.UAI}
	for _, st := range page.Students {
		g.ids = append(g.ids, st.ID)
	}
	ev, err := app.Competencies.Create(ctx, authz.OperatorPrincipal(), e.UAI, competency.Input{Title: "Grille de mesure", Date: time.Now().Format("2006-01-02"), Diploma: ref.Code})
	if err != nil {
		return gridFixture{}, err
	}
	g.evID = ev.ID
	return g, nil
}

// path is the grid's PUT path; body is its k-th save, every value changed from the
// previous one.
func (g gridFixture) path() string {
	return fmt.Sprintf("/api/v1/establishments/%s/evaluations/%d/results", g.uai, g.evID)
}

func (g gridFixture) body(k int) []byte {
	var cells []competency.Result
	for i, id := range g.ids {
		for j, c := range g.ref.Competencies {
			cells = append(cells, competency.Result{StudentID: id, Competency: c.Code, Value: g.ref.Scale[(i+j+k)%len(g.ref.Scale)].Value})
		}
	}
	body, _ := json.Marshal(map[string]any{"results": cells})
	return body
}

// grid saves a whole grid of 35 students × 40 competencies, changing every value each
// time, through PUT …/evaluations/{id}/results.
func grid(ctx context.Context, app *App, base, token string, someStudent int64, n int) (Measure, error) {
	g, err := newGrid(ctx, app, someStudent)
	if err != nil {
		return Measure{}, err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	lat := make([]time.Duration, 0, n)
	for k := range n {
		req, _ := http.NewRequestWithContext(ctx, "PUT", base+g.path(), bytes.NewReader(g.body(k)))
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
	return measure(fmt.Sprintf("grid save 35×40 = %d cells (PUT …/results)", len(g.ids)*40), lat), nil
}

// target is a student and his establishment.
type target struct {
	uai string
	id  int64
}

// tokenAndTargets makes a platform administrator of the benchmark with an API token,
// and picks n students at random between ids minID and maxID (dense after a load).
func tokenAndTargets(ctx context.Context, app *App, minID, maxID int64, n int) (string, []target, error) {
	db := app.DB
	op := authz.OperatorPrincipal()
	login := fmt.Sprintf("bench.%d", time.Now().UnixNano())
	acc, _, err := app.Accounts.Create(ctx, op, account.CreateInput{Login: login, Roles: []authz.Membership{{Role: authz.RolePlatformAdmin}}})
	if err != nil {
		return "", nil, err
	}
	token, _, err := app.Accounts.CreateToken(ctx, op, acc.ID, "bench", 24*time.Hour)
	if err != nil {
		return "", nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var targets []target
	for len(targets) < n {
		id := minID + rng.Int64N(maxID-minID+1)
		found, err := student.People(ctx, db, []int64{id})
		if err != nil {
			return "", nil, err
		}
		if p, ok := found[id]; ok {
			e, err := app.Establishments.ByID(ctx, p.EstablishmentID)
			if err != nil {
				return "", nil, err
			}
			targets = append(targets, target{e.UAI, id})
		}
	}
	return token, targets, nil
}
