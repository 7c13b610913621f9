package graduation_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/student"
)

const uai = "0691999Y"

const minimalPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

type notice struct {
	account int64
	key     string
	params  map[string]string
}

type recorder struct {
	mu   sync.Mutex
	list []notice
}

func (r *recorder) Notify(ctx context.Context, acc int64, key string, params map[string]string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, notice{acc, key, params})
	return nil
}

func (r *recorder) keys() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, n := range r.list {
		out[n.key]++
	}
	return out
}

type fixture struct {
	s        *apptest.Server
	e        establishment.Establishment
	cohort   highered.Cohort
	students []int64
	accounts []int64
	office   *authz.Principal
	director *authz.Principal
	jury     *authz.Principal
	notes    *recorder
}

func principal(u *apptest.User, role authz.Role, e establishment.Establishment) *authz.Principal {
	return &authz.Principal{AccountID: u.ID, Login: u.Login, Roles: []authz.Membership{{Role: role, EstablishmentID: e.ID, UAI: e.UAI}}}
}

// setup makes a school of higher education with a cohort (jury 2027-07-01) and n
// students with accounts, members of the cohort; the clock is 2027-03-01.
func setup(t *testing.T, s *apptest.Server, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	name, sector := "École Centrale de Test", establishment.SectorHigher
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &sector})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "ING", Label: "Diplôme d'ingénieur", Level: "Bac+5", DurationYears: 3}); err != nil {
		t.Fatal(err)
	}
	c, err := s.App.Highered.SaveCohort(ctx, op, uai, highered.CohortInput{ProgrammeCode: "ING", Code: "ING-2027", EntryYear: 2024, GraduationYear: 2027, JuryDate: "2027-07-01"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: s, e: e, cohort: c, notes: &recorder{}}
	s.App.Graduation.Notifier = f.notes
	err = s.App.DB.Tx(ctx, func(ctx context.Context) error {
		people := make([]account.Person, n)
		for i := range people {
			people[i] = account.Person{FirstName: "Élève", LastName: "Numéro" + string(rune('A'+i))}
		}
		accs, err := s.App.Accounts.CreateMany(ctx, authz.Operator, authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID, UAI: e.UAI}, people)
		if err != nil {
			return err
		}
		ins := make([]student.Insert, n)
		for i := range ins {
			ins[i] = student.Insert{Record: &student.Record{EleveID: "E" + string(rune('A'+i)), LastName: people[i].LastName, FirstName: people[i].FirstName,
				INEStatus: "missing", Status: student.StatusActive}, AccountID: accs[i].ID, NouvelEleve: "0"}
			f.accounts = append(f.accounts, accs[i].ID)
		}
		f.students, err = student.Apply(ctx, s.App.DB, e, ins, nil, s.Clock.Now())
		if err != nil {
			return err
		}
		ms := make([]highered.Member, n)
		for i, id := range f.students {
			ms[i] = highered.Member{StudentID: id, CohortID: c.ID, YearOfStudy: 3}
		}
		return s.App.Highered.SetMembers(ctx, e.ID, ms)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.office = principal(s.CreateUser("scol.test", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID}), authz.RoleOffice, e)
	f.director = principal(s.CreateUser("dir.test", authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: e.ID}), authz.RoleProgrammeDirector, e)
	f.jury = principal(s.CreateUser("jury.test", authz.Membership{Role: authz.RoleJury, EstablishmentID: e.ID}), authz.RoleJury, e)
	// 2027-03-01 noon in Paris.
	s.Clock.Advance(time.Date(2027, 3, 1, 11, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
	return f
}

func (f *fixture) studentP(i int) *authz.Principal {
	return &authz.Principal{AccountID: f.accounts[i], Login: "student", Roles: []authz.Membership{{Role: authz.RoleStudent, EstablishmentID: f.e.ID, UAI: f.e.UAI}}}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v (code %q), want %s", what, err, apperr.CodeOf(err), code)
	}
}

func TestGraduationLifecycle(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 3)
		g := s.App.Graduation
		toeic, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, graduation.Rule{Code: "TOEIC", Label: "Anglais B2 (TOEIC ≥ 785)", Category: "language",
			Measure: "toeic", Threshold: 785, Mandatory: true, Deadline: "2027-06-01", ExemptionAllowed: true, ValidityMonths: 24})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, graduation.Rule{Code: "STAGE", Label: "Stage ≥ 12 semaines", Category: "internship",
			Measure: "weeks", Threshold: 12, Mandatory: true, Deadline: "2027-03-20"}); err != nil {
			t.Fatal(err)
		}
		// The jury reads but writes no rule; a student neither.
		_, err = g.SaveRule(ctx, f.jury, uai, f.cohort.ID, graduation.Rule{Code: "X", Label: "x", Category: "other", Deadline: "2027-06-01"})
		wantCode(t, "jury saves a rule", err, "forbidden")

		cl, err := g.Checklist(ctx, f.studentP(0), uai, f.students[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(cl.Items) != 2 || cl.Summary.Status != graduation.AtRisk || cl.Summary.Remaining != 2 || cl.Summary.NextDeadline != "2027-03-20" {
			t.Fatalf("checklist: %+v", cl)
		}
		// RGPD: a student sees nothing of another student (not found, no probing).
		_, err = g.Checklist(ctx, f.studentP(0), uai, f.students[1])
		wantCode(t, "student reads another", err, "student_not_found")
		var item int64
		for _, it := range cl.Items {
			if it.Rule.ID == toeic.ID {
				item = it.ID
			}
		}
		_, err = g.Act(ctx, f.studentP(1), uai, f.students[1], item, graduation.Change{Action: graduation.Submit})
		wantCode(t, "student acts on another's item", err, "graduation_item_not_found")

		// The student deposits; an HTML page named .pdf is refused.
		_, err = g.SubmitProof(ctx, f.studentP(0), uai, f.students[0], item, "toeic.pdf", strings.NewReader("<html>hi</html>"), graduation.Change{})
		wantCode(t, "html proof", err, "unsupported_proof")
		it, err := g.SubmitProof(ctx, f.studentP(0), uai, f.students[0], item, "toeic.pdf", strings.NewReader(minimalPDF), graduation.Change{ProofDate: "2026-01-10"})
		if err != nil || it.State != graduation.Submitted || it.ProofType != "application/pdf" {
			t.Fatalf("submit: %+v, %v", it, err)
		}
		// A student cannot validate his own proof; the jury cannot either.
		_, err = g.Act(ctx, f.studentP(0), uai, f.students[0], item, graduation.Change{Action: graduation.Validate})
		wantCode(t, "student validates", err, "forbidden")
		_, err = g.Act(ctx, f.jury, uai, f.students[0], item, graduation.Change{Action: graduation.Validate})
		wantCode(t, "jury validates", err, "forbidden")
		// Below the threshold: refused; a refusal needs a reason.
		v := 700
		_, err = g.Act(ctx, f.office, uai, f.students[0], item, graduation.Change{Action: graduation.Validate, Value: &v})
		wantCode(t, "below threshold", err, "below_threshold")
		_, err = g.Act(ctx, f.office, uai, f.students[0], item, graduation.Change{Action: graduation.Refuse})
		wantCode(t, "refuse without reason", err, "reason_required")
		it, err = g.Act(ctx, f.office, uai, f.students[0], item, graduation.Change{Action: graduation.Refuse, Reason: "Score 700 < 785", Value: &v})
		if err != nil || it.State != graduation.Refused || it.Reason != "Score 700 < 785" {
			t.Fatalf("refuse: %+v, %v", it, err)
		}
		if n := f.notes.keys()["graduation.notice.refused"]; n != 1 {
			t.Fatalf("refusal notices: %d", n)
		}
		if f.notes.list[0].account != f.accounts[0] {
			t.Fatalf("refusal went to %d", f.notes.list[0].account)
		}
		// Resubmitted and validated.
		if _, err := g.SubmitProof(ctx, f.studentP(0), uai, f.students[0], item, "toeic2.pdf", strings.NewReader(minimalPDF+" "), graduation.Change{ProofDate: "2026-01-10"}); err != nil {
			t.Fatal(err)
		}
		v = 820
		if it, err = g.Act(ctx, f.office, uai, f.students[0], item, graduation.Change{Action: graduation.Validate, Value: &v}); err != nil || it.State != graduation.Validated {
			t.Fatalf("validate: %+v, %v", it, err)
		}
		hist, err := g.History(ctx, f.studentP(0), uai, f.students[0], item)
		if err != nil || len(hist) != 4 || hist[1].To != graduation.Refused || hist[1].Reason == "" {
			t.Fatalf("history: %+v, %v", hist, err)
		}
		// Only the programme director exempts, with a reason; the rule must allow it.
		var stage int64
		for _, it := range cl.Items {
			if it.Rule.Code == "STAGE" {
				stage = it.ID
			}
		}
		_, err = g.Act(ctx, f.office, uai, f.students[0], stage, graduation.Change{Action: graduation.Exempt, Reason: "x"})
		wantCode(t, "office exempts", err, "forbidden")
		_, err = g.Act(ctx, f.director, uai, f.students[0], stage, graduation.Change{Action: graduation.Exempt, Reason: "x"})
		wantCode(t, "exempt not allowed", err, "exemption_not_allowed")
		if _, err := g.Act(ctx, f.office, uai, f.students[0], stage, graduation.Change{Action: graduation.Unconcern, Reason: "Apprenti : stage en entreprise"}); err != nil {
			t.Fatal(err)
		}
		cl, err = g.Checklist(ctx, f.office, uai, f.students[0])
		if err != nil || cl.Summary.Status != graduation.Graduable || cl.Done != 2 {
			t.Fatalf("after: %+v, %v", cl.Summary, err)
		}

		// The matrix and its filters; the queue.
		if _, err := g.SubmitProof(ctx, f.studentP(1), uai, f.students[1], itemOf(t, g, f, 1, "TOEIC"), "t.pdf", strings.NewReader(minimalPDF), graduation.Change{}); err != nil {
			t.Fatal(err)
		}
		m, err := g.Matrix(ctx, f.jury, uai, f.cohort.ID, graduation.FilterSubmitted)
		if err != nil || len(m.Rows) != 1 || m.Rows[0].StudentID != f.students[1] || len(m.Rules) != 2 {
			t.Fatalf("matrix submitted: %+v, %v", m, err)
		}
		m, err = g.Matrix(ctx, f.office, uai, f.cohort.ID, graduation.FilterAtRisk)
		if err != nil || len(m.Rows) != 2 || m.Counts[string(graduation.Graduable)] != 1 {
			t.Fatalf("matrix at risk: %+v, %v", m, err)
		}
		_, err = g.Matrix(ctx, f.studentP(0), uai, f.cohort.ID, "")
		wantCode(t, "student reads the matrix", err, "forbidden")
		q, err := g.Queue(ctx, f.office, uai)
		if err != nil || len(q) != 1 || q[0].StudentID != f.students[1] {
			t.Fatalf("queue: %+v, %v", q, err)
		}

		// Nightly: deadlines 2027-03-20 (19 days: the 30-day reminder) for the two
		// others; a re-run sends nothing more.
		rep, err := g.RunNightly(ctx)
		if err != nil || rep.Students != 3 || rep.Reminders != 2 {
			t.Fatalf("nightly: %+v, %v", rep, err)
		}
		if rep, err = g.RunNightly(ctx); err != nil || rep.Reminders != 0 {
			t.Fatalf("nightly again: %+v, %v", rep, err)
		}
		// Three weeks later the internship deadline passed: blocked.
		s.Clock.Advance(21 * 24 * time.Hour)
		if rep, err = g.RunNightly(ctx); err != nil || rep.Blocked != 2 {
			t.Fatalf("nightly later: %+v, %v", rep, err)
		}
		// The TOEIC of 2026-01-10 is valid two years: still valid before the jury.
		cl, _ = g.Checklist(ctx, f.studentP(0), uai, f.students[0])
		if cl.Summary.Status != graduation.Graduable {
			t.Fatalf("student 0: %+v", cl.Summary)
		}
		// The student's export holds his items and their history, nobody else's.
		ex, err := g.ExportMine(ctx, f.studentP(0))
		if err != nil || len(ex.Checklists) != 1 || ex.Checklists[0].StudentID != f.students[0] || len(ex.Checklists[0].History[item]) != 4 {
			t.Fatalf("export: %+v, %v", ex, err)
		}
		// ... and so does his passport ZIP (his data export), with his proof.
		pp, err := s.App.Passports.Mine(ctx, f.studentP(0))
		if err != nil {
			t.Fatal(err)
		}
		var zbuf bytes.Buffer
		if err := s.App.Passports.WriteZIP(ctx, &zbuf, pp, "fr"); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, zf := range zr.File {
			names[zf.Name] = true
		}
		if !names["diplomation/diplomation.json"] || !names[fmt.Sprintf("diplomation/preuves/%d-toeic2.pdf", item)] {
			t.Fatalf("passport ZIP entries: %v", names)
		}
		// Purge: a year and a day after the jury, everything of the cohort goes.
		s.Clock.Advance(time.Date(2028, 7, 3, 12, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
		pr, err := g.RunPurge(ctx)
		if err != nil || pr.Cohorts != 1 || pr.Items != 6 || pr.Proofs != 2 || pr.Members != 3 {
			t.Fatalf("purge: %+v, %v", pr, err)
		}
		if ms, err := s.App.Highered.Members(ctx, f.e.ID, f.cohort.ID); err != nil || len(ms) != 0 {
			t.Fatalf("cohort members after the purge: %+v, %v", ms, err)
		}
		if ok, err := s.App.Blobs.Exists(ctx, it.ProofSHA()); err != nil || ok {
			t.Fatalf("proof still stored: %v %v", ok, err)
		}
	})
}

func itemOf(t *testing.T, g *graduation.Service, f *fixture, i int, code string) int64 {
	t.Helper()
	cl, err := g.Checklist(context.Background(), f.studentP(i), uai, f.students[i])
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range cl.Items {
		if it.Rule.Code == code {
			return it.ID
		}
	}
	t.Fatalf("no item %s", code)
	return 0
}

// TestNightlyExpiresLapsedProofs: a validated proof whose validity ended before today,
// of a cohort whose jury is to come, becomes expiré (history, audit, summary at risk);
// a re-run changes nothing more.
func TestNightlyExpiresLapsedProofs(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		g := s.App.Graduation
		if _, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, graduation.Rule{Code: "SST", Label: "Sauveteur secouriste", Category: "other",
			Mandatory: true, Deadline: "2027-06-01", ValidityMonths: 1}); err != nil {
			t.Fatal(err)
		}
		for i, date := range []string{"2027-01-15", "2027-02-20"} {
			item := itemOf(t, g, f, i, "SST")
			if _, err := g.SubmitProof(ctx, f.studentP(i), uai, f.students[i], item, "sst.pdf", strings.NewReader(minimalPDF), graduation.Change{ProofDate: date}); err != nil {
				t.Fatal(err)
			}
			if _, err := g.Act(ctx, f.office, uai, f.students[i], item, graduation.Change{Action: graduation.Validate}); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := g.RunNightly(ctx)
		if err != nil || rep.Expired != 1 {
			t.Fatalf("nightly: %+v %v", rep, err)
		}
		cl, _ := g.Checklist(ctx, f.office, uai, f.students[0])
		if cl.Items[0].State != graduation.Expired || cl.Summary.Status != graduation.AtRisk {
			t.Fatalf("student 0: %s %s", cl.Items[0].State, cl.Summary.Status)
		}
		h, err := g.History(ctx, f.office, uai, f.students[0], cl.Items[0].ID)
		if err != nil || len(h) != 3 || h[2].To != graduation.Expired || h[2].ActorLogin != "(nightly)" {
			t.Fatalf("history: %+v %v", h, err)
		}
		if cl, _ := g.Checklist(ctx, f.office, uai, f.students[1]); cl.Items[0].State != graduation.Validated {
			t.Fatalf("student 1 (valid until 2027-03-19): %s", cl.Items[0].State)
		}
		if rep, err = g.RunNightly(ctx); err != nil || rep.Expired != 0 {
			t.Fatalf("re-run: %+v %v", rep, err)
		}
	})
}
