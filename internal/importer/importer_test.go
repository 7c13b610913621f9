package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/student"
)

const sample = "../../../shared/samples/ElevesSansAdresses.example.xml"

func source(t testing.TB, name string, b []byte) importer.Source {
	t.Helper()
	return importer.Source{Name: name, R: bytes.NewReader(b), Size: int64(len(b))}
}

func newEstablishment(t testing.TB, s *apptest.Server, uai string) establishment.Establishment {
	t.Helper()
	name := "Lycée " + uai
	e, err := s.App.Establishments.Create(context.Background(), authz.Operator, establishment.Input{UAI: uai, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// snapshot is every row the import touches, to check that something did not change.
func snapshot(t *testing.T, s *apptest.Server) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, eleve_id, class, status, updated_at, nouvel_eleve, COALESCE(unqid, '') FROM students ORDER BY id`,
		`SELECT unqid, establishment_id, student_id, deactivated_on FROM deactivated_students ORDER BY unqid`,
		`SELECT id, login, status FROM accounts ORDER BY id`,
		`SELECT account_id, role FROM memberships ORDER BY account_id`,
	} {
		rows, err := s.App.DB.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func TestImportSample(t *testing.T) {
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		newEstablishment(t, s, "0691234S")
		other := newEstablishment(t, s, "0381234K")

		// A file of another establishment is refused, naming both UAIs.
		_, err := s.App.Importer.Siecle(ctx, op, other.UAI, source(t, "x.xml", data), false)
		if apperr.CodeOf(err) != "other_establishment" || !strings.Contains(err.Error(), "0691234S") || !strings.Contains(err.Error(), "0381234K") {
			t.Fatalf("other establishment: %v", err)
		}

		// A dry run reports and writes nothing.
		before := snapshot(t, s)
		rep, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "ElevesSansAdresses.xml", data), true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || !rep.DryRun || snapshot(t, s) != before {
			t.Fatalf("dry run: %+v", rep)
		}

		rep, err = s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "ElevesSansAdresses.xml", data), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || rep.AccountsCreated != 2 || rep.ImportID == 0 {
			t.Fatalf("first import: %+v", rep)
		}
		page, err := s.App.Students.List(ctx, op, "0691234S", student.Filter{})
		if err != nil || page.Total != 2 {
			t.Fatalf("list: %+v %v", page, err)
		}
		byID := map[string]student.Student{}
		for _, st := range page.Students {
			byID[st.EleveID] = st
		}
		lea := byID["1234501"]
		if lea.FirstName != "Léa" || lea.LastName != "DURAND-EXEMPLE" || lea.PreviousUAI != "0381234K" || lea.Class != "2NDPRO-A" ||
			lea.MEF != "24720002310" || lea.Status != "active" || lea.NouvelEleve != "1" || lea.EntryDate != "2024-09-02" ||
			lea.Login != "lea.durand-exemple" || lea.AccountState != "pending" || lea.INEStatus == "missing" {
			t.Fatalf("Léa: %+v", lea)
		}
		noe := byID["1234502"]
		if noe.Status != "deactivated" || noe.ExitDate != "2025-01-15" || noe.UsageName != "PETIT-TEST" {
			t.Fatalf("Noé: %+v", noe)
		}
		var n int
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM deactivated_students WHERE student_id = $1 AND origin_uai = '0691234S'`, noe.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("index of deactivated students: %d %v", n, err)
		}
		// The INE is nowhere in the database.
		assertNoINE(t, s, "120345678AB", "121987654CD", "0123456789M")

		// Re-importing the same file changes nothing.
		before = snapshot(t, s)
		s.Clock.Advance(60e9)
		rep, err = s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "ElevesSansAdresses.xml", data), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Unchanged != 2 || rep.Created+rep.Updated+rep.Deactivated+rep.Reactivated != 0 || snapshot(t, s) != before {
			t.Fatalf("re-import: %+v", rep)
		}

		// Noé comes back (no exit date): reactivated and out of the index.
		back := bytes.Replace(data, []byte("<DATE_SORTIE>15/01/2025</DATE_SORTIE>"), nil, 1)
		rep, err = s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "back.xml", back), false)
		if err != nil || rep.Reactivated != 1 || rep.Unchanged != 1 {
			t.Fatalf("reactivation: %+v %v", rep, err)
		}
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM deactivated_students`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("index after reactivation: %d %v", n, err)
		}

		// A file without Léa keeps her and lists her as absent.
		i := bytes.Index(back, []byte(`<ELEVE ELEVE_ID="1234501"`))
		j := bytes.Index(back[i:], []byte("</ELEVE>")) + i + len("</ELEVE>")
		without := append(append([]byte{}, back[:i]...), back[j:]...)
		rep, err = s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "without.xml", without), false)
		if err != nil || len(rep.Absent) != 1 || rep.Absent[0].EleveID != "1234501" {
			t.Fatalf("absent: %+v %v", rep, err)
		}
		if page, _ := s.App.Students.List(ctx, op, "0691234S", student.Filter{}); page.Total != 2 {
			t.Fatalf("absent student deleted: %d left", page.Total)
		}
		hist, err := s.App.Importer.History(ctx, op, "0691234S", 0)
		if err != nil || len(hist) != 4 {
			t.Fatalf("history: %d %v", len(hist), err)
		}
	})
}

func assertNoINE(t *testing.T, s *apptest.Server, ines ...string) {
	t.Helper()
	for _, table := range []string{"students", "deactivated_students", "imports", "audit_events", "accounts"} {
		rows, err := s.App.DB.Query(context.Background(), "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			line := strings.ToUpper(fmt.Sprint(vals...))
			for _, ine := range ines {
				if strings.Contains(line, ine) {
					t.Errorf("INE %s stored in %s", ine, table)
				}
			}
		}
		rows.Close()
	}
	if logs := s.Logs.String(); strings.Contains(logs, ines[0]) {
		t.Error("INE in the logs")
	}
}

func TestBrokenFileChangesNothing(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		newEstablishment(t, s, "0691234S")
		var buf bytes.Buffer
		if err := siecle.Generate(&buf, siecle.GenOptions{UAI: "0691234S", Students: 200, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		good := buf.Bytes()
		if _, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "good.xml", good), false); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, s)
		for name, broken := range map[string][]byte{
			"truncated":   good[:len(good)*2/3],
			"not xml":     []byte("Nom;Prénom\nDupont;Jean\n"),
			"wrong root":  []byte(`<?xml version="1.0" encoding="UTF-8"?><BEE_NOMENCLATURES></BEE_NOMENCLATURES>`),
			"bad nesting": bytes.Replace(good, []byte("</PRENOM>"), []byte("</NOM>"), 1),
		} {
			_, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, name+".xml", broken), false)
			if err == nil || apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if name == "truncated" || name == "bad nesting" {
				if !strings.Contains(err.Error(), "ligne") {
					t.Errorf("%s: the error does not say where: %v", name, err)
				}
			}
			if snapshot(t, s) != before {
				t.Fatalf("%s changed the database", name)
			}
		}
	})
}

func TestGeneratedFileAndLogins(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		op := authz.OperatorPrincipal()
		newEstablishment(t, s, "0691234S")
		// An existing account takes a login an import would want.
		var buf bytes.Buffer
		if err := siecle.Generate(&buf, siecle.GenOptions{UAI: "0691234S", Students: 500, Seed: 7, LeftPercent: 10}); err != nil {
			t.Fatal(err)
		}
		rep, err := s.App.Importer.Siecle(ctx, op, "0691234S", source(t, "gen.xml", buf.Bytes()), false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 500 || rep.AccountsCreated != 500 || len(rep.Warnings) == 0 {
			t.Fatalf("report: created %d accounts %d warnings %d", rep.Created, rep.AccountsCreated, len(rep.Warnings))
		}
		missing := 0
		for _, w := range rep.Warnings {
			if strings.Contains(w.Message, "transf") {
				missing++
			}
		}
		if missing == 0 {
			t.Error("no warning says a student without INE cannot be transferred")
		}
		page, err := s.App.Students.List(ctx, op, "0691234S", student.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		logins := map[string]bool{}
		deactivated := 0
		for _, st := range page.Students {
			if logins[st.Login] || st.Login == "" {
				t.Fatalf("login %q not unique", st.Login)
			}
			logins[st.Login] = true
			if st.Status == "deactivated" {
				deactivated++
			}
		}
		if deactivated < 20 || deactivated > 80 {
			t.Errorf("%d deactivated for 10%% leaving", deactivated)
		}
		// A second establishment with the same people: logins get a suffix.
		newEstablishment(t, s, "0381234K")
		buf.Reset()
		if err := siecle.Generate(&buf, siecle.GenOptions{UAI: "0381234K", Students: 50, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Importer.Siecle(ctx, op, "0381234K", source(t, "gen2.xml", buf.Bytes()), false); err != nil {
			t.Fatal(err)
		}
		page2, _ := s.App.Students.List(ctx, op, "0381234K", student.Filter{})
		var suffixed []string
		for _, st := range page2.Students {
			if logins[st.Login] {
				t.Fatalf("login %s given twice", st.Login)
			}
			if strings.ContainsAny(st.Login[len(st.Login)-1:], "0123456789") {
				suffixed = append(suffixed, st.Login)
			}
		}
		sort.Strings(suffixed)
		if len(suffixed) == 0 {
			t.Fatal("the same people in two establishments got no suffixed login")
		}
	})
}

func TestLoginBase(t *testing.T) {
	for _, tc := range []struct{ first, last, want string }{
		{"Léa", "DURAND-EXEMPLE", "lea.durand-exemple"},
		{"Zoé", "N'DIAYE LE GOFF", "zoe.n-diaye-le-goff"},
		{"Œdipe", "Cœur", "oedipe.coeur"},
		{"", "", "eleve"},
		{"李", "王", "eleve"},
	} {
		if got := account.LoginBase(tc.first, tc.last); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.first, tc.last, got, tc.want)
		}
		if err := account.ValidateLogin(account.LoginBase(tc.first, tc.last)); err != nil {
			t.Errorf("%s %s: invalid login: %v", tc.first, tc.last, err)
		}
	}
}

// TestStructuresBeforeStudents: child order is not assumed, STRUCTURES may come first.
func TestStructuresBeforeStudents(t *testing.T) {
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("<STRUCTURES>"))
	j := bytes.Index(data, []byte("</STRUCTURES>")) + len("</STRUCTURES>")
	k := bytes.Index(data, []byte("<ELEVES>"))
	moved := append(append(append(append([]byte{}, data[:k]...), data[i:j]...), data[k:i]...), data[j:]...)
	s := apptest.Start(t, "sqlite")
	newEstablishment(t, s, "0691234S")
	if _, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), "0691234S", source(t, "moved.xml", moved), false); err != nil {
		t.Fatal(err)
	}
	page, _ := s.App.Students.List(context.Background(), authz.OperatorPrincipal(), "0691234S", student.Filter{Query: "1234501"})
	if len(page.Students) != 1 || page.Students[0].Class != "2NDPRO-A" || len(page.Students[0].Groups) == 0 {
		t.Fatalf("class from structures placed first: %+v", page.Students)
	}
}
