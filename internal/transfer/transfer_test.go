package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
)

var op = authz.OperatorPrincipal()

// world is two establishments and a student X who leaves A for B with his records.
type world struct {
	s        *apptest.Server
	a, b     establishment.Establishment
	fileA    []byte
	x        student.Student // at A
	xEleveB  string          // X's ELEVE_ID in B's file
	evals    int             // evaluations of X at A
	results  int
	comments int
	files    int
}

func est(t *testing.T, s *apptest.Server, uai, name string, send, receive bool) establishment.Establishment {
	t.Helper()
	e, err := s.App.Establishments.Create(context.Background(), authz.Operator, establishment.Input{UAI: uai, Name: &name, TransfersSend: &send, TransfersReceive: &receive})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func gen(t *testing.T, uai string, seed int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, siecle.GenOptions{UAI: uai, Students: 40, Seed: seed, Year: 2026}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importFile(t *testing.T, s *apptest.Server, uai string, data []byte) importer.Report {
	t.Helper()
	rep, err := s.App.Importer.Siecle(context.Background(), op, uai, importer.Source{Name: "f.xml", R: bytes.NewReader(data), Size: int64(len(data))}, false)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// leave returns the file with an exit date for one student.
func leave(data []byte, eleveID, date string) []byte {
	re := regexp.MustCompile(`(?s)(<ELEVE ELEVE_ID="` + eleveID + `".*?)(</ELEVE>)`)
	return re.ReplaceAll(data, []byte("${1}<DATE_SORTIE>"+date+"</DATE_SORTIE>${2}"))
}

// eleveRE finds the students of a SIECLE file, in order.
var eleveRE = regexp.MustCompile(`(?s)<ELEVE ELEVE_ID="(\d+)".*?</ELEVE>`)

// editStudent applies edit to the k-th student of a file.
func editStudent(data []byte, k int, edit func(string) string) []byte {
	m := eleveRE.FindAllIndex(data, -1)[k]
	out := append([]byte{}, data[:m[0]]...)
	out = append(out, edit(string(data[m[0]:m[1]]))...)
	return append(out, data[m[1]:]...)
}

// from says that the student's last school was uai (SCOLARITE_AN_DERNIER/CODE_RNE,
// our ancienRNE); "" removes it.
func from(uai string) func(string) string {
	return func(el string) string {
		el = regexp.MustCompile(`(?s)\s*<SCOLARITE_AN_DERNIER>.*?</SCOLARITE_AN_DERNIER>`).ReplaceAllString(el, "")
		if uai == "" {
			return el
		}
		return strings.Replace(el, "</ELEVE>", "<SCOLARITE_AN_DERNIER><CODE_RNE>"+uai+"</CODE_RNE></SCOLARITE_AN_DERNIER></ELEVE>", 1)
	}
}

// set gives an element of the student a new value.
func set(tag, value string) func(string) string {
	return func(el string) string {
		return regexp.MustCompile(`<`+tag+`>[^<]*</`+tag+`>`).ReplaceAllLiteralString(el, "<"+tag+">"+value+"</"+tag+">")
	}
}

// tag reads an element of the student.
func tag(el, name string) string {
	m := regexp.MustCompile(`<` + name + `>([^<]*)</` + name + `>`).FindStringSubmatch(el)
	if m == nil {
		return ""
	}
	return m[1]
}

func newWorld(t *testing.T, s *apptest.Server, sendA, receiveB bool) *world {
	t.Helper()
	return newWorldWith(t, s, sendA, receiveB, nil)
}

// newWorldWith builds the world where B's file says of X what edits say (by default,
// what SIECLE says of a student who came from A: his ancienRNE is A).
func newWorldWith(t *testing.T, s *apptest.Server, sendA, receiveB bool, edits ...func(*world) func(string) string) *world {
	t.Helper()
	w := setupWorld(t, s, sendA, receiveB)
	w.leaveA(t)
	w.arriveB(t, edits...)
	return w
}

// setupWorld builds A and B, and X at A with his records.
func setupWorld(t *testing.T, s *apptest.Server, sendA, receiveB bool) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{s: s}
	w.a = est(t, s, "0691234S", "Lycée Alpha", sendA, true)
	w.b = est(t, s, "0381234K", "Lycée Bravo", true, receiveB)
	w.fileA = gen(t, w.a.UAI, 1)
	importFile(t, s, w.a.UAI, w.fileA)
	page, err := s.App.Students.List(ctx, op, w.a.UAI, student.Filter{Status: "active", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range page.Students {
		if st.INEStatus == "ok" || st.INEStatus == "unchecked" {
			w.x = st
			break
		}
	}
	refs, err := s.App.Competencies.ForMEF(ctx, w.x.MEF)
	if err != nil || len(refs) == 0 {
		t.Fatalf("no referential for MEF %s: %v", w.x.MEF, err)
	}
	ref := refs[0]
	classmates, _ := s.App.Students.List(ctx, op, w.a.UAI, student.Filter{Class: w.x.Class, Limit: 100})
	for k := range 3 {
		in := competency.Input{Title: fmt.Sprintf("Évaluation %d", k+1), Date: fmt.Sprintf("2026-10-%02d", k+1), Level: "seconde", Class: w.x.Class, Diploma: ref.Code}
		for _, st := range classmates.Students {
			for j := range 4 {
				in.Results = append(in.Results, competency.Result{StudentID: st.ID, Competency: ref.Competencies[j].Code, Value: ref.Scale[(j+k)%len(ref.Scale)].Value})
			}
		}
		in.Comments = []competency.Comment{{StudentID: w.x.ID, Text: fmt.Sprintf("Commentaire %d", k+1)}}
		if _, err := s.App.Competencies.Create(ctx, op, w.a.UAI, in); err != nil {
			t.Fatal(err)
		}
		w.evals++
		w.results += 4
		w.comments++
	}
	for k := range 2 {
		sit, err := s.App.Passports.CreateSituation(ctx, op, w.a.UAI, w.x.ID, passport.SituationInput{Context: "PFMP", Title: fmt.Sprintf("Stage %d", k+1), Description: "Câblage"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Passports.Attach(ctx, op, w.a.UAI, w.x.ID, sit.ID, fmt.Sprintf("rapport-%d.pdf", k+1),
			strings.NewReader(fmt.Sprintf("%%PDF-1.4\n%% stage %d\n%%%%EOF\n", k))); err != nil {
			t.Fatal(err)
		}
		w.files++
	}
	return w
}

// leaveA: X leaves A (the import deactivates him and indexes him).
func (w *world) leaveA(t *testing.T) {
	t.Helper()
	exit := time.Now().AddDate(0, 0, -20).Format("02/01/2006")
	rep := importFile(t, w.s, w.a.UAI, leave(w.fileA, w.x.EleveID, exit))
	if rep.Deactivated != 1 {
		t.Fatalf("X not deactivated: %+v", rep)
	}
}

// arriveB: B imports its file, where X is as edits say.
func (w *world) arriveB(t *testing.T, edits ...func(*world) func(string) string) {
	t.Helper()
	// Both files start at person 0: X is at the same place in B's file as in A's.
	k := 0
	for i, m := range eleveRE.FindAllSubmatch(w.fileA, -1) {
		if string(m[1]) == w.x.EleveID {
			k = i
		}
	}
	// In UTF-8, so that the edits may hold any name.
	fileB, err := charmap.ISO8859_15.NewDecoder().Bytes(gen(t, w.b.UAI, 2))
	if err != nil {
		t.Fatal(err)
	}
	fileB = bytes.Replace(fileB, []byte(`encoding="ISO-8859-15"`), []byte(`encoding="UTF-8"`), 1)
	fileB = editStudent(fileB, k, from(w.a.UAI))
	for _, e := range edits {
		if e != nil {
			fileB = editStudent(fileB, k, e(w))
		}
	}
	w.xEleveB = string(eleveRE.FindAllSubmatch(fileB, -1)[k][1])
	importFile(t, w.s, w.b.UAI, fileB)
}

func (w *world) xAt(t *testing.T, uai string) student.Student {
	t.Helper()
	eleveID := w.x.EleveID
	if uai == w.b.UAI {
		eleveID = w.xEleveB
	}
	page, err := w.s.App.Students.List(context.Background(), op, uai, student.Filter{Query: eleveID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range page.Students {
		if st.EleveID == eleveID {
			return st
		}
	}
	t.Fatalf("X not found at %s", uai)
	return student.Student{}
}

func count(t *testing.T, s *apptest.Server, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// records counts X's records at an establishment.
func (w *world) records(t *testing.T, estID, studentID int64) (evals, results, comments, situations, files int) {
	t.Helper()
	evals = count(t, w.s, `SELECT COUNT(DISTINCT evaluation_id) FROM evaluation_results WHERE establishment_id = $1 AND student_id = $2`, estID, studentID)
	results = count(t, w.s, `SELECT COUNT(*) FROM evaluation_results WHERE establishment_id = $1 AND student_id = $2`, estID, studentID)
	comments = count(t, w.s, `SELECT COUNT(*) FROM evaluation_comments WHERE establishment_id = $1 AND student_id = $2`, estID, studentID)
	situations = count(t, w.s, `SELECT COUNT(*) FROM situations WHERE establishment_id = $1 AND student_id = $2`, estID, studentID)
	files = count(t, w.s, `SELECT COUNT(*) FROM attachments a JOIN situations x ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
		WHERE x.establishment_id = $1 AND x.student_id = $2`, estID, studentID)
	return
}

func (w *world) checkMoved(t *testing.T) student.Student {
	t.Helper()
	xb := w.xAt(t, w.b.UAI)
	ev, res, com, sit, files := w.records(t, w.b.ID, xb.ID)
	if ev != w.evals || res != w.results || com != w.comments || sit != 2 || files != w.files {
		t.Fatalf("at B: %d evaluations, %d results, %d comments, %d situations, %d files; want %d, %d, %d, 2, %d",
			ev, res, com, sit, files, w.evals, w.results, w.comments, w.files)
	}
	if ev, res, com, sit, files := w.records(t, w.a.ID, w.x.ID); ev+res+com+sit+files != 0 {
		t.Fatalf("left at A: %d %d %d %d %d", ev, res, com, sit, files)
	}
	if n := count(t, w.s, `SELECT COUNT(*) FROM evaluations WHERE establishment_id = $1 AND author_name = $2`, w.b.ID, transfer.FormerEstablishment); n != w.evals {
		t.Fatalf("%d evaluations by %q at B", n, transfer.FormerEstablishment)
	}
	if n := count(t, w.s, `SELECT COUNT(*) FROM deactivated_students WHERE student_id = $1`, w.x.ID); n != 0 {
		t.Fatal("X still in the index")
	}
	if xb.NouvelEleve != time.Now().Format("2006-01-02") {
		t.Fatalf("nouvelEleve at B: %q", xb.NouvelEleve)
	}
	// His classmates' results at A are untouched.
	if n := count(t, w.s, `SELECT COUNT(*) FROM evaluation_results WHERE establishment_id = $1`, w.a.ID); n == 0 {
		t.Fatal("the classmates' results went too")
	}
	return xb
}

func TestTransferMovesRecords(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, true, true)
		c, err := s.App.Transfers.RunTransfers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.Transferred != 1 || c.Examined < 30 || c.Impossible != 0 {
			t.Fatalf("counts %+v", c)
		}
		xb := w.checkMoved(t)
		// The moved files are readable at B (the same stored content).
		sits, err := s.App.Passports.Situations(context.Background(), op, w.b.UAI, xb.ID)
		if err != nil || len(sits) != 2 || len(sits[0].Attachments) != 1 {
			t.Fatalf("situations at B: %v %v", sits, err)
		}
		if _, rc, err := s.App.Passports.OpenAttachment(context.Background(), op, w.b.UAI, xb.ID, sits[0].Attachments[0].ID); err != nil {
			t.Fatalf("file at B: %v", err)
		} else {
			rc.Close()
		}
		// A second run changes nothing.
		c, err = s.App.Transfers.RunTransfers(context.Background())
		if err != nil || c.Transferred != 0 {
			t.Fatalf("second run: %+v %v", c, err)
		}
		w.checkMoved(t)
		// Both dashboards show the receipt; the student is told.
		da, err := s.App.Transfers.Dashboard(context.Background(), op, w.a.UAI)
		if err != nil || len(da.Done) != 1 || da.Done[0].Direction != "sent" || da.Done[0].OtherUAI != w.b.UAI || da.Done[0].Evaluations != w.evals {
			t.Fatalf("A's dashboard: %+v %v", da.Done, err)
		}
		db, _ := s.App.Transfers.Dashboard(context.Background(), op, w.b.UAI)
		if len(db.Done) != 1 || db.Done[0].Direction != "received" || db.Done[0].Files != w.files || db.Done[0].StudentID != xb.ID {
			t.Fatalf("B's dashboard: %+v", db.Done)
		}
		// Both receipts name what matched: the same person, coming from A.
		for _, d := range []transfer.Done{da.Done[0], db.Done[0]} {
			if got := strings.Join(d.Matched, ","); got != "ine,birth_date,previous_uai,names" || d.ConfirmedBy != "" || d.ConfirmedAt != nil {
				t.Fatalf("receipt (%s) matched %q, confirmed by %q", d.Direction, got, d.ConfirmedBy)
			}
		}
		if len(db.Pending) == 0 {
			t.Fatal("B's other new students are not shown waiting")
		}
		if n, err := s.App.Transfers.Received(context.Background(), op, w.b.UAI, 7); err != nil || n != 1 {
			t.Fatalf("B received %d this week (%v)", n, err)
		}
		if n, _ := s.App.Transfers.Received(context.Background(), op, w.a.UAI, 7); n != 0 {
			t.Fatalf("A received %d", n)
		}
		notices, err := s.App.Transfers.Notices(context.Background(), &authz.Principal{AccountID: xb.AccountID})
		if err != nil || len(notices) != 1 || notices[0].FromUAI != w.a.UAI {
			t.Fatalf("notices: %+v %v", notices, err)
		}
	})
}

func TestTransferNeedsBothConsentsAndWaitsForThem(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorld(t, s, false, true) // A does not send
		c, err := s.App.Transfers.RunTransfers(ctx)
		if err != nil || c.Transferred != 0 || c.Impossible != 1 {
			t.Fatalf("counts %+v %v", c, err)
		}
		d, _ := s.App.Transfers.Dashboard(ctx, op, w.b.UAI)
		if len(d.Impossible) != 1 || strings.Join(d.Impossible[0].ReasonCodes, ",") != transfer.CodeNoSend || d.Impossible[0].OtherUAI != w.a.UAI {
			t.Fatalf("impossible: %+v", d.Impossible)
		}
		for lang, want := range map[string]string{"fr": "l’établissement d’origine n’autorise pas l’envoi", "en": "the origin establishment does not allow sending"} {
			if d.Words(lang); !strings.Contains(d.Impossible[0].Reason, want) {
				t.Errorf("%s: %q", lang, d.Impossible[0].Reason)
			}
		}
		// Nothing moved; once A allows sending, the next run moves him.
		on := true
		if _, err := s.App.Establishments.Update(ctx, authz.Operator, establishment.Input{UAI: w.a.UAI, TransfersSend: &on}); err != nil {
			t.Fatal(err)
		}
		c, err = s.App.Transfers.RunTransfers(ctx)
		if err != nil || c.Transferred != 1 {
			t.Fatalf("after consent: %+v %v", c, err)
		}
		w.checkMoved(t)
	})
}

func TestDiplomaChangeMovesNothing(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorld(t, s, true, true)
		xb := w.xAt(t, w.b.UAI)
		if _, err := s.App.DB.Exec(ctx, `UPDATE students SET mef = '10010012110' WHERE id = $1`, xb.ID); err != nil { // collège
			t.Fatal(err)
		}
		c, err := s.App.Transfers.RunTransfers(ctx)
		if err != nil || c.DiplomaChanged != 1 || c.Transferred != 0 {
			t.Fatalf("counts %+v %v", c, err)
		}
		if got := w.xAt(t, w.b.UAI).NouvelEleve; got != student.NouvelChangementDiplo {
			t.Fatalf("nouvelEleve %q", got)
		}
		if ev, _, _, sit, _ := w.records(t, w.a.ID, w.x.ID); ev != w.evals || sit != 2 {
			t.Fatal("records moved or lost on a diploma change")
		}
	})
}

func TestAgedOut(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorld(t, s, true, true)
		if _, err := s.App.DB.Exec(ctx, `UPDATE students SET entry_date = '2024-09-02' WHERE establishment_id = $1`, w.b.ID); err != nil {
			t.Fatal(err)
		}
		c, err := s.App.Transfers.RunTransfers(ctx)
		if err != nil || c.AgedOut < 30 || c.Transferred != 0 {
			t.Fatalf("counts %+v %v", c, err)
		}
		if got := w.xAt(t, w.b.UAI).NouvelEleve; got != student.NouvelSettled {
			t.Fatalf("nouvelEleve %q", got)
		}
	})
}

// TestCrashAtEveryStep kills the run at each step of a move, then re-runs it: nothing
// is lost, nothing is duplicated.
func TestCrashAtEveryStep(t *testing.T) {
	for _, step := range []string{"claimed", "evaluations", "situations", "before-commit", "committed"} {
		t.Run(step, func(t *testing.T) {
			apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
				w := newWorld(t, s, true, true)
				crash := errors.New("killed at " + step)
				transfer.SetCrash(s.App.Transfers, func(at string) error {
					if at == step {
						return crash
					}
					return nil
				})
				if _, err := s.App.Transfers.RunTransfers(context.Background()); !errors.Is(err, crash) {
					t.Fatalf("the run did not stop at %s: %v", step, err)
				}
				if step != "committed" {
					// Rolled back: everything still at A.
					if ev, _, _, sit, files := w.records(t, w.a.ID, w.x.ID); ev != w.evals || sit != 2 || files != w.files {
						t.Fatalf("after a crash at %s, A has %d evaluations, %d situations, %d files", step, ev, sit, files)
					}
				}
				transfer.SetCrash(s.App.Transfers, nil)
				if _, err := s.App.Transfers.RunTransfers(context.Background()); err != nil {
					t.Fatal(err)
				}
				w.checkMoved(t)
			})
		})
	}
}

// TestTwoInstancesMoveOnce runs the job on two "instances" at once (no lease, to test
// the per-student compare-and-set itself): each student is moved once.
func TestTwoInstancesMoveOnce(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, true, true)
		var wg sync.WaitGroup
		counts := make([]transfer.Counts, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = s.App.Transfers.RunTransfers(context.Background())
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if counts[0].Transferred+counts[1].Transferred != 1 {
			t.Fatalf("moved %d + %d times", counts[0].Transferred, counts[1].Transferred)
		}
		w.checkMoved(t)
		// With the lease, the second instance does not even start.
		ctx := context.Background()
		first := s.App.Jobs.WithInstance("one")
		release := make(chan struct{})
		started := make(chan struct{})
		go first.Do(ctx, "transfer", "test", func(context.Context) (any, error) { close(started); <-release; return nil, nil })
		<-started
		_, err := s.App.Jobs.WithInstance("two").Do(ctx, "transfer", "test", func(context.Context) (any, error) { return nil, nil })
		close(release)
		if err == nil || !strings.Contains(err.Error(), "another instance") {
			t.Fatalf("second instance with the lease held: %v", err)
		}
	})
}

func TestPurge(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		w := newWorld(t, s, false, false) // nothing moves: X's records stay at A
		var sum string
		if err := s.App.DB.QueryRow(ctx, `SELECT a.sha256 FROM attachments a JOIN situations x ON x.id = a.situation_id WHERE x.student_id = $1 LIMIT 1`, w.x.ID).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		c, err := s.App.Transfers.RunPurge(ctx)
		if err != nil || c.Purged != 0 {
			t.Fatalf("a student who left 20 days ago was purged: %+v %v", c, err)
		}
		// Seven months later he goes, with everything.
		if _, err := s.App.DB.Exec(ctx, `UPDATE students SET exit_date = '2025-01-15' WHERE id = $1`, w.x.ID); err != nil {
			t.Fatal(err)
		}
		c, err = s.App.Transfers.RunPurge(ctx)
		if err != nil || c.Purged != 1 || c.AccountsDeleted != 1 || c.FilesDeleted != w.files {
			t.Fatalf("purge: %+v %v", c, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM students WHERE id = $1`, w.x.ID); n != 0 {
			t.Fatal("student still there")
		}
		if ev, res, com, sit, files := w.records(t, w.a.ID, w.x.ID); ev+res+com+sit+files != 0 {
			t.Fatal("records left")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM deactivated_students WHERE student_id = $1`, w.x.ID); n != 0 {
			t.Fatal("still in the index")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM accounts WHERE id = $1`, w.x.AccountID); n != 0 {
			t.Fatal("account left")
		}
		if ok, _ := s.App.Blobs.Exists(ctx, sum); ok {
			t.Fatal("file left in the store")
		}
		// The classmates and their results stay.
		if n := count(t, s, `SELECT COUNT(*) FROM evaluation_results WHERE establishment_id = $1`, w.a.ID); n == 0 {
			t.Fatal("classmates' results purged")
		}
		// The run is audited with counts, without names.
		var detail string
		if err := s.App.DB.QueryRow(ctx, `SELECT detail FROM audit_events WHERE action = 'purge.run' ORDER BY id DESC LIMIT 1`).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, `"purged":1`) || strings.Contains(detail, w.x.LastName) {
			t.Fatalf("audit detail %s", detail)
		}
	})
}

// TestDashboardCSV: the export has a header, one row per entry, and a name that a
// spreadsheet would run as a formula is defused.
func TestDashboardCSV(t *testing.T) {
	d := transfer.Dashboard{UAI: "0381234K", Done: []transfer.Done{{Kind: "transfer", Direction: "received", Date: "2026-11-23", StudentID: 7,
		LastName: "=HYPERLINK(\"http://x\")", FirstName: "Zoé", OtherUAI: "0691234S", OtherName: "Lycée Alpha", Receipt: transfer.Receipt{Evaluations: 3}}}}
	var buf bytes.Buffer
	if err := d.WriteCSV(&buf, "done"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeffdate;sens;") || strings.Count(out, "\r\n") != 2 || !strings.Contains(out, `'=HYPERLINK`) || !strings.Contains(out, "Lycée Alpha") {
		t.Fatalf("CSV:\n%s", out)
	}
	if err := d.WriteCSV(&buf, "everything"); err == nil {
		t.Fatal("an unknown list is accepted")
	}
	// The receipt says what matched or who confirmed; the requests list what waits.
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	d.Done[0].Matched, d.Done[0].ConfirmedBy, d.Done[0].ConfirmedAt = []string{"ine", "birth_date"}, "admin.alpha", &at
	d.Requests = []transfer.Request{{CandidateID: 9, StudentID: 7, LastName: "Durand", FirstName: "Zoé", CandidateLastName: "Durant",
		CandidateFirstName: "Zoé", OtherUAI: "0381234K", OtherName: "Lycée Bravo", State: "to_confirm", Since: at,
		ReasonCodes: []string{transfer.CodePreviousUAIOther, transfer.CodeNamesDiffer}, ReasonParams: map[string]string{"previous_uai": "0442953W"}}}
	buf.Reset()
	if err := d.WriteCSV(&buf, "done"); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, ";correspondance;confirme_par;confirme_le\r\n") || !strings.Contains(out, ";ine+birth_date;admin.alpha;2026-11-20T09:30:00Z\r\n") {
		t.Fatalf("CSV:\n%s", out)
	}
	buf.Reset()
	if err := d.WriteCSV(&buf, "requests"); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Count(out, "\r\n") != 2 || !strings.Contains(out, "to_confirm;2026-11-20;7;Durand;Zoé;9;Durant;Zoé;;0381234K;Lycée Bravo;;previous_uai_other+names_differ previous_uai=0442953W") {
		t.Fatalf("CSV:\n%s", out)
	}
}

// TestReimportReactivatingAMovedStudentWarns: after X's records moved from A to B, a
// re-import of A's old file (X present again, without exit) would reactivate him: the dry
// run says his records were transferred to B (issue 10).
func TestReimportReactivatingAMovedStudentWarns(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s, true, true)
		if c, err := s.App.Transfers.RunTransfers(context.Background()); err != nil || c.Transferred != 1 {
			t.Fatalf("transfer: %+v %v", c, err)
		}
		rep, err := s.App.Importer.Siecle(context.Background(), op, w.a.UAI,
			importer.Source{Name: "ancien.xml", R: bytes.NewReader(w.fileA), Size: int64(len(w.fileA))}, true)
		if err != nil || rep.Reactivated != 1 || !rep.DryRun {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		var found *importer.Warning
		for i, x := range rep.Warnings {
			if x.Key == "imports.warning.reactivated_moved" {
				found = &rep.Warnings[i]
			}
		}
		if found == nil || found.EleveID != w.x.EleveID || found.Params["uai"] != w.b.UAI || found.Name == "" ||
			!strings.Contains(found.Text("fr"), w.b.UAI) || !strings.Contains(found.Text("en"), "already transferred") {
			t.Fatalf("no warning of the moved student: %+v", rep.Warnings)
		}
	})
}
