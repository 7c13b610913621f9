package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/authz"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/competency"
)

// benchPagesCmd measures the read and write paths of a student's record on the
// configured database (fill it first with `bench load`): the results page, the passport
// JSON, and the save of a 35 × 40 grid.
func benchPagesCmd() *cmd {
	var samples int
	var asJSON bool
	return &cmd{name: "pages", summary: "latency of a student's page, passport JSON and a 35×40 grid save on the configured database",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&samples, "samples", 300, "requests per measure")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			cfg := r.cfg
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			cfg.Addr = ln.Addr().String()
			cfg.BaseURL = "http://" + cfg.Addr
			app, err := NewApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
			if err != nil {
				return err
			}
			defer app.Close()
			sctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- app.Serve(sctx, ln) }()
			defer func() { stop(); <-done }()
			res, err := benchPages(ctx, app, cfg.BaseURL, samples)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, res)
			}
			fmt.Fprintf(r.stdout, "database %s: %d students, %d results\n", app.DB, res.Students, res.Results)
			tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "measure\tsamples\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
			for _, m := range res.Measures {
				fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", m.Name, m.Samples, m.P50, m.P95, m.P99, m.Max)
			}
			return tw.Flush()
		}}
}

// PagesResult is the output of bench pages.
type PagesResult struct {
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

func benchPages(ctx context.Context, app *App, base string, samples int) (PagesResult, error) {
	var out PagesResult
	db := app.DB
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM students`).Scan(&out.Students); err != nil {
		return out, err
	}
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_results`).Scan(&out.Results); err != nil {
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
	var minID, maxID int64
	if err := db.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM students`).Scan(&minID, &maxID); err != nil {
		return out, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type target struct {
		uai string
		id  int64
	}
	var targets []target
	for len(targets) < samples {
		id := minID + rng.Int64N(maxID-minID+1)
		var uai string
		err := db.QueryRow(ctx, `SELECT e.uai FROM students s JOIN establishments e ON e.id = s.establishment_id WHERE s.id = $1`, id).Scan(&uai)
		if err == nil {
			targets = append(targets, target{uai, id})
		} else if ctx.Err() != nil {
			return out, ctx.Err()
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
	gm, err := benchGrid(ctx, app, base, token, samples/10+5)
	if err != nil {
		return out, err
	}
	out.Measures = append(out.Measures, gm)
	return out, nil
}

// benchGrid saves a whole grid of 35 students × 40 competencies, changing every value
// each time, through PUT …/evaluations/{id}/results.
func benchGrid(ctx context.Context, app *App, base, token string, n int) (Measure, error) {
	ref := competency.Referential{Code: "BENCH-40", Label: "Référentiel de mesure (40 compétences)", Kind: "bench",
		Scale: []competency.ScaleValue{{Value: "NA", Label: "Non acquis"}, {Value: "EC", Label: "En cours"}, {Value: "A", Label: "Acquis"}, {Value: "M", Label: "Maîtrisé"}}}
	for i := range 40 {
		ref.Competencies = append(ref.Competencies, competency.Competency{Code: fmt.Sprintf("K%d", i+1), Label: fmt.Sprintf("Compétence %d", i+1),
			Block: fmt.Sprintf("B%d", i/10+1), BlockLabel: fmt.Sprintf("Bloc %d", i/10+1)})
	}
	if _, err := app.Competencies.Save(ctx, authz.OperatorPrincipal(), ref); err != nil {
		return Measure{}, err
	}
	// A class of 35 students of one establishment.
	var uai string
	var ids []int64
	err := app.DB.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id, &uai)
		ids = append(ids, id)
		return err
	}, `SELECT s.id, e.uai FROM students s JOIN establishments e ON e.id = s.establishment_id
		WHERE s.establishment_id = (SELECT MIN(establishment_id) FROM students) ORDER BY s.id LIMIT 35`)
	if err != nil {
		return Measure{}, err
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
