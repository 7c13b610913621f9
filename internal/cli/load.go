package cli

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"time"

	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// loadCmd fills a database for the scale benchmarks: many establishments of many
// students, written with COPY (PostgreSQL) or batched INSERTs (SQLite), bypassing the
// import's checks. Person i of the load has the INE the SIECLE generator gives person i,
// so files generated with --first-index meet these students.
func loadCmd() *cmd {
	var ests, students, firstUAI, results int
	return &cmd{name: "load", summary: "bulk-load establishments × students into the configured database (scale benchmarks)",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&ests, "establishments", 100, "number of establishments")
			fs.IntVar(&students, "students", 1000, "students per establishment")
			fs.IntVar(&firstUAI, "first-uai", 1000000, "number of the first UAI (7 digits; the check letter is computed)")
			fs.IntVar(&results, "results", 0, "evaluation results per student (4 per evaluation, one evaluation per class every 4 results)")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			start := time.Now()
			n, err := bulkLoad(ctx, app, ests, students, firstUAI, results, func(done int) {
				fmt.Fprintf(r.stderr, "\r%d/%d establishments, %.0fs", done, ests, time.Since(start).Seconds())
			})
			fmt.Fprintln(r.stderr)
			if err != nil {
				return err
			}
			el := time.Since(start)
			fmt.Fprintf(r.stdout, "loaded %d establishments, %d students (and their accounts) in %.1fs: %.0f students/s\n",
				ests, n, el.Seconds(), float64(n)/el.Seconds())
			return nil
		}}
}

// bulkLoad writes ests establishments of per students each and returns the number of
// students written. Ids are allocated here (after the current maximum) so that rows of
// different tables can reference each other without reading them back.
func bulkLoad(ctx context.Context, app *App, ests, per, firstUAI, resultsPer int, progress func(int)) (int, error) {
	db := app.DB
	key, err := app.Secrets.Get(ctx, secret.Unqid)
	if err != nil {
		return 0, err
	}
	nextID := func(table string) (int64, error) {
		var id sql.NullInt64
		err := db.QueryRow(ctx, `SELECT MAX(id) FROM `+table).Scan(&id)
		return id.Int64 + 1, err
	}
	estID, err := nextID("establishments")
	if err != nil {
		return 0, err
	}
	accID, err := nextID("accounts")
	if err != nil {
		return 0, err
	}
	stID, err := nextID("students")
	if err != nil {
		return 0, err
	}
	var ref competency.Referential
	evID := int64(1)
	if resultsPer > 0 {
		refs, err := LoadBuiltinReferentials(ctx, app)
		if err != nil {
			return 0, err
		}
		ref = refs[0]
		for _, r := range refs {
			if len(r.Competencies) > len(ref.Competencies) {
				ref = r
			}
		}
		if ref, err = app.Competencies.Referential(ctx, ref.Code); err != nil {
			return 0, err
		}
		if evID, err = nextID("evaluations"); err != nil {
			return 0, err
		}
	}
	mefs := siecle.GeneratedMEFs()
	now := time.Now().UTC()
	entry := now.AddDate(0, -2, 0).Format("2006-01-02")
	total := 0
	var establishments, accounts, members, rows, evals [][]any
	var results []loadResult
	// flush writes what is buffered: a few large COPYs are much faster than many small.
	flush := func() error {
		for _, t := range []struct {
			table string
			cols  []string
			rows  *[][]any
		}{
			{"establishments", []string{"id", "uai", "name", "academie", "kind", "transfers_send", "transfers_receive", "created_at", "updated_at"}, &establishments},
			{"accounts", []string{"id", "login", "display_name", "status", "lang", "created_at", "updated_at"}, &accounts},
			{"memberships", []string{"account_id", "establishment_id", "role", "created_at"}, &members},
			{"students", []string{"id", "establishment_id", "eleve_id", "account_id", "nouvel_eleve", "unqid", "ine_status",
				"last_name", "first_name", "birth_date", "sex", "class", "mef", "entry_date", "status", "search", "created_at", "updated_at"}, &rows},
			{"evaluations", []string{"id", "establishment_id", "title", "eval_date", "level", "class", "referential_id", "author_name", "created_at", "updated_at"}, &evals},
		} {
			if _, err := db.CopyRows(ctx, t.table, t.cols, *t.rows); err != nil {
				return err
			}
			*t.rows = (*t.rows)[:0]
		}
		// Results are many: streamed to COPY, never a [][]any of millions.
		if _, err := db.CopyFunc(ctx, "evaluation_results", []string{"establishment_id", "evaluation_id", "student_id", "competency", "value", "updated_at"},
			len(results), func(i int) []any {
				x := results[i]
				return []any{x.est, x.eval, x.student, ref.Competencies[x.comp].Code, ref.Scale[x.value].Value, now}
			}); err != nil {
			return err
		}
		results = results[:0]
		return nil
	}
	for e := range ests {
		uai := siecle.MakeUAI(firstUAI + e)
		establishments = append(establishments, []any{estID, uai, "Établissement " + uai, "Bench", "lycée professionnel", true, true, now, now})
		for i := range per {
			person := e*per + i
			first, last := benchNames[person%len(benchNames)], benchSurnames[(person/len(benchNames))%len(benchSurnames)]
			login := fmt.Sprintf("b%d.%d", firstUAI+e, i)
			mef := mefs[person%len(mefs)]
			class := fmt.Sprintf("%s-%c", mef.Formation, 'A'+rune(i/35%26))
			accounts = append(accounts, []any{accID, login, first + " " + last, "pending", "fr", now, now})
			members = append(members, []any{accID, estID, "student", now})
			unqid, ineStatus := benchINE(key, person)
			rows = append(rows, []any{stID, estID, fmt.Sprint(10000000 + person), accID, student.NouvelSettled,
				unqid, ineStatus, last, first, "2008-05-17", "F", class, string(mef.Code),
				entry, student.StatusActive, student.SearchKey(last + " " + first), now, now})
			accID++
			stID++
		}
		if resultsPer > 0 {
			// One evaluation per class and per 4 results, 4 competencies each.
			nEval := (resultsPer + 3) / 4
			classStart := 0
			for classStart < per {
				size := min(35, per-classStart)
				class := rows[len(rows)-per+classStart][11].(string)
				for k := range nEval {
					date := now.AddDate(0, -nEval+k, 0).Format("2006-01-02")
					evals = append(evals, []any{evID, estID, fmt.Sprintf("Évaluation %d", k+1), date, "", class, ref.ID, "bench", now, now})
					for j := range size {
						sid := rows[len(rows)-per+classStart+j][0].(int64)
						for c := 0; c < 4 && k*4+c < resultsPer; c++ {
							results = append(results, loadResult{est: estID, eval: evID, student: sid,
								comp: (k*4 + c) % len(ref.Competencies), value: (j + k + c) % len(ref.Scale)})
						}
					}
					evID++
				}
				classStart += size
			}
		}
		if len(rows) >= 50000 || len(results) >= 1000000 || e == ests-1 {
			if err := flush(); err != nil {
				return total, err
			}
		}
		total += per
		estID++
		if progress != nil && (e%10 == 9 || e == ests-1) {
			progress(e + 1)
		}
	}
	// Explicit ids bypass PostgreSQL's identity sequences: move them past the rows.
	if db.Engine() == store.Postgres {
		for _, t := range []string{"establishments", "accounts", "students", "evaluations"} {
			if _, err := db.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
				return total, err
			}
		}
		if _, err := db.Exec(ctx, analyzeTables); err != nil {
			return total, err
		}
	}
	return total, nil
}

// loadResult is one evaluation result to write, compact until its row is made.
type loadResult struct {
	est, eval, student int64
	comp, value        int
}

var benchNames = []string{"Léa", "Noé", "Zoé", "Inès", "Maël", "Chloé", "Théo", "Anaïs", "Jérôme", "Maëlys", "Loïc", "Hélène", "Gaël", "Clément", "Éloïse", "Benoît"}
var benchSurnames = []string{"MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "N'DIAYE", "LE GOFF", "FRANÇOIS", "MERCIER", "GUÉRIN"}

// benchINE is the unqid and INE status the importer gives person p's generated INE.
func benchINE(key []byte, p int) (unqid any, status string) {
	ine := siecle.GeneratedINE(p)
	if ine.IsZero() {
		return nil, "missing"
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

// analyzeTables refreshes PostgreSQL's statistics of the tables the benchmarks fill
// (only those of the configured schema, not the whole database).
const analyzeTables = `ANALYZE establishments, accounts, memberships, students, deactivated_students, evaluations,
	evaluation_results, evaluation_comments, situations, attachments`
