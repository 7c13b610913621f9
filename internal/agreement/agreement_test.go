package agreement_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/agreement"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/student"
)

const uai = "0691998X"

type notice struct {
	account int64
	key     string
}

type recorder struct {
	mu   sync.Mutex
	list []notice
}

func (r *recorder) Notify(ctx context.Context, acc int64, key string, params map[string]string) error {
	// As internal/notify: a known message, given exactly its parameters.
	m, ok := i18n.Lookup(key)
	if want := i18n.Placeholders(m.FR); !ok || len(want) != len(params) {
		return fmt.Errorf("notice %s: params %v, message takes %v", key, params, want)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, notice{acc, key})
	return nil
}

func (r *recorder) count(acc int64, key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, x := range r.list {
		if x.key == key && (acc == 0 || x.account == acc) {
			n++
		}
	}
	return n
}

type fixture struct {
	s                                                  *apptest.Server
	e                                                  establishment.Establishment
	students, accounts                                 []int64
	office, director, referent, other, disab, pilotage *authz.Principal
	notes                                              *recorder
}

func principal(u *apptest.User, role authz.Role, e establishment.Establishment) *authz.Principal {
	return &authz.Principal{AccountID: u.ID, Login: u.Login, Roles: []authz.Membership{{Role: role, EstablishmentID: e.ID, UAI: e.UAI}}}
}

func (f *fixture) studentP(i int) *authz.Principal {
	return &authz.Principal{AccountID: f.accounts[i], Login: "student", Roles: []authz.Membership{{Role: authz.RoleStudent, EstablishmentID: f.e.ID, UAI: f.e.UAI}}}
}

// Catalogue of the licence LIC, 2026: S1 = UE11..UE15 (6 ECTS each, UE15 optional),
// UE16 optional with capacity 1; S2 = UE21 (prerequisite UE11) .. UE25, 6 each.
const catalogueCSV = `Année;Formation;Étape;Version étape;Semestre;Code UE;Libellé;ECTS;Nature;Capacité;Prérequis
2026;LIC;L1INFO;V1;1;UE11;Programmation 1;6;obligatoire;;
2026;LIC;L1INFO;V1;1;UE12;Mathématiques 1;6;obligatoire;;
2026;LIC;L1INFO;V1;1;UE13;Anglais;6;obligatoire;;
2026;LIC;L1INFO;V1;1;UE14;Méthodologie;6;obligatoire;;
2026;LIC;L1INFO;V1;1;UE15;Physique;6;optionnelle;;
2026;LIC;L1INFO;V1;1;UE16;Robotique;6;optionnelle;1;
2026;LIC;L1INFO;V1;2;UE21;Programmation 2;6;obligatoire;;UE11
2026;LIC;L1INFO;V1;2;UE22;Mathématiques 2;6;obligatoire;;
2026;LIC;L1INFO;V1;2;UE23;Anglais 2;6;obligatoire;;
2026;LIC;L1INFO;V1;2;UE24;Projet;6;obligatoire;;
2026;LIC;L1INFO;V1;2;UE25;Sport;6;libre;;
`

func ipCSV(numbers ...string) string {
	var b strings.Builder
	b.WriteString("year;student_number;programme;step;step_version;unit_code;result\n")
	for _, n := range numbers {
		for _, u := range []string{"UE11", "UE12", "UE13", "UE14", "UE15", "UE21", "UE22", "UE23", "UE24", "UE25"} {
			b.WriteString("2026;" + n + ";LIC;L1INFO;V1;" + u + ";\n")
		}
	}
	return b.String()
}

func src(name, text string) agreement.Source {
	return agreement.Source{Name: name, R: strings.NewReader(text), Size: int64(len(text))}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil || apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

func setup(t *testing.T, s *apptest.Server, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	op := authz.OperatorPrincipal()
	name, sector := "Université de Test", establishment.SectorHigher
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: uai, Name: &name, Sector: &sector})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Highered.SaveProgramme(ctx, op, uai, highered.Programme{Code: "LIC", Label: "Licence informatique", Level: "Licence", DurationYears: 3}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: s, e: e, notes: &recorder{}}
	s.App.Agreements.Notifier = f.notes
	err = s.App.DB.Tx(ctx, func(ctx context.Context) error {
		people := make([]account.Person, n)
		for i := range people {
			people[i] = account.Person{FirstName: "Étudiant", LastName: "Numéro" + string(rune('A'+i))}
		}
		accs, err := s.App.Accounts.CreateMany(ctx, authz.Operator, authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID, UAI: e.UAI}, people)
		if err != nil {
			return err
		}
		ins := make([]student.Insert, n)
		for i := range ins {
			ins[i] = student.Insert{Record: &student.Record{EleveID: "2026" + string(rune('A'+i)), LastName: people[i].LastName, FirstName: people[i].FirstName,
				INEStatus: "missing", Status: student.StatusActive}, AccountID: accs[i].ID, NouvelEleve: "0"}
			f.accounts = append(f.accounts, accs[i].ID)
		}
		f.students, err = student.Apply(ctx, s.App.DB, e, ins, nil, s.Clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.office = principal(s.CreateUser("scol.contrat", authz.Membership{Role: authz.RoleOffice, EstablishmentID: e.ID}), authz.RoleOffice, e)
	f.director = principal(s.CreateUser("dir.contrat", authz.Membership{Role: authz.RoleProgrammeDirector, EstablishmentID: e.ID}), authz.RoleProgrammeDirector, e)
	f.referent = principal(s.CreateUser("ref.contrat", authz.Membership{Role: authz.RoleReferent, EstablishmentID: e.ID}), authz.RoleReferent, e)
	f.other = principal(s.CreateUser("ref2.contrat", authz.Membership{Role: authz.RoleReferent, EstablishmentID: e.ID}), authz.RoleReferent, e)
	f.disab = principal(s.CreateUser("handi.contrat", authz.Membership{Role: authz.RoleDisabilityOffice, EstablishmentID: e.ID}), authz.RoleDisabilityOffice, e)
	f.pilotage = principal(s.CreateUser("pilot.contrat", authz.Membership{Role: authz.RolePilotage, EstablishmentID: e.ID}), authz.RolePilotage, e)
	// 2026-10-01 noon in Paris.
	s.Clock.Advance(time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC).Sub(s.Clock.Now()))
	return f
}

func TestCatalogueAndEnrolmentImports(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		ag := s.App.Agreements
		// Errors name the row and the field; nothing is applied.
		bad := "year;programme;step;semester;code;label;ects;kind\n2026;LIC;L1;1;UE1;Un;6;obligatoire\n2026;LIC;L1;x;UE2;Deux;6,5;bizarre\n2026;NOPE;L1;1;UE3;Trois;6;libre\n2026;LIC;L1;1;UE1;Doublon;6;libre\n" +
			// A code a spreadsheet would run as a formula, once in the registrar file.
			"2026;LIC;L1;1;=HYPERLINK(\"http://x\");Six;6;libre\n"
		rep, err := ag.ImportCatalogue(ctx, f.office, uai, src("bad.csv", bad), false)
		wantCode(t, "bad catalogue", err, "import_errors")
		want := map[[2]any]bool{{3, "semester"}: true, {3, "kind"}: true, {4, "programme"}: true, {5, "code"}: true, {6, "code"}: true}
		for _, e := range rep.Errors {
			delete(want, [2]any{e.Row, e.Field})
		}
		if len(want) != 0 || len(rep.Errors) != 5 {
			t.Fatalf("errors %+v, missing %v", rep.Errors, want)
		}
		if units, _ := ag.Catalogue(ctx, f.office, uai, "LIC", 2026); len(units) != 0 {
			t.Fatalf("a file with errors applied %d units", len(units))
		}
		// A student does not import.
		_, err = ag.ImportCatalogue(ctx, f.studentP(0), uai, src("c.csv", catalogueCSV), false)
		wantCode(t, "student imports", err, "forbidden")
		// Dry run: the diff, nothing written.
		rep, err = ag.ImportCatalogue(ctx, f.office, uai, src("c.csv", catalogueCSV), true)
		if err != nil || rep.Created != 11 || len(rep.Changes) != 11 {
			t.Fatalf("dry run: %+v, %v", rep, err)
		}
		if units, _ := ag.Catalogue(ctx, f.office, uai, "LIC", 2026); len(units) != 0 {
			t.Fatal("the dry run wrote")
		}
		if rep, err = ag.ImportCatalogue(ctx, f.office, uai, src("c.csv", catalogueCSV), false); err != nil || rep.Created != 11 {
			t.Fatalf("import: %+v, %v", rep, err)
		}
		// Re-runnable: the same file changes nothing; a changed one gives its diff.
		if rep, err = ag.ImportCatalogue(ctx, f.office, uai, src("c.csv", catalogueCSV), false); err != nil || rep.Unchanged != 11 || rep.Created+rep.Updated+rep.Removed != 0 {
			t.Fatalf("re-run: %+v, %v", rep, err)
		}
		changed := strings.Replace(catalogueCSV, "Sport;6;libre", "Sport;3;libre", 1)
		changed = strings.Replace(changed, "2026;LIC;L1INFO;V1;1;UE16;Robotique;6;optionnelle;1;\n", "", 1)
		if rep, err = ag.ImportCatalogue(ctx, f.office, uai, src("c.csv", changed), true); err != nil || rep.Updated != 1 || rep.Removed != 1 {
			t.Fatalf("diff: %+v, %v", rep, err)
		}
		units, err := ag.Catalogue(ctx, f.studentP(0), uai, "LIC", 2026)
		if err != nil || len(units) != 11 || units[0].Code != "UE11" || units[6].Prerequisites[0] != "UE11" {
			t.Fatalf("catalogue: %+v, %v", units, err)
		}
		// The IP: units must be of the catalogue; the student must exist.
		badIP := "year;student_number;programme;step;unit_code\n2026;2026A;LIC;L1INFO;UE99\n2026;NOBODY;LIC;L1INFO;UE11\n"
		rep, err = ag.ImportEnrolments(ctx, f.office, uai, src("ip.csv", badIP), false)
		wantCode(t, "bad IP", err, "import_errors")
		if len(rep.Errors) != 2 || rep.Errors[0].Field != "unit_code" || rep.Errors[1].Field != "student_number" {
			t.Fatalf("IP errors: %+v", rep.Errors)
		}
		if rep, err = ag.ImportEnrolments(ctx, f.office, uai, src("ip.csv", ipCSV("2026A", "2026B")), false); err != nil || rep.Created != 20 {
			t.Fatalf("IP: %+v, %v", rep, err)
		}
		if rep, err = ag.ImportEnrolments(ctx, f.office, uai, src("ip.csv", ipCSV("2026A", "2026B")), false); err != nil || rep.Unchanged != 20 {
			t.Fatalf("IP re-run: %+v, %v", rep, err)
		}
		// Updated at each iteration: UE15 acquired, UE25 dropped for 2026A.
		next := strings.Replace(ipCSV("2026A"), "UE15;\n", "UE15;acquis\n", 1)
		next = strings.Replace(next, "2026;2026A;LIC;L1INFO;V1;UE25;\n", "", 1)
		if rep, err = ag.ImportEnrolments(ctx, f.office, uai, src("ip.csv", next), false); err != nil || rep.Updated != 1 || rep.Removed != 1 || rep.Unchanged != 8 {
			t.Fatalf("IP update: %+v, %v", rep, err)
		}
	})
}

// ready imports the catalogue and the IP of every student of f.
func ready(t *testing.T, f *fixture, numbers ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.s.App.Agreements.ImportCatalogue(ctx, f.office, uai, src("c.csv", catalogueCSV), false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.App.Agreements.ImportEnrolments(ctx, f.office, uai, src("ip.csv", ipCSV(numbers...)), false); err != nil {
		t.Fatal(err)
	}
}

func TestAgreementLifecycle(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		ready(t, f, "2026A", "2026B")
		ag := s.App.Agreements
		// A student starts only his own.
		_, err := ag.Start(ctx, f.studentP(0), uai, agreement.StartInput{StudentID: f.students[1], ProgrammeCode: "LIC", Year: 2026, Kind: "standard"})
		wantCode(t, "student starts another's", err, "agreement_not_found")
		_, err = ag.Start(ctx, f.office, uai, agreement.StartInput{StudentID: f.students[0], ProgrammeCode: "LIC", Year: 2026, Kind: "adapted"})
		wantCode(t, "adapted without status", err, "invalid_agreement_status")
		a, err := ag.Start(ctx, f.studentP(0), uai, agreement.StartInput{StudentID: f.students[0], ProgrammeCode: "LIC", Year: 2026, Kind: "standard"})
		if err != nil || a.StudentNumber != "2026A" || a.Step != "L1INFO" {
			t.Fatalf("start: %+v, %v", a, err)
		}
		again, err := ag.Start(ctx, f.studentP(0), uai, agreement.StartInput{StudentID: f.students[0], ProgrammeCode: "LIC", Year: 2026, Kind: "standard"})
		if err != nil || again.ID != a.ID {
			t.Fatalf("start again: %+v, %v", again, err)
		}
		// A referent neither starts an agreement (he would become its referent) nor
		// learns of one by trying: the office gives him his students.
		_, err = ag.Start(ctx, f.referent, uai, agreement.StartInput{StudentID: f.students[1], ProgrammeCode: "LIC", Year: 2026, Kind: "standard"})
		wantCode(t, "a referent starts one", err, "forbidden")
		_, err = ag.Start(ctx, f.referent, uai, agreement.StartInput{StudentID: f.students[0], ProgrammeCode: "LIC", Year: 2026, Kind: "standard"})
		wantCode(t, "a referent probes an existing one", err, "forbidden")
		if err := ag.Assign(ctx, f.office, uai, a.ID, f.referent.AccountID, f.disab.AccountID); err != nil {
			t.Fatal(err)
		}
		// The first version is the IP: 10 units, 30 ECTS per semester.
		v, err := ag.Get(ctx, f.studentP(0), uai, a.ID)
		if err != nil || len(v.Versions) != 1 || len(v.Current().Units) != 10 || v.Current().State != agreement.Draft || !v.CanEdit {
			t.Fatalf("view: %+v, %v", v, err)
		}
		// Isolation: another student, a referent who is not his, pilotage and the
		// disability office do not read it.
		for name, p := range map[string]*authz.Principal{"other student": f.studentP(1), "other referent": f.other, "pilotage": f.pilotage, "disability office": f.disab} {
			_, err := ag.Get(ctx, p, uai, a.ID)
			if c := apperr.CodeOf(err); c != "agreement_not_found" && c != "forbidden" {
				t.Fatalf("%s reads: %v", name, err)
			}
		}
		// Checks at submission: S1 at 24 ECTS, UE21 without its prerequisite.
		units := []agreement.VersionUnit{}
		for _, u := range v.Current().Units {
			if u.Code != "UE11" {
				units = append(units, u)
			}
		}
		if _, err := ag.SetContent(ctx, f.studentP(0), uai, a.ID, agreement.Edit{Units: units}); err != nil {
			t.Fatal(err)
		}
		_, err = ag.Act(ctx, f.studentP(0), uai, a.ID, agreement.Submit, "")
		wantCode(t, "submit 24 ECTS", err, "agreement_checks")
		problems, err := ag.Check(ctx, f.studentP(0), uai, a.ID)
		keys := map[string]bool{}
		for _, pr := range problems {
			keys[pr.Key] = true
		}
		if err != nil || !keys["agreement.check.ects"] || !keys["agreement.check.prerequisite"] || len(problems) != 2 {
			t.Fatalf("problems: %+v, %v", problems, err)
		}
		// Adjustments outside the fixed list are refused (never a medical detail).
		_, err = ag.SetContent(ctx, f.studentP(0), uai, a.ID, agreement.Edit{Units: units, Adjustments: []string{"diabète"}})
		wantCode(t, "free-text adjustment", err, "invalid_adjustment")
		units = append(units, agreement.VersionUnit{Code: "UE11"})
		if _, err := ag.SetContent(ctx, f.referent, uai, a.ID, agreement.Edit{Units: units, Measures: []string{"tutoring"}, Adjustments: []string{"extra_exam_time"}}); err != nil {
			t.Fatal(err)
		}
		if _, err = ag.Act(ctx, f.studentP(0), uai, a.ID, agreement.Submit, ""); err != nil {
			t.Fatal(err)
		}
		if f.notes.count(f.referent.AccountID, "agreement.notice.submitted") != 1 {
			t.Fatalf("notices: %+v", f.notes.list)
		}
		_, err = ag.Act(ctx, f.referent, uai, a.ID, agreement.Revise, "")
		wantCode(t, "revise without comment", err, "reason_required")
		if _, err = ag.Act(ctx, f.referent, uai, a.ID, agreement.Revise, "Ajoutez l’UE de robotique ?"); err != nil {
			t.Fatal(err)
		}
		if f.notes.count(f.accounts[0], "agreement.notice.revise") != 1 {
			t.Fatalf("revise notice: %+v", f.notes.list)
		}
		if _, err = ag.Act(ctx, f.studentP(0), uai, a.ID, agreement.Submit, ""); err != nil {
			t.Fatal(err)
		}
		_, err = ag.Act(ctx, f.referent, uai, a.ID, agreement.Validate, "")
		wantCode(t, "referent validates", err, "agreement_not_yours")
		res, err := ag.BulkValidate(ctx, f.director, uai, []int64{a.ID, a.ID + 1000})
		if err != nil || len(res.Done) != 1 || res.Failed[a.ID+1000] != "agreement_not_found" {
			t.Fatalf("bulk: %+v, %v", res, err)
		}
		if _, err = ag.Act(ctx, f.studentP(0), uai, a.ID, agreement.Sign, ""); err != nil {
			t.Fatal(err)
		}
		v, err = ag.Act(ctx, f.director, uai, a.ID, agreement.Sign, "")
		if err != nil || v.Current().State != agreement.Signed || v.Current().StudentSignedAt == nil || v.Current().DirectorSignedAt == nil {
			t.Fatalf("signed: %+v, %v", v.Current(), err)
		}
		if f.notes.count(f.office.AccountID, "agreement.notice.signed") != 1 || f.notes.count(f.office.AccountID, "agreement.notice.validated") != 1 {
			t.Fatalf("office notices: %+v", f.notes.list)
		}
		// The disability office sees the adjustments of the students it follows, nothing else.
		adj, err := ag.Adjustments(ctx, f.disab, uai)
		if err != nil || len(adj) != 1 || adj[0].Adjustments[0] != "extra_exam_time" || adj[0].StudentNumber != "2026A" {
			t.Fatalf("adjustments: %+v, %v", adj, err)
		}
		if adj, _ := ag.Adjustments(ctx, &authz.Principal{AccountID: f.pilotage.AccountID, Roles: []authz.Membership{{Role: authz.RoleDisabilityOffice, EstablishmentID: f.e.ID}}}, uai); len(adj) != 0 {
			t.Fatalf("another disability office member sees %+v", adj)
		}
		// The registrar file: one line per unit; the version's uid is stable.
		var b1, b2 bytes.Buffer
		rep, err := ag.Export(ctx, f.office, uai, 2026, &b1)
		if err != nil || rep.Transmitted != 1 || rep.Lines != 10 {
			t.Fatalf("export: %+v, %v", rep, err)
		}
		rep, err = ag.Export(ctx, f.office, uai, 2026, &b2)
		if err != nil || rep.Transmitted != 0 || b1.String() != b2.String() {
			t.Fatalf("re-export: %+v, %v\n%s\n%s", rep, err, b1.String(), b2.String())
		}
		recs, err := csv.NewReader(strings.NewReader(strings.ReplaceAll(b1.String(), ";", ","))).ReadAll()
		if err != nil || len(recs) != 11 || len(recs[1]) != len(agreement.ExportHeader) {
			t.Fatalf("CSV: %d lines, %v", len(recs), err)
		}
		lines := strings.Split(strings.TrimSpace(b1.String()), "\n")
		if lines[0] != strings.Join(agreement.ExportHeader, ";") || !strings.HasPrefix(lines[1], "2026;2026A;L1INFO;V1;UE11;1;6;year;") {
			t.Fatalf("file:\n%s", b1.String())
		}
		uid := v.Current().UID
		_, err = ag.Export(ctx, f.studentP(0), uai, 2026, &b1)
		wantCode(t, "student exports", err, "forbidden")
		// The acknowledgement: rejected without a reason is an error of its row.
		arep, err := ag.Acknowledge(ctx, f.office, uai, src("ack.csv", "version_uid;status;reason\n"+uid+";rejeté;\n"), false)
		wantCode(t, "rejection without reason", err, "import_errors")
		if arep.Errors[0].Row != 2 || arep.Errors[0].Field != "reason" {
			t.Fatalf("ack errors: %+v", arep.Errors)
		}
		if _, err = ag.Acknowledge(ctx, f.office, uai, src("ack.csv", "version_uid;status;reason\n"+uid+";rejeté;UE13 fermée\n"), false); err != nil {
			t.Fatal(err)
		}
		if f.notes.count(f.accounts[0], "agreement.notice.rejected") != 1 || f.notes.count(f.office.AccountID, "agreement.notice.rejected") != 1 {
			t.Fatalf("rejection notices: %+v", f.notes.list)
		}
		if _, err = ag.Act(ctx, f.office, uai, a.ID, agreement.Retransmit, ""); err != nil {
			t.Fatal(err)
		}
		arep, err = ag.Acknowledge(ctx, f.office, uai, src("ack.csv", "version_uid;status\n"+uid+";intégré\n"), false)
		if err != nil || arep.Updated != 1 {
			t.Fatalf("ack: %+v, %v", arep, err)
		}
		if arep, err = ag.Acknowledge(ctx, f.office, uai, src("ack.csv", "version_uid;status\n"+uid+";intégré\n"), false); err != nil || arep.Unchanged != 1 {
			t.Fatalf("ack re-run: %+v, %v", arep, err)
		}
		// An amendment: a new draft while version 1 stays in force.
		v, err = ag.Amend(ctx, f.studentP(0), uai, a.ID)
		if err != nil || len(v.Versions) != 2 || v.Versions[1].State != agreement.Integrated || v.Diff == nil || !v.Diff.Empty() {
			t.Fatalf("amend: %+v, %v", v, err)
		}
		_, err = ag.Amend(ctx, f.studentP(0), uai, a.ID)
		wantCode(t, "second amendment", err, "agreement_open_version")
		units = append(units[:len(units)-1:len(units)-1], agreement.VersionUnit{Code: "UE11"})
		for i := range units {
			if units[i].Code == "UE15" {
				units[i] = agreement.VersionUnit{Code: "UE16", Origin: "year"}
			}
		}
		if v, err = ag.SetContent(ctx, f.studentP(0), uai, a.ID, agreement.Edit{Units: units}); err != nil {
			t.Fatal(err)
		}
		if len(v.Diff.Added) != 1 || v.Diff.Added[0].Code != "UE16" || len(v.Diff.Removed) != 1 || v.Diff.Removed[0].Code != "UE15" {
			t.Fatalf("diff: %+v", v.Diff)
		}
		for _, step := range []struct {
			p   *authz.Principal
			act agreement.Action
		}{{f.studentP(0), agreement.Submit}, {f.director, agreement.Validate}, {f.director, agreement.Sign}, {f.studentP(0), agreement.Sign}} {
			if v, err = ag.Act(ctx, step.p, uai, a.ID, step.act, ""); err != nil {
				t.Fatalf("%s: %v", step.act, err)
			}
		}
		if v.Versions[0].State != agreement.Signed || v.Versions[1].State != agreement.Superseded {
			t.Fatalf("after the amendment: %s, %s", v.Versions[0].State, v.Versions[1].State)
		}
		// Capacity: UE16 holds one student; the second is refused at submission.
		b, err := ag.Start(ctx, f.office, uai, agreement.StartInput{StudentID: f.students[1], ProgrammeCode: "LIC", Year: 2026, Kind: "adapted", Status: "employed"})
		if err != nil {
			t.Fatal(err)
		}
		vb, _ := ag.Get(ctx, f.office, uai, b.ID)
		ub := vb.Current().Units
		for i := range ub {
			if ub[i].Code == "UE15" {
				ub[i] = agreement.VersionUnit{Code: "UE16"}
			}
		}
		if _, err := ag.SetContent(ctx, f.office, uai, b.ID, agreement.Edit{Units: ub}); err != nil {
			t.Fatal(err)
		}
		_, err = ag.Act(ctx, f.studentP(1), uai, b.ID, agreement.Submit, "")
		wantCode(t, "capacity", err, "agreement_checks")
		// The inbox: the director sees both, the referent his one student.
		rows, err := ag.Inbox(ctx, f.director, uai, agreement.Filter{})
		if err != nil || len(rows) != 2 {
			t.Fatalf("inbox: %+v, %v", rows, err)
		}
		if rows, err = ag.Inbox(ctx, f.referent, uai, agreement.Filter{}); err != nil || len(rows) != 1 || rows[0].ID != a.ID {
			t.Fatalf("referent inbox: %+v, %v", rows, err)
		}
		if rows, err = ag.Inbox(ctx, f.director, uai, agreement.Filter{State: agreement.Draft}); err != nil || len(rows) != 1 || rows[0].ID != b.ID {
			t.Fatalf("inbox by state: %+v, %v", rows, err)
		}
		_, err = ag.Inbox(ctx, f.studentP(0), uai, agreement.Filter{})
		wantCode(t, "student inbox", err, "forbidden")
		// Every staff read is audited.
		evs, err := s.App.Audit.List(ctx, audit.Filter{Action: audit.AgreementViewed, Limit: 100})
		if err != nil || len(evs) < 5 {
			t.Fatalf("audit: %d, %v", len(evs), err)
		}
	})
}

func TestDashboardCloseAndReminders(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		numbers := []string{"2026A", "2026B", "2026C", "2026D", "2026E", "2026F"}
		f := setup(t, s, len(numbers))
		ready(t, f, numbers...)
		ag := s.App.Agreements
		if _, err := ag.SaveSettings(ctx, f.office, uai, agreement.Settings{Programme: "LIC", ECTSMin: 30, ECTSMax: 36, Deadline: "2026-10-15"}); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range numbers {
			in := agreement.StartInput{StudentID: f.students[i], ProgrammeCode: "LIC", Year: 2026, Kind: "standard"}
			if i < 2 {
				in.Kind, in.Status = "adapted", "athlete"
			}
			a, err := ag.Start(ctx, f.office, uai, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		// Five submitted, one left a draft.
		for _, id := range ids[:5] {
			if _, err := ag.Act(ctx, f.office, uai, id, agreement.Submit, ""); err != nil {
				t.Fatal(err)
			}
		}
		d, err := ag.Dashboard(ctx, f.director, uai, "LIC", 2026)
		if err != nil || d.Total != 6 || d.SmallCells {
			t.Fatalf("dashboard: %+v, %v", d, err)
		}
		got := map[string]int{}
		for _, c := range d.ByState {
			got[c.Key] = c.N
		}
		if got["submitted"] != 5 || got["draft"] != 1 || d.ByStatus[3].Key != "athlete" || d.ByStatus[3].N != 2 || d.ECTS[3].Key != "60" || d.ECTS[3].N != 6 {
			t.Fatalf("aggregates: %+v", d)
		}
		// Pilotage: the cells under 5 are hidden.
		d, err = ag.Dashboard(ctx, f.pilotage, uai, "LIC", 2026)
		if err != nil || !d.SmallCells || d.Total != 6 {
			t.Fatalf("pilotage: %+v, %v", d, err)
		}
		for _, c := range append(append(d.ByState, d.ByStatus...), d.ECTS...) {
			if c.N > 0 && c.N < 5 {
				t.Fatalf("pilotage sees a small cell: %+v", c)
			}
			// The draft (1) is hidden, and the submitted (5) with it: the total (6) minus
			// a visible 5 would give the hidden 1.
			if c.Key == "draft" && !c.Hidden || c.Key == "athlete" && !c.Hidden || c.Key == "submitted" && !c.Hidden {
				t.Fatalf("cell %+v", c)
			}
		}
		// No partition of the total shows all its cells but one.
		for name, part := range map[string][]agreement.Count{"states": d.ByState, "ects": d.ECTS} {
			hidden := 0
			for _, c := range part {
				if c.Hidden {
					hidden++
				}
			}
			if hidden == 1 {
				t.Errorf("%s: one cell hidden alone is the total minus the others: %+v", name, part)
			}
		}
		var x bytes.Buffer
		if err := agreement.DashboardXLSX("fr", d, &x); err != nil || x.Len() == 0 {
			t.Fatal(err)
		}
		_, err = ag.Dashboard(ctx, f.studentP(0), uai, "LIC", 2026)
		wantCode(t, "student dashboard", err, "forbidden")
		_, err = ag.Dashboard(ctx, f.referent, uai, "LIC", 2026)
		wantCode(t, "referent dashboard", err, "forbidden")
		// Reminders: 2026-10-01, the deadline in 14 days: the draft's student, once.
		r, err := ag.RunReminders(ctx)
		if err != nil || r.Sent != 1 || f.notes.count(f.accounts[5], "agreement.notice.deadline") != 1 {
			t.Fatalf("reminders: %+v, %v", r, err)
		}
		if r, err = ag.RunReminders(ctx); err != nil || r.Sent != 0 {
			t.Fatalf("re-run: %+v, %v", r, err)
		}
		s.Clock.Advance(8 * 24 * time.Hour)
		if r, err = ag.RunReminders(ctx); err != nil || r.Sent != 1 {
			t.Fatalf("7 days: %+v, %v", r, err)
		}
		// After the deadline the draft is late; submitting is refused.
		s.Clock.Advance(10 * 24 * time.Hour)
		_, err = ag.Act(ctx, f.studentP(5), uai, ids[5], agreement.Submit, "")
		wantCode(t, "after the deadline", err, "agreement_checks")
		if d, _ = ag.Dashboard(ctx, f.office, uai, "LIC", 2026); d.Late.N != 1 {
			t.Fatalf("late: %+v", d.Late)
		}
		// The reporting export: one line per agreement.
		var rep bytes.Buffer
		n, err := ag.Report(ctx, f.office, uai, 2026, &rep)
		if err != nil || n != 6 || !strings.Contains(rep.String(), "2026;LIC;2026F;L1INFO;V1;standard;;1;draft;60;;;true") {
			t.Fatalf("report %d, %v:\n%s", n, err, rep.String())
		}
		// The end of the year closes the open versions.
		closed, err := ag.CloseYear(ctx, f.office, uai, 2026)
		if err != nil || closed != 6 {
			t.Fatalf("close: %d, %v", closed, err)
		}
		if _, err := ag.Act(ctx, f.director, uai, ids[0], agreement.Validate, ""); apperr.CodeOf(err) != "agreement_closed" {
			t.Fatalf("validate after closing: %v", err)
		}
		v, _ := ag.Get(ctx, f.office, uai, ids[0])
		if v.Current().State != agreement.Closed || len(v.Can) != 0 {
			t.Fatalf("closed view: %+v", v)
		}
	})
}
