package cli

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"time"

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
	var ests, students, firstUAI int
	return &cmd{name: "load", summary: "bulk-load establishments × students into the configured database (scale benchmarks)",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&ests, "establishments", 100, "number of establishments")
			fs.IntVar(&students, "students", 1000, "students per establishment")
			fs.IntVar(&firstUAI, "first-uai", 1000000, "number of the first UAI (7 digits; the check letter is computed)")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			start := time.Now()
			n, err := bulkLoad(ctx, app, ests, students, firstUAI, func(done int) {
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
func bulkLoad(ctx context.Context, app *App, ests, per, firstUAI int, progress func(int)) (int, error) {
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
	mefs := siecle.GeneratedMEFs()
	now := time.Now().UTC()
	entry := now.AddDate(0, -2, 0).Format("2006-01-02")
	total := 0
	var establishments, accounts, members, rows [][]any
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
		} {
			if _, err := db.CopyRows(ctx, t.table, t.cols, *t.rows); err != nil {
				return err
			}
			*t.rows = (*t.rows)[:0]
		}
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
			rows = append(rows, []any{stID, estID, fmt.Sprint(10000000 + person), accID, student.NouvelSettled,
				importer.Unqid(key, siecle.GeneratedINE(person)), "ok", last, first, "2008-05-17", "F", class, string(mef.Code),
				entry, student.StatusActive, student.SearchKey(last + " " + first), now, now})
			accID++
			stID++
		}
		if len(rows) >= 50000 || e == ests-1 {
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
		for _, t := range []string{"establishments", "accounts", "students"} {
			if _, err := db.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
				return total, err
			}
		}
		if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
			return total, err
		}
	}
	return total, nil
}

var benchNames = []string{"Léa", "Noé", "Zoé", "Inès", "Maël", "Chloé", "Théo", "Anaïs", "Jérôme", "Maëlys", "Loïc", "Hélène", "Gaël", "Clément", "Éloïse", "Benoît"}
var benchSurnames = []string{"MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "N'DIAYE", "LE GOFF", "FRANÇOIS", "MERCIER", "GUÉRIN"}
