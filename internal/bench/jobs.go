package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
)

// The transfer and purge benchmarks add their own students to the configured database
// (fill it first with Load to measure at scale), time the job, and time the floor it is
// compared with: the same rows moved or deleted at once, for every student together, by
// the owners' set-based functions, in one transaction that is rolled back.

// errRollback ends a measuring transaction without keeping what it wrote.
var errRollback = errors.New("rollback")

// TransferOptions size the transfer benchmark.
type TransferOptions struct {
	Pending     int // new students (nouvelEleve = 1) waiting for their records
	WithData    int // how many of them left another establishment with records
	Evaluations int // per student with records (4 results and a comment each)
	Situations  int // per student with records (one file each)
	FileSize    int // of each attached file, in bytes
	FirstUAI    int // number of the first UAI of the establishments the benchmark adds
}

// TransferResult is the output of the transfer benchmark.
type TransferResult struct {
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

// Print writes the result in words.
func (res TransferResult) Print(w io.Writer, db string) {
	fmt.Fprintf(w, "database %s: %d students; %d pending, %d with records elsewhere (%d rows, %d files); setup %.1fs\n",
		db, res.StudentsInDB, res.Pending, res.WithData, res.RowsMoved, res.Files, res.SetupSeconds)
	fmt.Fprintf(w, "floor (the same records moved for all students at once, set-based): %.2fs\n", res.FloorSeconds)
	fmt.Fprintf(w, "transfer job: %.2fs (%.1f× the floor), %d transferred, %d examined\n",
		res.RunSeconds, res.RunSeconds/res.FloorSeconds, res.Counts.Transferred, res.Counts.Examined)
	fmt.Fprintf(w, "next day's run (nothing to move, %d still waiting): %.2fs\n", res.RerunCounts.Waiting, res.RerunSeconds)
}

// transferWorld is what the setup wrote.
type transferWorld struct {
	moves []competency.Move // origin student i moves to his destination row
	rows  int64
	files int
}

// Transfer times the daily transfer job on new students added to the database, some of
// whom left other establishments with records.
func Transfer(ctx context.Context, app *App, o TransferOptions, progress io.Writer) (TransferResult, error) {
	res := TransferResult{Pending: o.Pending, WithData: o.WithData}
	if o.WithData > o.Pending {
		return res, apperr.Invalid("invalid_option", "--with-data (%d) cannot exceed --pending (%d)", o.WithData, o.Pending)
	}
	start := time.Now()
	w, err := setupTransfer(ctx, app, o, progress)
	if err != nil {
		return res, err
	}
	res.SetupSeconds = time.Since(start).Seconds()
	res.RowsMoved, res.Files = w.rows, w.files
	if res.StudentsInDB, _, _, err = student.Span(ctx, app.DB); err != nil {
		return res, err
	}
	if err := analyze(ctx, app.DB); err != nil {
		return res, err
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

// setupTransfer adds establishments whose students left with records (deactivated, in
// the index) and establishments where they arrive, with other new students whose
// records are nowhere.
func setupTransfer(ctx context.Context, app *App, o TransferOptions, progress io.Writer) (transferWorld, error) {
	var w transferWorld
	db := app.DB
	if _, err := app.Establishments.ByUAI(ctx, siecle.MakeUAI(o.FirstUAI)); apperr.KindOf(err) != apperr.KindNotFound {
		if err != nil {
			return w, err
		}
		return w, fmt.Errorf("this database already holds the benchmark's establishments (UAI %s): use another --first-uai or a fresh database", siecle.MakeUAI(o.FirstUAI))
	}
	key, err := app.Secrets.Get(ctx, secret.Unqid)
	if err != nil {
		return w, err
	}
	ref, err := referentials(ctx, app)
	if err != nil {
		return w, err
	}
	// The files first: the rows that point at them are written after.
	fmt.Fprintf(progress, "writing %d files…\n", o.WithData*o.Situations)
	sums := make([]string, o.WithData*o.Situations)
	pad := strings.Repeat("0123456789abcdef", max(o.FileSize/16, 1))
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
	nOrig, nDest := (o.WithData+per-1)/per, (o.Pending+per-1)/per
	op := authz.OperatorPrincipal().Actor()
	ests := make([]establishment.Establishment, nOrig+nDest)
	for i := range ests {
		uai := siecle.MakeUAI(o.FirstUAI + i)
		name, academie, kind := "Bench "+uai, "Bench", "lycée professionnel"
		send, receive := i < nOrig, i >= nOrig
		if ests[i], err = app.Establishments.Create(ctx, op, establishment.Input{UAI: uai, Name: &name, Academie: &academie, Kind: &kind,
			TransfersSend: &send, TransfersReceive: &receive}); err != nil {
			return w, err
		}
	}
	origins, dests := ests[:nOrig], ests[nOrig:]
	person := func(i, p int) student.Record {
		first, last := benchNames[p%len(benchNames)], benchSurnames[(p/len(benchNames))%len(benchSurnames)]
		mef := mefs[p%len(mefs)]
		unqid, ineStatus := benchINE(key, p)
		return student.Record{EleveID: fmt.Sprint(30000000 + p), Unqid: unqid, INEStatus: ineStatus, LastName: last, FirstName: first,
			BirthDate: "2008-05-17", Sex: "F", Class: fmt.Sprintf("%s-%c", mef.Formation, 'A'+rune(i%per/35%26)), MEF: string(mef.Code),
			EntryDate: "2025-09-01", Status: student.StatusActive}
	}
	movers := benchPersons(10000000, o.WithData)
	others := benchPersons(20000000, o.Pending-o.WithData)
	err = db.Tx(ctx, func(ctx context.Context) error {
		// The students who left, one origin establishment per thousand: deactivated, and
		// so in the index (student.Apply).
		var originIDs []int64
		var classes []string
		for k, e := range origins {
			var ins []student.Insert
			for i := k * per; i < min((k+1)*per, o.WithData); i++ {
				r := person(i, movers[i])
				r.ExitDate, r.Status = left, student.StatusDeactivated
				classes = append(classes, r.Class)
				ins = append(ins, student.Insert{Record: &r, NouvelEleve: student.NouvelSettled})
			}
			ids, err := student.Apply(ctx, db, e, ins, nil, now)
			if err != nil {
				return err
			}
			originIDs = append(originIDs, ids...)
		}
		// Where they arrive, among new students whose records are nowhere.
		for k, e := range dests {
			var ins []student.Insert
			for j := k * per; j < min((k+1)*per, o.Pending); j++ {
				var r student.Record
				if j < o.WithData {
					r = person(j, movers[j])           // the same person as origin student j
					r.PreviousUAI = origins[j/per].UAI // SIECLE's ancienRNE: where he comes from
				} else {
					r = person(j, others[j-o.WithData])
				}
				r.EntryDate = entered
				ins = append(ins, student.Insert{Record: &r, NouvelEleve: student.NouvelRecent})
			}
			ids, err := student.Apply(ctx, db, e, ins, nil, now)
			if err != nil {
				return err
			}
			for i, id := range ids {
				if j := k*per + i; j < o.WithData {
					w.moves = append(w.moves, competency.Move{FromEstablishment: origins[j/per].ID, FromStudent: originIDs[j],
						ToEstablishment: e.ID, ToStudent: id})
				}
			}
		}
		// Evaluations per origin class of 35, each with 4 results and a comment per student.
		var heads []competency.Head
		var marks []competency.Mark
		var notes []competency.Note
		for c := 0; c < o.WithData; c += 35 {
			est := origins[c/per]
			for k := range o.Evaluations {
				heads = append(heads, competency.Head{EstablishmentID: est.ID, Title: fmt.Sprintf("Évaluation %d", k+1),
					Date: now.AddDate(0, 0, -100+k).Format("2006-01-02"), Class: classes[c], ReferentialID: ref.ID, AuthorName: "bench"})
				h := len(heads) - 1
				for i := c; i < min(c+35, o.WithData) && i/per == c/per; i++ {
					for x := range 4 {
						marks = append(marks, competency.Mark{Head: h, StudentID: originIDs[i], Competency: ref.Competencies[(k*4+x)%len(ref.Competencies)].Code,
							Value: ref.Scale[(i+k+x)%len(ref.Scale)].Value})
					}
					notes = append(notes, competency.Note{Head: h, StudentID: originIDs[i], Body: fmt.Sprintf("Travail sérieux, évaluation %d.", k+1)})
				}
			}
		}
		if _, err := competency.Write(ctx, db, heads, len(marks), func(i int) competency.Mark { return marks[i] }, notes, now); err != nil {
			return err
		}
		var sheets []passport.Sheet
		var files []passport.File
		for i := range o.WithData * o.Situations {
			st := i / o.Situations
			sheets = append(sheets, passport.Sheet{EstablishmentID: origins[st/per].ID, StudentID: originIDs[st], Level: "bac", Context: "PFMP",
				Company: "Stage en entreprise", Title: fmt.Sprintf("Situation %d", i%o.Situations+1), Description: "Installation d'un tableau électrique",
				Competencies: "[]", Author: "bench"})
			files = append(files, passport.File{Sheet: i, Name: fmt.Sprintf("rapport-%d.pdf", i%o.Situations+1), ContentType: "application/pdf",
				Size: int64(o.FileSize), SHA256: sums[i]})
		}
		if _, err := passport.Write(ctx, db, sheets, files, now); err != nil {
			return err
		}
		// What a transfer writes: a head per evaluation of each student, his results,
		// comments, situations and file rows.
		w.rows = int64(o.WithData*o.Evaluations + len(marks) + len(notes) + len(sheets) + len(files))
		return nil
	})
	return w, err
}

// transferFloor moves the records of every moving student at once with the owners'
// set-based functions (each origin establishment read, written and deleted once), then
// rolls back.
func transferFloor(ctx context.Context, app *App, w transferWorld) (float64, error) {
	var elapsed time.Duration
	moves := make([]passport.Move, len(w.moves))
	for i, m := range w.moves {
		moves[i] = passport.Move(m)
	}
	err := app.DB.Tx(ctx, func(ctx context.Context) error {
		start := time.Now()
		now := time.Now().UTC()
		if _, _, err := competency.MoveStudents(ctx, app.DB, w.moves, now); err != nil {
			return err
		}
		if _, err := passport.MoveStudents(ctx, app.DB, app.Blobs, moves, now); err != nil {
			return err
		}
		elapsed = time.Since(start)
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return elapsed.Seconds(), err
}

// PurgeOptions size the purge benchmark.
type PurgeOptions struct {
	Students  int // active students of the database (the first by id) made to have left seven months ago
	WithFiles int // how many of them have a professional situation with a file
	FileSize  int // of each file, in bytes
}

// PurgeResult is the output of the purge benchmark.
type PurgeResult struct {
	StudentsInDB int64                `json:"students_in_db"`
	Expired      int                  `json:"expired"`
	Results      int64                `json:"results"`
	Files        int                  `json:"files"`
	SetupSeconds float64              `json:"setup_seconds"`
	FloorSeconds float64              `json:"floor_seconds"`
	RunSeconds   float64              `json:"run_seconds"`
	Counts       transfer.PurgeCounts `json:"counts"`
}

// Print writes the result in words.
func (res PurgeResult) Print(w io.Writer, db string) {
	fmt.Fprintf(w, "database %s: %d students; %d expired (%d results, %d files); setup %.1fs\n",
		db, res.StudentsInDB, res.Expired, res.Results, res.Files, res.SetupSeconds)
	fmt.Fprintf(w, "floor (the same rows deleted at once, set-based, files not unlinked): %.2fs\n", res.FloorSeconds)
	fmt.Fprintf(w, "purge job: %.2fs (%.1f× the floor): %d purged, %d accounts and %d files deleted\n",
		res.RunSeconds, res.RunSeconds/res.FloorSeconds, res.Counts.Purged, res.Counts.AccountsDeleted, res.Counts.FilesDeleted)
}

// Purge times the weekly purge: the first settled active students of the database,
// establishment by establishment, are made to have left seven months ago (as an import
// would: student.Apply, which puts them in the index), some with a situation and a file.
func Purge(ctx context.Context, app *App, o PurgeOptions, progress io.Writer) (PurgeResult, error) {
	res := PurgeResult{}
	db := app.DB
	start := time.Now()
	now := time.Now().UTC()
	left := now.AddDate(0, -7, 0).Format("2006-01-02")
	fmt.Fprintf(progress, "making %d students leave on %s…\n", o.Students, left)
	ests, err := app.Establishments.List(ctx)
	if err != nil {
		return res, err
	}
	slices.SortFunc(ests, func(a, b establishment.Establishment) int { return cmp.Compare(a.ID, b.ID) })
	type leaver struct {
		est int64
		id  int64
	}
	var leavers []leaver
	err = db.Tx(ctx, func(ctx context.Context) error {
		for _, e := range ests {
			if len(leavers) >= o.Students {
				break
			}
			var stored []student.Stored
			if err := student.EachStored(ctx, db, e.ID, func(x student.Stored) error {
				if x.Status == student.StatusActive && x.NouvelEleve == student.NouvelSettled {
					stored = append(stored, x)
				}
				return nil
			}); err != nil {
				return err
			}
			slices.SortFunc(stored, func(a, b student.Stored) int { return cmp.Compare(a.ID, b.ID) })
			stored = stored[:min(len(stored), o.Students-len(leavers))]
			updates := make([]student.Update, len(stored))
			for i := range stored {
				after := stored[i].Record
				after.Status, after.ExitDate = student.StatusDeactivated, left
				updates[i] = student.Update{ID: stored[i].ID, Old: &stored[i].Record, New: &after}
				leavers = append(leavers, leaver{e.ID, stored[i].ID})
			}
			if _, err := student.Apply(ctx, db, e, nil, updates, now); err != nil {
				return err
			}
		}
		if len(leavers) < o.Students {
			return fmt.Errorf("the database has %d settled active students, fewer than --students %d: fill it with bench load first", len(leavers), o.Students)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Expired = len(leavers)
	withFiles := min(o.WithFiles, len(leavers))
	fmt.Fprintf(progress, "writing %d situations with a file…\n", withFiles)
	pad := strings.Repeat("x", o.FileSize)
	var sheets []passport.Sheet
	var files []passport.File
	step := max(len(leavers)/max(withFiles, 1), 1)
	for i := 0; i < len(leavers) && len(files) < withFiles; i += step {
		body := fmt.Sprintf("%%PDF-1.4\n%% purge %d\n%s\n%%%%EOF\n", leavers[i].id, pad)
		sum, _, err := app.Blobs.Put(ctx, strings.NewReader(body), int64(len(body)))
		if err != nil {
			return res, err
		}
		files = append(files, passport.File{Sheet: len(sheets), Name: "rapport.pdf", ContentType: "application/pdf", Size: int64(len(body)), SHA256: sum})
		sheets = append(sheets, passport.Sheet{EstablishmentID: leavers[i].est, StudentID: leavers[i].id, Level: "bac", Context: "PFMP", Title: "Stage",
			Competencies: "[]", Author: "bench"})
	}
	if _, err := passport.Write(ctx, db, sheets, files, now); err != nil {
		return res, err
	}
	res.Files = len(files)
	res.SetupSeconds = time.Since(start).Seconds()
	if res.StudentsInDB, _, _, err = student.Span(ctx, db); err != nil {
		return res, err
	}
	if err := analyze(ctx, db); err != nil {
		return res, err
	}
	cutoff := transfer.Retention.Before(now).Format("2006-01-02")
	expired, err := student.ExpiredBefore(ctx, db, cutoff, 0)
	if err != nil {
		return res, err
	}
	byEst, order := group(expired)
	for _, est := range order {
		n, err := competency.CountResults(ctx, db, est, byEst[est])
		if err != nil {
			return res, err
		}
		res.Results += n
	}
	fmt.Fprintln(progress, "measuring the floor…")
	if res.FloorSeconds, err = purgeFloor(ctx, db, cutoff); err != nil {
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

// purgeFloor deletes every expired student at once, with the owners' set-based
// functions, in one transaction rolled back: no batches, no files.
func purgeFloor(ctx context.Context, db *store.DB, cutoff string) (float64, error) {
	var elapsed time.Duration
	err := db.Tx(ctx, func(ctx context.Context) error {
		t := time.Now()
		expired, err := student.ExpiredBefore(ctx, db, cutoff, 0)
		if err != nil {
			return err
		}
		byEst, order := group(expired)
		var accounts []int64
		for _, x := range expired {
			if x.AccountID != 0 {
				accounts = append(accounts, x.AccountID)
			}
		}
		for _, est := range order {
			evals, err := competency.EvaluationsOf(ctx, db, est, byEst[est])
			if err != nil {
				return err
			}
			if err := student.DeleteStudents(ctx, db, est, byEst[est]); err != nil {
				return err
			}
			if err := competency.DeleteEmptyEvaluations(ctx, db, est, evals); err != nil {
				return err
			}
		}
		linked, err := student.AccountLinks(ctx, db, accounts)
		if err != nil {
			return err
		}
		if _, err := account.DeleteStudentAccounts(ctx, db, accounts, linked); err != nil {
			return err
		}
		elapsed = time.Since(t)
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return elapsed.Seconds(), err
}

// group splits students by establishment, in the order establishments first appear.
func group(list []student.Expired) (map[int64][]int64, []int64) {
	by := map[int64][]int64{}
	var order []int64
	for _, x := range list {
		if by[x.EstablishmentID] == nil {
			order = append(order, x.EstablishmentID)
		}
		by[x.EstablishmentID] = append(by[x.EstablishmentID], x.ID)
	}
	return by, order
}
