package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/store"
)

// TestJobsPage: the platform administrator runs a job from the jobs page; an
// establishment administrator reads his transfer dashboard and its job history but can
// neither open the jobs page nor run a job.
func TestJobsPage(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	e, err := s.App.Establishments.Create(ctx, account.Operator, establishmentInput("0691234S", "Lycée Alpha"))
	if err != nil {
		t.Fatal(err)
	}
	root := s.CreateUser("root", account.Membership{Role: account.RolePlatformAdmin})
	admin := s.CreateUser("admin", account.Membership{Role: account.RoleAdmin, EstablishmentID: e.ID})

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
const consentNone = "Cet établissement n&#39;envoie ni ne reçoit de données d&#39;élèves"
