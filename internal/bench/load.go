package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

// LoadOptions size a bulk load.
type LoadOptions struct {
	Establishments int
	Students       int // per establishment
	FirstUAI       int // number of the first UAI (7 digits; the check letter is computed)
	Results        int // evaluation results per student (4 per evaluation, one evaluation per class every 4 results)
}

// Load fills the database for the scale benchmarks: establishments of students, each
// with a pending account and its membership, and evaluation results, written set-based
// through the tables' owners (COPY on PostgreSQL, batched INSERTs on SQLite), without
// the import's checks; one transaction per establishment. Person i of the load has the
// INE the SIECLE generator gives person i, so files generated with --first-index meet
// these students. It returns the number of students written; progress is told the
// number of establishments done.
func Load(ctx context.Context, app *App, o LoadOptions, progress func(done int)) (int, error) {
	db := app.DB
	key, err := app.Secrets.Get(ctx, secret.Unqid)
	if err != nil {
		return 0, err
	}
	var ref competency.Referential
	if o.Results > 0 {
		if ref, err = referentials(ctx, app); err != nil {
			return 0, err
		}
	}
	mefs := siecle.GeneratedMEFs()
	now := time.Now().UTC()
	entry := now.AddDate(0, -2, 0).Format("2006-01-02")
	op := authz.OperatorPrincipal()
	total := 0
	for e := range o.Establishments {
		uai := siecle.MakeUAI(o.FirstUAI + e)
		name := "Établissement " + uai
		academie, kind, yes := "Bench", "lycée professionnel", true
		est, err := app.Establishments.Create(ctx, op.Actor(), establishment.Input{UAI: uai, Name: &name, Academie: &academie, Kind: &kind,
			TransfersSend: &yes, TransfersReceive: &yes})
		if err != nil {
			return total, err
		}
		people := make([]account.Pending, o.Students)
		recs := make([]student.Record, o.Students)
		for i := range o.Students {
			person := e*o.Students + i
			first, last := benchNames[person%len(benchNames)], benchSurnames[(person/len(benchNames))%len(benchSurnames)]
			mef := mefs[person%len(mefs)]
			unqid, ineStatus := benchINE(key, person)
			people[i] = account.Pending{Login: fmt.Sprintf("b%d.%d", o.FirstUAI+e, i), DisplayName: first + " " + last}
			recs[i] = student.Record{EleveID: fmt.Sprint(10000000 + person), Unqid: unqid, INEStatus: ineStatus, LastName: last, FirstName: first,
				BirthDate: "2008-05-17", Sex: "F", Class: fmt.Sprintf("%s-%c", mef.Formation, 'A'+rune(i/35%26)), MEF: string(mef.Code),
				EntryDate: entry, Status: student.StatusActive}
		}
		err = db.Tx(ctx, func(ctx context.Context) error {
			accs, err := account.CopyPending(ctx, db, op.Actor(), authz.Membership{Role: authz.RoleStudent, EstablishmentID: est.ID}, people, now)
			if err != nil {
				return err
			}
			ins := make([]student.Insert, len(recs))
			for i := range recs {
				ins[i] = student.Insert{Record: &recs[i], AccountID: accs[i], NouvelEleve: student.NouvelSettled}
			}
			ids, err := student.Apply(ctx, db, est, ins, nil, now)
			if err != nil || o.Results == 0 {
				return err
			}
			return loadResults(ctx, app, est.ID, ids, recs, ref, o.Results, now)
		})
		if err != nil {
			return total, err
		}
		total += o.Students
		if progress != nil && (e%10 == 9 || e == o.Establishments-1) {
			progress(e + 1)
		}
	}
	return total, analyze(ctx, db)
}

// loadResult is one evaluation result to write, compact until its row is made.
type loadResult struct {
	head        int
	student     int64
	comp, value int
}

// loadResults writes one evaluation per class and per 4 results, 4 competencies each.
func loadResults(ctx context.Context, app *App, est int64, ids []int64, recs []student.Record, ref competency.Referential, per int, now time.Time) error {
	nEval := (per + 3) / 4
	var heads []competency.Head
	var results []loadResult
	for classStart := 0; classStart < len(ids); {
		size := min(35, len(ids)-classStart)
		for k := range nEval {
			date := now.AddDate(0, -nEval+k, 0).Format("2006-01-02")
			heads = append(heads, competency.Head{EstablishmentID: est, Title: fmt.Sprintf("Évaluation %d", k+1), Date: date,
				Class: recs[classStart].Class, ReferentialID: ref.ID, AuthorName: "bench"})
			for j := range size {
				for c := 0; c < 4 && k*4+c < per; c++ {
					results = append(results, loadResult{head: len(heads) - 1, student: ids[classStart+j],
						comp: (k*4 + c) % len(ref.Competencies), value: (j + k + c) % len(ref.Scale)})
				}
			}
		}
		classStart += size
	}
	_, err := competency.Write(ctx, app.DB, heads, len(results), func(i int) competency.Mark {
		x := results[i]
		return competency.Mark{Head: x.head, StudentID: x.student, Competency: ref.Competencies[x.comp].Code, Value: ref.Scale[x.value].Value}
	}, nil, now)
	return err
}
