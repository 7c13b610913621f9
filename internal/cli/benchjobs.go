package cli

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
)

// The transfer and purge benchmarks add their own students to the configured database
// (fill it first with `bench load` to measure at scale), time the job, and time the
// floor it is compared with: reading and writing the same rows once, set-based, in one
// transaction that is rolled back.

// errRollback ends a measuring transaction without keeping what it wrote.
var errRollback = errors.New("rollback")

// TransferBench is the output of bench transfer.
type TransferBench struct {
	StudentsInDB int64           `json:"students_in_db"`
	Pending      int             `json:"pending"`
	WithData     int             `json:"with_data"`
	RowsMoved    int64           `json:"rows_moved"`
	Files        int             `json:"files"`
	SetupSeconds float64         `json:"setup_seconds"`
	FloorSeconds float64         `json:"floor_seconds"`
	RunSeconds   float64         `json:"run_seconds"`
	Counts       transfer.Counts `json:"counts"`
	// RerunSeconds is the next day's run: the same pending students, nothing to move.
	RerunSeconds float64         `json:"rerun_seconds"`
	RerunCounts  transfer.Counts `json:"rerun_counts"`
}

func benchTransferCmd() *cmd {
	var o transferBenchOptions
	var asJSON bool
	return &cmd{name: "transfer", summary: "time the daily transfer job on new students (some with records elsewhere) added to the configured database",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&o.pending, "pending", 10000, "new students (nouvelEleve = 1) waiting for their records")
			fs.IntVar(&o.withData, "with-data", 5000, "how many of them left another establishment with records")
			fs.IntVar(&o.evaluations, "evaluations", 20, "evaluations per student with records (4 results and a comment each)")
			fs.IntVar(&o.situations, "situations", 2, "professional situations per student with records (one file each)")
			fs.IntVar(&o.fileSize, "file-size", 16<<10, "size of each attached file in bytes")
			fs.IntVar(&o.firstUAI, "first-uai", 9000000, "number of the first UAI of the establishments the benchmark adds")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if o.withData > o.pending {
				return usagef("--with-data (%d) cannot exceed --pending (%d)", o.withData, o.pending)
			}
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			res, err := benchTransfer(ctx, app, o, r.stderr)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, res)
			}
			fmt.Fprintf(r.stdout, "database %s: %d students; %d pending, %d with records elsewhere (%d rows, %d files); setup %.1fs\n",
				app.DB, res.StudentsInDB, res.Pending, res.WithData, res.RowsMoved, res.Files, res.SetupSeconds)
			fmt.Fprintf(r.stdout, "floor (read + write + delete the same rows once, set-based): %.2fs\n", res.FloorSeconds)
			fmt.Fprintf(r.stdout, "transfer job: %.2fs (%.1f× the floor), %d transferred, %d examined\n",
				res.RunSeconds, res.RunSeconds/res.FloorSeconds, res.Counts.Transferred, res.Counts.Examined)
			fmt.Fprintf(r.stdout, "next day's run (nothing to move, %d still waiting): %.2fs\n", res.RerunCounts.Waiting, res.RerunSeconds)
			return nil
		}}
}

type transferBenchOptions struct {
	pending, withData, evaluations, situations, fileSize, firstUAI int
}

// transferWorld is what the setup wrote.
type transferWorld struct {
	origins, dests []int64 // establishments
	originStudents []int64 // origin student i moves to destStudents[i]
	destStudents   []int64
	rows           int64
	files          int
}

func benchTransfer(ctx context.Context, app *App, o transferBenchOptions, progress io.Writer) (TransferBench, error) {
	res := TransferBench{Pending: o.pending, WithData: o.withData}
	start := time.Now()
	w, err := setupTransferBench(ctx, app, o, progress)
	if err != nil {
		return res, err
	}
	res.SetupSeconds = time.Since(start).Seconds()
	res.RowsMoved, res.Files = w.rows, w.files
	if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM students`).Scan(&res.StudentsInDB); err != nil {
		return res, err
	}
	if app.DB.Engine() == store.Postgres {
		if _, err := app.DB.Exec(ctx, analyzeTables); err != nil {
			return res, err
		}
	}
	fmt.Fprintln(progress, "measuring the floor…")
	if res.FloorSeconds, err = transferFloor(ctx, app, w); err != nil {
		return res, err
	}
	fmt.Fprintln(progress, "running the transfer job…")
	start = time.Now()
	if res.Counts, err = app.Transfers.RunTransfers(ctx); err != nil {
		return res, err
	}
	res.RunSeconds = time.Since(start).Seconds()
	start = time.Now()
	if res.RerunCounts, err = app.Transfers.RunTransfers(ctx); err != nil {
		return res, err
	}
	res.RerunSeconds = time.Since(start).Seconds()
	return res, nil
}

// setupTransferBench adds establishments whose students left with records
// (deactivated, in the index) and establishments where they arrive, with other new
// students whose records are nowhere.
func setupTransferBench(ctx context.Context, app *App, o transferBenchOptions, progress io.Writer) (transferWorld, error) {
	var w transferWorld
	db := app.DB
	var taken int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM establishments WHERE uai = $1`, siecle.MakeUAI(o.firstUAI)).Scan(&taken); err != nil {
		return w, err
	}
	if taken > 0 {
		return w, fmt.Errorf("this database already holds the benchmark's establishments (UAI %s): use another --first-uai or a fresh database", siecle.MakeUAI(o.firstUAI))
	}
	key, err := app.Secrets.Get(ctx, secret.Unqid)
	if err != nil {
		return w, err
	}
	refs, err := LoadBuiltinReferentials(ctx, app)
	if err != nil {
		return w, err
	}
	ref := refs[0]
	for _, r := range refs {
		if len(r.Competencies) > len(ref.Competencies) {
			ref = r
		}
	}
	if ref, err = app.Competencies.Referential(ctx, ref.Code); err != nil {
		return w, err
	}
	// The files first: the rows that point at them are written after.
	fmt.Fprintf(progress, "writing %d files…\n", o.withData*o.situations)
	sums := make([]string, o.withData*o.situations)
	pad := strings.Repeat("0123456789abcdef", max(o.fileSize/16, 1))
	for i := range sums {
		body := fmt.Sprintf("%%PDF-1.4\n%% situation %d\n%s\n%%%%EOF\n", i, pad)
		if sums[i], _, err = app.Blobs.Put(ctx, strings.NewReader(body), int64(len(body))); err != nil {
			return w, err
		}
	}
	w.files = len(sums)
	fmt.Fprintln(progress, "writing students and records…")
	mefs := siecle.GeneratedMEFs()
	now := time.Now().UTC()
	left := now.AddDate(0, 0, -20).Format("2006-01-02")
	entered := now.AddDate(0, 0, -10).Format("2006-01-02")
	const per = 1000
	nOrig, nDest := (o.withData+per-1)/per, (o.pending+per-1)/per
	err = db.Tx(ctx, func(ctx context.Context) error {
		estIDs, err := db.NextIDs(ctx, "establishments", nOrig+nDest)
		if err != nil {
			return err
		}
		w.origins, w.dests = estIDs[:nOrig], estIDs[nOrig:]
		var ests [][]any
		for i, id := range estIDs {
			uai := siecle.MakeUAI(o.firstUAI + i)
			ests = append(ests, []any{id, uai, "Bench " + uai, "Bench", "lycée professionnel", i < nOrig, i >= nOrig, now, now})
		}
		if _, err := db.CopyRows(ctx, "establishments", []string{"id", "uai", "name", "academie", "kind", "transfers_send", "transfers_receive", "created_at", "updated_at"}, ests); err != nil {
			return err
		}
		uaiOf := func(est int64) string {
			for i, id := range estIDs {
				if id == est {
					return siecle.MakeUAI(o.firstUAI + i)
				}
			}
			return ""
		}
		if w.originStudents, err = db.NextIDs(ctx, "students", o.withData); err != nil {
			return err
		}
		dest, err := db.NextIDs(ctx, "students", o.pending)
		if err != nil {
			return err
		}
		w.destStudents = dest[:o.withData]
		var studs, index [][]any
		cols := []string{"id", "establishment_id", "eleve_id", "nouvel_eleve", "unqid", "ine_status", "last_name", "first_name", "birth_date",
			"sex", "class", "mef", "entry_date", "exit_date", "status", "search", "created_at", "updated_at", "previous_uai"}
		person := func(i int, est int64, id int64, p int, nouvel, exit, status string) []any {
			first, last := benchNames[p%len(benchNames)], benchSurnames[(p/len(benchNames))%len(benchSurnames)]
			mef := mefs[p%len(mefs)]
			unqid, ineStatus := benchINE(key, p)
			return []any{id, est, fmt.Sprint(30000000 + p), nouvel, unqid, ineStatus, last, first, "2008-05-17", "F",
				fmt.Sprintf("%s-%c", mef.Formation, 'A'+rune(i%per/35%26)), string(mef.Code), "2025-09-01", exit, status,
				student.SearchKey(last + " " + first), now, now, ""}
		}
		movers := benchPersons(10000000, o.withData)
		others := benchPersons(20000000, o.pending-o.withData)
		for i, id := range w.originStudents {
			p := movers[i]
			est := w.origins[i/per]
			row := person(i, est, id, p, student.NouvelSettled, left, student.StatusDeactivated)
			studs = append(studs, row)
			index = append(index, []any{row[4], est, uaiOf(est), id, left, row[11]})
		}
		for j, id := range dest {
			p := 0
			if j < o.withData {
				p = movers[j] // the same person as origin student j
			} else {
				p = others[j-o.withData] // a person whose records are nowhere
			}
			row := person(j, w.dests[j/per], id, p, "1", "", student.StatusActive)
			row[12] = entered
			if j < o.withData {
				row[18] = uaiOf(w.origins[j/per]) // SIECLE's ancienRNE: where he comes from
			}
			studs = append(studs, row)
		}
		if _, err := db.CopyRows(ctx, "students", cols, studs); err != nil {
			return err
		}
		if _, err := db.CopyRows(ctx, "deactivated_students", []string{"unqid", "establishment_id", "origin_uai", "student_id", "deactivated_on", "mef"}, index); err != nil {
			return err
		}
		// Evaluations per origin class of 35, each with 4 results and a comment per student.
		var heads, results, comments [][]any
		for c := 0; c < o.withData; c += 35 {
			ids, err := db.NextIDs(ctx, "evaluations", o.evaluations)
			if err != nil {
				return err
			}
			est := w.origins[c/per]
			for k, evID := range ids {
				heads = append(heads, []any{evID, est, fmt.Sprintf("Évaluation %d", k+1), now.AddDate(0, 0, -100+k).Format("2006-01-02"), "", studs[c][10], ref.ID, "bench", now, now})
				for i := c; i < min(c+35, o.withData) && w.origins[i/per] == est; i++ {
					for x := range 4 {
						results = append(results, []any{est, evID, w.originStudents[i], ref.Competencies[(k*4+x)%len(ref.Competencies)].Code, ref.Scale[(i+k+x)%len(ref.Scale)].Value, now})
					}
					comments = append(comments, []any{est, evID, w.originStudents[i], fmt.Sprintf("Travail sérieux, évaluation %d.", k+1), now})
				}
			}
		}
		var sits, files [][]any
		sitIDs, err := db.NextIDs(ctx, "situations", o.withData*o.situations)
		if err != nil {
			return err
		}
		for i, sid := range sitIDs {
			st := i / o.situations
			est := w.origins[st/per]
			sits = append(sits, []any{sid, est, w.originStudents[st], "bac", "PFMP", "Stage en entreprise", fmt.Sprintf("Situation %d", i%o.situations+1),
				"Installation d'un tableau électrique", "[]", "", "", "bench", now, now})
			files = append(files, []any{est, sid, fmt.Sprintf("rapport-%d.pdf", i%o.situations+1), "application/pdf", int64(o.fileSize), sums[i], now})
		}
		if err := copyRecords(ctx, db, heads, results, comments, sits, files); err != nil {
			return err
		}
		// What a transfer writes: a head per evaluation of each student, his results,
		// comments, situations and file rows.
		w.rows = int64(o.withData*o.evaluations + len(results) + len(comments) + len(sits) + len(files))
		return nil
	})
	return w, err
}

// transferFloor reads the moving students' records, writes them once for their new
// establishments and deletes them at the origin, set-based, then rolls back.
func transferFloor(ctx context.Context, app *App, w transferWorld) (float64, error) {
	db := app.DB
	var elapsed time.Duration
	to := make(map[int64]int64, len(w.originStudents)) // origin student → destination student
	destEst := make(map[int64]int64, len(w.destStudents))
	for i, id := range w.originStudents {
		to[id] = w.destStudents[i]
		destEst[w.destStudents[i]] = w.dests[i/1000]
	}
	in := make([]string, len(w.origins))
	for i, id := range w.origins {
		in[i] = fmt.Sprint(id)
	}
	origins := "(" + strings.Join(in, ", ") + ")"
	err := db.Tx(ctx, func(ctx context.Context) error {
		start := time.Now()
		now := time.Now().UTC()
		type pair struct{ student, eval int64 }
		type head struct {
			title, date string
			ref         int64
		}
		heads := map[pair]head{}
		var order []pair
		var results, comments, sits, files [][]any
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var k pair
			var h head
			var comp, value string
			if err := rows.Scan(&k.student, &k.eval, &h.title, &h.date, &h.ref, &comp, &value); err != nil {
				return err
			}
			if _, ok := heads[k]; !ok {
				heads[k] = h
				order = append(order, k)
			}
			results = append(results, []any{k, comp, value})
			return nil
		}, `SELECT r.student_id, r.evaluation_id, e.title, e.eval_date, e.referential_id, r.competency, r.value
			FROM evaluation_results r JOIN evaluations e ON e.establishment_id = r.establishment_id AND e.id = r.evaluation_id
			WHERE r.establishment_id IN `+origins); err != nil {
			return err
		}
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var k pair
			var body string
			err := rows.Scan(&k.student, &k.eval, &body)
			comments = append(comments, []any{k, body})
			return err
		}, `SELECT student_id, evaluation_id, body FROM evaluation_comments WHERE establishment_id IN `+origins); err != nil {
			return err
		}
		sitOf := map[int64]int{}
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var id, st int64
			var level, context, company, title, description, comps, evaluator, result, author string
			if err := rows.Scan(&id, &st, &level, &context, &company, &title, &description, &comps, &evaluator, &result, &author); err != nil {
				return err
			}
			sitOf[id] = len(sits)
			sits = append(sits, []any{nil, destEst[to[st]], to[st], level, context, company, title, description, comps, evaluator, result, author, now, now})
			return nil
		}, `SELECT id, student_id, level, context, company, title, description, competencies, evaluator, result, author_name
			FROM situations WHERE establishment_id IN `+origins); err != nil {
			return err
		}
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var sid, size int64
			var name, ctype, sum string
			err := rows.Scan(&sid, &name, &ctype, &size, &sum)
			files = append(files, []any{sid, name, ctype, size, sum, now})
			return err
		}, `SELECT situation_id, name, content_type, size, sha256 FROM attachments WHERE establishment_id IN `+origins); err != nil {
			return err
		}
		// Write them once for the destination.
		evIDs, err := db.NextIDs(ctx, "evaluations", len(order))
		if err != nil {
			return err
		}
		newEval := make(map[pair]int64, len(order))
		headRows := make([][]any, len(order))
		for i, k := range order {
			newEval[k] = evIDs[i]
			h := heads[k]
			headRows[i] = []any{evIDs[i], destEst[to[k.student]], h.title, h.date, "", "", h.ref, competency.FormerEstablishment, now, now}
		}
		for i, r := range results {
			k := r[0].(pair)
			results[i] = []any{destEst[to[k.student]], newEval[k], to[k.student], r[1], r[2], now}
		}
		for i, c := range comments {
			k := c[0].(pair)
			comments[i] = []any{destEst[to[k.student]], newEval[k], to[k.student], c[1], now}
		}
		sitIDs, err := db.NextIDs(ctx, "situations", len(sits))
		if err != nil {
			return err
		}
		for i := range sits {
			sits[i][0] = sitIDs[i]
		}
		for i, f := range files {
			x := sits[sitOf[f[0].(int64)]]
			files[i] = append([]any{x[1], x[0]}, f[1:]...)
		}
		if err := copyRecords(ctx, db, headRows, results, comments, sits, files); err != nil {
			return err
		}
		// Delete them at the origin.
		for _, q := range []string{"evaluation_results", "evaluation_comments", "evaluations", "situations", "deactivated_students"} {
			if _, err := db.Exec(ctx, `DELETE FROM `+q+` WHERE establishment_id IN `+origins); err != nil {
				return err
			}
		}
		elapsed = time.Since(start)
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return elapsed.Seconds(), err
}

// PurgeBench is the output of bench purge.
type PurgeBench struct {
	StudentsInDB int64                `json:"students_in_db"`
	Expired      int                  `json:"expired"`
	Results      int64                `json:"results"`
	Files        int                  `json:"files"`
	SetupSeconds float64              `json:"setup_seconds"`
	FloorSeconds float64              `json:"floor_seconds"`
	RunSeconds   float64              `json:"run_seconds"`
	Counts       transfer.PurgeCounts `json:"counts"`
}

func benchPurgeCmd() *cmd {
	var n, withFiles, fileSize int
	var asJSON bool
	return &cmd{name: "purge", summary: "time the weekly purge of students who left more than six months ago, on the configured database",
		flags: func(fs *flag.FlagSet) {
			fs.IntVar(&n, "students", 100000, "active students of the database (the first by id) made to have left seven months ago")
			fs.IntVar(&withFiles, "with-files", 10000, "how many of them have a professional situation with a file")
			fs.IntVar(&fileSize, "file-size", 4096, "size of each file in bytes")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			app, err := r.open(ctx)
			if err != nil {
				return err
			}
			defer app.Close()
			res, err := benchPurge(ctx, app, n, withFiles, fileSize, r.stderr)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(r.stdout, res)
			}
			fmt.Fprintf(r.stdout, "database %s: %d students; %d expired (%d results, %d files); setup %.1fs\n",
				app.DB, res.StudentsInDB, res.Expired, res.Results, res.Files, res.SetupSeconds)
			fmt.Fprintf(r.stdout, "floor (delete the same rows once, set-based, files not unlinked): %.2fs\n", res.FloorSeconds)
			fmt.Fprintf(r.stdout, "purge job: %.2fs (%.1f× the floor): %d purged, %d accounts and %d files deleted\n",
				res.RunSeconds, res.RunSeconds/res.FloorSeconds, res.Counts.Purged, res.Counts.AccountsDeleted, res.Counts.FilesDeleted)
			return nil
		}}
}

func benchPurge(ctx context.Context, app *App, n, withFiles, fileSize int, progress io.Writer) (PurgeBench, error) {
	res := PurgeBench{}
	db := app.DB
	start := time.Now()
	now := time.Now().UTC()
	left := now.AddDate(0, -7, 0).Format("2006-01-02")
	fmt.Fprintf(progress, "making %d students leave on %s…\n", n, left)
	var ids []int64
	err := db.Tx(ctx, func(ctx context.Context) error {
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		}, `SELECT id FROM students WHERE status = 'active' AND nouvel_eleve = '0' ORDER BY id LIMIT `+fmt.Sprint(n)); err != nil {
			return err
		}
		if len(ids) < n {
			return fmt.Errorf("the database has %d settled active students, fewer than --students %d: fill it with bench load first", len(ids), n)
		}
		last := ids[len(ids)-1]
		if _, err := db.Exec(ctx, `UPDATE students SET status = 'deactivated', exit_date = $1
			WHERE status = 'active' AND nouvel_eleve = '0' AND id <= $2`, left, last); err != nil {
			return err
		}
		_, err := db.Exec(ctx, `INSERT INTO deactivated_students (unqid, establishment_id, origin_uai, student_id, deactivated_on, mef)
			SELECT s.unqid, s.establishment_id, e.uai, s.id, $1, s.mef FROM students s JOIN establishments e ON e.id = s.establishment_id
			WHERE s.status = 'deactivated' AND s.exit_date = $1 AND s.id <= $2 AND s.unqid IS NOT NULL
			ON CONFLICT DO NOTHING`, left, last)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Expired = len(ids)
	withFiles = min(withFiles, len(ids))
	fmt.Fprintf(progress, "writing %d situations with a file…\n", withFiles)
	pad := strings.Repeat("x", fileSize)
	var sits [][]any
	var files []string
	step := max(len(ids)/max(withFiles, 1), 1)
	for i := 0; i < len(ids) && len(files) < withFiles; i += step {
		body := fmt.Sprintf("%%PDF-1.4\n%% purge %d\n%s\n%%%%EOF\n", ids[i], pad)
		sum, _, err := app.Blobs.Put(ctx, strings.NewReader(body), int64(len(body)))
		if err != nil {
			return res, err
		}
		files = append(files, sum)
		sits = append(sits, []any{ids[i], sum, int64(len(body))})
	}
	err = db.Tx(ctx, func(ctx context.Context) error {
		sitIDs, err := db.NextIDs(ctx, "situations", len(sits))
		if err != nil {
			return err
		}
		estOf := map[int64]int64{}
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var id, est int64
			err := rows.Scan(&id, &est)
			estOf[id] = est
			return err
		}, `SELECT id, establishment_id FROM students WHERE status = 'deactivated' AND exit_date = $1`, left); err != nil {
			return err
		}
		var sitRows, fileRows [][]any
		for i, x := range sits {
			st := x[0].(int64)
			sitRows = append(sitRows, []any{sitIDs[i], estOf[st], st, "bac", "PFMP", "Stage", "[]", "bench", now, now})
			fileRows = append(fileRows, []any{estOf[st], sitIDs[i], "rapport.pdf", "application/pdf", x[2], x[1], now})
		}
		if _, err := db.CopyRows(ctx, "situations", []string{"id", "establishment_id", "student_id", "level", "context", "title", "competencies",
			"author_name", "created_at", "updated_at"}, sitRows); err != nil {
			return err
		}
		_, err = db.CopyRows(ctx, "attachments", []string{"establishment_id", "situation_id", "name", "content_type", "size", "sha256", "created_at"}, fileRows)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Files = len(files)
	res.SetupSeconds = time.Since(start).Seconds()
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM students`).Scan(&res.StudentsInDB); err != nil {
		return res, err
	}
	if db.Engine() == store.Postgres {
		if _, err := db.Exec(ctx, analyzeTables); err != nil {
			return res, err
		}
	}
	expired := `SELECT id FROM students WHERE status = 'deactivated' AND exit_date <> '' AND exit_date < $1`
	cutoff := transfer.Retention.Before(now).Format("2006-01-02")
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_results WHERE (establishment_id, student_id) IN (
		SELECT establishment_id, id FROM students WHERE status = 'deactivated' AND exit_date <> '' AND exit_date < $1)`, cutoff).Scan(&res.Results); err != nil {
		return res, err
	}
	fmt.Fprintln(progress, "measuring the floor…")
	err = db.Tx(ctx, func(ctx context.Context) error {
		t := time.Now()
		var ests []string
		if err := db.Each(ctx, func(rows *sql.Rows) error {
			var e int64
			err := rows.Scan(&e)
			ests = append(ests, fmt.Sprint(e))
			return err
		}, `SELECT DISTINCT establishment_id FROM students WHERE status = 'deactivated' AND exit_date <> '' AND exit_date < $1`, cutoff); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM accounts WHERE id IN (SELECT account_id FROM students WHERE status = 'deactivated' AND exit_date <> '' AND exit_date < $1)`,
			`DELETE FROM deactivated_students WHERE student_id IN (` + expired + `)`,
			`DELETE FROM students WHERE id IN (` + expired + `)`,
		} {
			if _, err := db.Exec(ctx, q, cutoff); err != nil {
				return err
			}
		}
		if len(ests) > 0 {
			if _, err := db.Exec(ctx, `DELETE FROM evaluations WHERE establishment_id IN (`+strings.Join(ests, ", ")+`)
				AND NOT EXISTS (SELECT 1 FROM evaluation_results r WHERE r.establishment_id = evaluations.establishment_id AND r.evaluation_id = evaluations.id)
				AND NOT EXISTS (SELECT 1 FROM evaluation_comments m WHERE m.establishment_id = evaluations.establishment_id AND m.evaluation_id = evaluations.id)`); err != nil {
				return err
			}
		}
		res.FloorSeconds = time.Since(t).Seconds()
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return res, err
	}
	fmt.Fprintln(progress, "running the purge…")
	t := time.Now()
	if res.Counts, err = app.Transfers.RunPurge(ctx); err != nil {
		return res, err
	}
	res.RunSeconds = time.Since(t).Seconds()
	return res, nil
}

// copyRecords writes evaluation heads, results, comments, situations and attachment rows
// in the column orders the benchmarks build them.
func copyRecords(ctx context.Context, db *store.DB, heads, results, comments, sits, files [][]any) error {
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"evaluations", []string{"id", "establishment_id", "title", "eval_date", "level", "class", "referential_id", "author_name", "created_at", "updated_at"}, heads},
		{"evaluation_results", []string{"establishment_id", "evaluation_id", "student_id", "competency", "value", "updated_at"}, results},
		{"evaluation_comments", []string{"establishment_id", "evaluation_id", "student_id", "body", "updated_at"}, comments},
		{"situations", []string{"id", "establishment_id", "student_id", "level", "context", "company", "title", "description", "competencies",
			"evaluator", "result", "author_name", "created_at", "updated_at"}, sits},
		{"attachments", []string{"establishment_id", "situation_id", "name", "content_type", "size", "sha256", "created_at"}, files},
	} {
		if _, err := db.CopyRows(ctx, t.table, t.cols, t.rows); err != nil {
			return fmt.Errorf("%s: %w", t.table, err)
		}
	}
	return nil
}
