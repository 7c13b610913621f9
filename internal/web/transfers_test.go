package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/store"
)

// TestJobsPage: the platform administrator runs a job from the jobs page; an
// establishment administrator reads his transfer dashboard and its job history but can
// neither open the jobs page nor run a job.
func TestJobsPage(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, err := s.App.Establishments.Create(ctx, authz.Operator, establishmentInput("0691234S", "Lycée Alpha"))
	if err != nil {
		t.Fatal(err)
	}
	root := s.CreateUser("root", authz.Membership{Role: authz.RolePlatformAdmin})
	admin := s.CreateUser("admin", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})

	c := s.Browser()
	login(t, s, c, root)
	p := fetch(t, c, "GET", s.URL+"/admin/jobs", nil)
	if p.status != 200 || !strings.Contains(p.body, "Aucune exécution") {
		t.Fatalf("jobs page: %d\n%s", p.status, p.body)
	}
	// Without the CSRF token nothing runs.
	if q := fetch(t, c, "POST", s.URL+"/admin/jobs/transfer", url.Values{}); q.status != http.StatusForbidden {
		t.Fatalf("run without CSRF: %d", q.status)
	}
	q := fetch(t, c, "POST", s.URL+"/admin/jobs/transfer", url.Values{"csrf": {p.csrf(t)}})
	if q.status != http.StatusSeeOther {
		t.Fatalf("run: %d\n%s", q.status, q.body)
	}
	p = fetch(t, c, "GET", s.URL+"/admin/jobs", nil)
	if !strings.Contains(p.body, "Transferts (quotidienne)") || !strings.Contains(p.body, "Terminée") || !strings.Contains(p.body, `&#34;examined&#34;:0`) {
		t.Fatalf("the run is not listed:\n%s", p.body)
	}

	c2 := s.Browser()
	login(t, s, c2, admin)
	p = fetch(t, c2, "GET", s.URL+"/establishments/0691234S/transfers", nil)
	// The page says what the establishment allows (nothing, by default) and lists the run.
	if p.status != 200 || !strings.Contains(p.body, consentNone) || !strings.Contains(p.body, "Transferts (quotidienne)") {
		t.Fatalf("transfer dashboard: %d\n%s", p.status, p.body)
	}
	csv := fetch(t, c2, "GET", s.URL+"/establishments/0691234S/transfers?format=csv&list=pending", nil)
	if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", csv.status, csv.header.Get("Content-Type"))
	}
	if q := fetch(t, c2, "GET", s.URL+"/admin/jobs", nil); q.status != http.StatusForbidden {
		t.Fatalf("establishment admin on the jobs page: %d", q.status)
	}
	if q := fetch(t, c2, "POST", s.URL+"/admin/jobs/purge", url.Values{"csrf": {p.csrf(t)}}); q.status != http.StatusForbidden {
		t.Fatalf("establishment admin runs the purge: %d", q.status)
	}
	runs, err := s.App.Jobs.History(ctx, "purge", 10)
	if err != nil || len(runs) != 0 {
		t.Fatalf("a purge ran: %v %v", runs, err)
	}
}

// consentNone is how the dashboard says (as HTML) that an establishment allows no transfer.
const consentNone = "Cet établissement n’envoie ni ne reçoit de données d’élèves"

// oneStudent is a SIECLE file of uai holding only the generated person i, whose last
// school (ancienRNE) is prev ("" none), under the first name first ("" his own).
func oneStudent(t *testing.T, uai string, i int, prev, first string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := siecle.Generate(&buf, siecle.GenOptions{UAI: uai, Students: 1, FirstIndex: i, Seed: int64(i + 7), Year: time.Now().Year()}); err != nil {
		t.Fatal(err)
	}
	data := regexp.MustCompile(`(?s)\s*<SCOLARITE_AN_DERNIER>.*?</SCOLARITE_AN_DERNIER>`).ReplaceAll(buf.Bytes(), nil)
	if prev != "" {
		data = bytes.Replace(data, []byte("</ELEVE>"), []byte("<SCOLARITE_AN_DERNIER><CODE_RNE>"+prev+"</CODE_RNE></SCOLARITE_AN_DERNIER></ELEVE>"), 1)
	}
	if first != "" {
		data = regexp.MustCompile(`<PRENOM>[^<]*</PRENOM>`).ReplaceAll(data, []byte("<PRENOM>"+first+"</PRENOM>"))
	}
	return data
}

func importSiecle(t *testing.T, s *apptest.Server, uai string, data []byte) {
	t.Helper()
	if _, err := s.App.Importer.Siecle(context.Background(), authz.OperatorPrincipal(), uai,
		importer.Source{Name: "f.xml", R: bytes.NewReader(data), Size: int64(len(data))}, false); err != nil {
		t.Fatal(err)
	}
}

// TestTransferRequestsPage: two students leave A and arrive at B, X without ancienRNE,
// Y under another first name. A's administrator is told on his home page, reads why on
// his transfer dashboard, confirms X (one click, CSRF-checked; the records move at
// once) and refuses Y; B's dashboard says what waits for A, then what matched. Nobody
// else may click for A, not even B's administrator who also teaches at A.
func TestTransferRequestsPage(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		yes := true
		in := func(uai, name string, send bool) establishment.Input {
			i := establishmentInput(uai, name)
			i.TransfersSend, i.TransfersReceive = &send, &yes
			return i
		}
		a, err := s.App.Establishments.Create(ctx, authz.Operator, in("0691234S", "Lycée Alpha", true))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.App.Establishments.Create(ctx, authz.Operator, in("0381234K", "Lycée Bravo", false))
		if err != nil {
			t.Fatal(err)
		}
		// Persons 3 and 4 (both with a valid INE) leave A and arrive at B.
		var fileA bytes.Buffer
		if err := siecle.Generate(&fileA, siecle.GenOptions{UAI: a.UAI, Students: 10, Seed: 1, Year: time.Now().Year()}); err != nil {
			t.Fatal(err)
		}
		importSiecle(t, s, a.UAI, fileA.Bytes())
		exit := time.Now().AddDate(0, 0, -10).Format("02/01/2006")
		left := fileA.Bytes()
		for _, k := range []int{3, 4} {
			re := regexp.MustCompile(`(?s)((?:<ELEVE .*?</ELEVE>\s*){` + fmt.Sprint(k) + `}<ELEVE .*?)(</ELEVE>)`)
			left = re.ReplaceAll(left, []byte("${1}<DATE_SORTIE>"+exit+"</DATE_SORTIE>${2}"))
		}
		importSiecle(t, s, a.UAI, left)
		importSiecle(t, s, b.UAI, oneStudent(t, b.UAI, 3, "", ""))
		importSiecle(t, s, b.UAI, oneStudent(t, b.UAI, 4, a.UAI, "Zephyrin"))
		if _, err := s.App.DB.Exec(ctx, `UPDATE students SET entry_date = $1 WHERE establishment_id = $2`, time.Now().AddDate(0, 0, -5).Format("2006-01-02"), b.ID); err != nil {
			t.Fatal(err)
		}
		if c, err := s.App.Transfers.RunTransfers(ctx); err != nil || c.ToConfirm != 2 {
			t.Fatalf("counts %+v %v", c, err)
		}
		var x, xb, y, yb int64
		for _, q := range []struct {
			id  *int64
			est int64
			k   int
		}{{&x, a.ID, 3}, {&y, a.ID, 4}, {&xb, b.ID, 3}, {&yb, b.ID, 4}} {
			if err := s.App.DB.QueryRow(ctx, `SELECT id FROM students WHERE establishment_id = $1 AND unqid = (SELECT unqid FROM students WHERE establishment_id = $2 ORDER BY id LIMIT 1 OFFSET $3)`,
				q.est, a.ID, q.k).Scan(q.id); err != nil {
				t.Fatal(err)
			}
		}

		adminA := s.CreateUser("admin.a", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: a.ID})
		c := s.Browser()
		login(t, s, c, adminA)
		home := fetch(t, c, "GET", s.URL+"/establishments/0691234S", nil)
		if !strings.Contains(home.body, "Transferts à examiner\u00a0: 2") {
			t.Fatalf("A's home page:\n%s", home.body)
		}
		p := fetch(t, c, "GET", s.URL+"/establishments/0691234S/transfers", nil)
		confirmX := fmt.Sprintf(`action="/establishments/0691234S/transfers/requests/%d/confirm"`, xb)
		if p.status != 200 || !strings.Contains(p.body, confirmX) || !strings.Contains(p.body, "ancien établissement (ancienRNE) absent du fichier") ||
			!strings.Contains(p.body, "les noms diffèrent") || !strings.Contains(p.body, "Zephyrin") {
			t.Fatalf("A's dashboard:\n%s", p.body)
		}
		form := url.Values{"csrf": {p.csrf(t)}, "student": {fmt.Sprint(x)}}
		// Without the CSRF token nothing happens.
		if q := fetch(t, c, "POST", s.URL+fmt.Sprintf("/establishments/0691234S/transfers/requests/%d/confirm", xb), url.Values{"student": {fmt.Sprint(x)}}); q.status != http.StatusForbidden {
			t.Fatalf("confirm without CSRF: %d", q.status)
		}
		// B's administrator, a teacher at A too, cannot click for A.
		both := s.CreateUser("admin.b", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: b.ID}, authz.Membership{Role: authz.RoleTeacher, EstablishmentID: a.ID})
		cb := s.Browser()
		login(t, s, cb, both)
		pb := fetch(t, cb, "GET", s.URL+"/establishments/0381234K/transfers", nil)
		// Before A confirms, B learns nothing of the match; its own file's ancienRNE (A, for
		// student 4) is named, as a UAI's name is public (issue 10: pending transfers name
		// the previous school when it is known) — once, in that cell only.
		if !strings.Contains(pb.body, "En attente de la confirmation de l’établissement d’origine") || strings.Count(pb.body, "Lycée Alpha") != 1 ||
			!strings.Contains(pb.body, "<td>Lycée Alpha (0691234S)</td>") {
			t.Fatalf("B's dashboard before:\n%s", pb.body)
		}
		if q := fetch(t, cb, "POST", s.URL+fmt.Sprintf("/establishments/0691234S/transfers/requests/%d/confirm", xb), url.Values{"csrf": {pb.csrf(t)}, "student": {fmt.Sprint(x)}}); q.status != http.StatusForbidden {
			t.Fatalf("B's administrator confirms for A: %d", q.status)
		}
		if n := countRows(t, s, `SELECT COUNT(*) FROM transfers`); n != 0 {
			t.Fatalf("%d transfers", n)
		}

		q := fetch(t, c, "POST", s.URL+fmt.Sprintf("/establishments/0691234S/transfers/requests/%d/confirm", xb), form)
		if q.status != http.StatusSeeOther || q.header.Get("Location") != "/establishments/0691234S/transfers?done=moved#requests" {
			t.Fatalf("confirm: %d %s", q.status, q.header.Get("Location"))
		}
		q = fetch(t, c, "POST", s.URL+fmt.Sprintf("/establishments/0691234S/transfers/requests/%d/refuse", yb), url.Values{"csrf": {p.csrf(t)}, "student": {fmt.Sprint(y)}})
		if q.status != http.StatusSeeOther || q.header.Get("Location") != "/establishments/0691234S/transfers?done=refused#requests" {
			t.Fatalf("refuse: %d %s", q.status, q.header.Get("Location"))
		}
		p = fetch(t, c, "GET", s.URL+"/establishments/0691234S/transfers?done=refused", nil)
		if !strings.Contains(p.body, "confirmé par admin.a le") || !strings.Contains(p.body, "Refus enregistré") || !strings.Contains(p.body, "refusé par admin.a le") ||
			strings.Contains(p.body, confirmX) {
			t.Fatalf("A's dashboard after:\n%s", p.body)
		}
		// In English, the same.
		fetch(t, c, "GET", s.URL+"/lang/en?back=/me", nil)
		p = fetch(t, c, "GET", s.URL+"/establishments/0691234S/transfers", nil)
		if !strings.Contains(p.body, "confirmed by admin.a on") || !strings.Contains(p.body, "refused by admin.a on") {
			t.Fatalf("A's dashboard in English:\n%s", p.body)
		}
		pb = fetch(t, cb, "GET", s.URL+"/establishments/0381234K/transfers", nil)
		if !strings.Contains(pb.body, "confirmé par admin.a le") || !strings.Contains(pb.body, "l’établissement d’origine a indiqué qu’il ne s’agit pas de cet élève") {
			t.Fatalf("B's dashboard after:\n%s", pb.body)
		}
		csv := fetch(t, c, "GET", s.URL+"/establishments/0691234S/transfers?format=csv&list=requests", nil)
		if csv.status != 200 || !strings.Contains(csv.body, "refused by admin.a on") || !strings.Contains(csv.body, "refused_by_origin by=admin.a") {
			t.Fatalf("CSV: %d\n%s", csv.status, csv.body)
		}
	})
}

func countRows(t *testing.T, s *apptest.Server, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
