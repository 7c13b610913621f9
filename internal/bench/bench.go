// Package bench holds cartable's performance tooling: the bulk loader that fills a
// database for the scale benchmarks, and the benchmarks of the login, of a student's
// pages, of the transfer job and of the purge (docs/benchmarks.md). The command line
// (`cartable bench …`) parses the flags and calls it.
//
// The benchmarks write through the owners of the tables (student.Apply,
// competency.Write, passport.Write…), as the application does: they hold no SQL of their
// own.
package bench

import (
	"context"
	"encoding/json"
	"io"
	"net"

	"github.com/cartable/cartable/internal/app"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/competency/builtin"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
)

// App is what the benchmarks use of the application, as the command line assembles it.
type App struct {
	*app.Services
	Config config.Config
	DB     *store.DB
	// Serve serves the application (API and pages) on ln until ctx ends.
	Serve func(ctx context.Context, ln net.Listener) error
	// Close releases the database.
	Close func() error
}

// Open assembles the application for cfg, bringing the schema up to date when migrate
// is set; the benchmarks that run a server of their own (login, pages) call it.
type Open func(ctx context.Context, cfg config.Config, migrate bool) (*App, error)

// PrintJSON writes v as indented JSON, the --json output of every benchmark.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// referentials saves the example referentials shipped with cartable and returns the
// one with the most competencies, as stored (with its id).
func referentials(ctx context.Context, app *App) (competency.Referential, error) {
	refs, err := builtin.All()
	if err != nil {
		return competency.Referential{}, err
	}
	best := 0
	for i, r := range refs {
		if refs[i], err = app.Competencies.Save(ctx, authz.OperatorPrincipal(), r); err != nil {
			return competency.Referential{}, err
		}
		if len(r.Competencies) > len(refs[best].Competencies) {
			best = i
		}
	}
	return app.Competencies.Referential(ctx, refs[best].Code)
}

var benchNames = []string{"Léa", "Noé", "Zoé", "Inès", "Maël", "Chloé", "Théo", "Anaïs", "Jérôme", "Maëlys", "Loïc", "Hélène", "Gaël", "Clément", "Éloïse", "Benoît"}
var benchSurnames = []string{"MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "N'DIAYE", "LE GOFF", "FRANÇOIS", "MERCIER", "GUÉRIN"}

// benchINE is the unqid and INE status the importer gives person p's generated INE.
func benchINE(key []byte, p int) (unqid string, status string) {
	ine := siecle.GeneratedINE(p)
	if ine.IsZero() {
		return "", "missing"
	}
	switch kind, err := siecle.CheckINE(ine); {
	case err != nil:
		status = "invalid"
	case kind == siecle.INEBEA:
		status = "ok"
	default:
		status = "unchecked"
	}
	return importer.Unqid(key, ine), status
}

// benchPersons returns n person indexes from first on whose generated INE is valid and
// their own (the generator gives a few persons none, an invalid one, or a neighbour's).
func benchPersons(first, n int) []int {
	out := make([]int, 0, n)
	for p := first; len(out) < n; p++ {
		if r := p % 100; r != 21 && r != 49 && r != 66 {
			out = append(out, p)
		}
	}
	return out
}

// analyze refreshes PostgreSQL's statistics after a load (the planner would otherwise
// plan for empty tables).
func analyze(ctx context.Context, db *store.DB) error {
	if db.Engine() != store.Postgres {
		return nil
	}
	return db.Analyze(ctx)
}
