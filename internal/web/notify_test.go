package web_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/mailtest"
	"github.com/cartable/cartable/internal/privacy"
	"github.com/cartable/cartable/internal/store"
)

// TestNoticesOnTheAccountPage: a notice shows on "Mon compte" in the page's language,
// is marked read by its owner and by no one else.
func TestNoticesOnTheAccountPage(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	ctx := context.Background()
	u := s.CreateUser("eleve.avis", authz.Membership{Role: authz.RolePlatformAdmin})
	other := s.CreateUser("autre.avis", authz.Membership{Role: authz.RolePlatformAdmin})
	if err := s.App.Notify.Notify(ctx, u.ID, "notify.credentials_expire", map[string]string{"date": "2027-06-30", "renew": s.URL + "/me"}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Notify.Notify(ctx, other.ID, "notify.credentials_expire", map[string]string{"date": "2027-01-31", "renew": s.URL + "/me"}); err != nil {
		t.Fatal(err)
	}
	c := s.Browser()
	login(t, s, c, u)
	p := fetch(t, c, "GET", s.URL+"/me", nil)
	body := html.UnescapeString(p.body)
	if !strings.Contains(body, "Vos identifiants cartable expirent le 30\u00a0juin 2027") || strings.Contains(body, "31 janvier 2027") {
		t.Fatalf("account page:\n%s", p.body)
	}
	if !strings.Contains(body, "Les courriels ne sont pas configurés") {
		t.Error("without SMTP, the page does not say e-mail is off")
	}
	fetch(t, c, "GET", s.URL+"/lang/en?back=/me", nil)
	if p = fetch(t, c, "GET", s.URL+"/me", nil); !strings.Contains(p.body, "expire on 30 June 2027") {
		t.Errorf("English account page:\n%s", p.body)
	}
	mine, _ := s.App.Notify.Notices(ctx, u.ID)
	theirs, _ := s.App.Notify.Notices(ctx, other.ID)
	csrf := p.csrf(t)
	if r := fetch(t, c, "POST", s.URL+"/me/notices/"+itoa(theirs[0].ID)+"/read", url.Values{"csrf": {csrf}}); r.status != http.StatusNotFound {
		t.Errorf("another's notice: %d", r.status)
	}
	if r := fetch(t, c, "POST", s.URL+"/me/notices/"+itoa(mine[0].ID)+"/read", url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther {
		t.Errorf("my notice: %d", r.status)
	}
	if n, _ := s.App.Notify.Unread(ctx, u.ID); n != 0 {
		t.Errorf("%d unread after marking", n)
	}
	if n, _ := s.App.Notify.Unread(ctx, other.ID); n != 1 {
		t.Errorf("the other's notice was marked: %d unread", n)
	}
}

var linkRE = regexp.MustCompile(`/email/confirm\?token=(\S+)`)

// TestEmailAddressThroughThePages: the person adds an address on "Mon compte", the
// link arrives at Mailpit, its page asks for a click (opening it confirms nothing),
// the click confirms it once.
func TestEmailAddressThroughThePages(t *testing.T) {
	m := mailtest.Start(t)
	s := apptest.Start(t, store.SQLite, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = m.Host, m.Port, "none", "no-reply@cartable.test"
	})
	ctx := context.Background()
	u := s.CreateUser("eleve.adresse", authz.Membership{Role: authz.RolePlatformAdmin})
	c := s.Browser()
	login(t, s, c, u)
	p := fetch(t, c, "GET", s.URL+"/me", nil)
	if r := fetch(t, c, "POST", s.URL+"/me/email", url.Values{"csrf": {p.csrf(t)}, "email": {"pas une adresse"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(html.UnescapeString(r.body), "n’est pas une adresse électronique") {
		t.Fatalf("bad address: %d\n%s", r.status, r.body)
	}
	if r := fetch(t, c, "POST", s.URL+"/me/email", url.Values{"csrf": {p.csrf(t)}, "email": {"eleve.adresse@example.org"}}); r.status != http.StatusSeeOther {
		t.Fatalf("address: %d", r.status)
	}
	if p = fetch(t, c, "GET", s.URL+"/me?email=sent", nil); !strings.Contains(p.body, "eleve.adresse@example.org") {
		t.Fatalf("pending address not shown:\n%s", p.body)
	}
	if _, err := s.App.Jobs.Run(ctx, "mail", "test"); err != nil {
		t.Fatal(err)
	}
	msgs := m.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("mailpit: %+v", msgs)
	}
	match := linkRE.FindStringSubmatch(m.Text(t, msgs[0].ID))
	if match == nil {
		t.Fatal("no link in the e-mail")
	}
	anon := s.Browser()
	landing := fetch(t, anon, "GET", s.URL+"/email/confirm?token="+match[1], nil)
	if a, _ := s.App.Notify.Address(ctx, u.ID); landing.status != 200 || a.Email != "" {
		t.Fatalf("opening the link: %d, address %+v", landing.status, a)
	}
	if r := fetch(t, anon, "POST", s.URL+"/email/confirm", url.Values{"csrf": {landing.csrf(t)}, "token": {match[1]}}); r.status != 200 {
		t.Fatalf("confirm: %d\n%s", r.status, r.body)
	}
	if a, _ := s.App.Notify.Address(ctx, u.ID); a.Email != "eleve.adresse@example.org" {
		t.Fatalf("after confirmation: %+v", a)
	}
	if r := fetch(t, anon, "POST", s.URL+"/email/confirm", url.Values{"csrf": {landing.csrf(t)}, "token": {match[1]}}); r.status != http.StatusGone {
		t.Errorf("second use: %d", r.status)
	}
	if p = fetch(t, c, "GET", s.URL+"/me", nil); !strings.Contains(p.body, `id="me-email">eleve.adresse@example.org`) {
		t.Errorf("confirmed address not shown")
	}
	if r := fetch(t, c, "POST", s.URL+"/me/email/remove", url.Values{"csrf": {p.csrf(t)}}); r.status != http.StatusSeeOther {
		t.Errorf("remove: %d", r.status)
	}
	if a, _ := s.App.Notify.Address(ctx, u.ID); a.Email != "" {
		t.Errorf("after removal: %+v", a)
	}
}

// TestPrivacyPages: the notice is open to all, in both languages, linked from the
// login page; the record of processing activities is for platform administrators,
// lists every table of the catalogue and its export is audited.
func TestPrivacyPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	anon := s.Browser()
	if p := fetch(t, anon, "GET", s.URL+"/login", nil); !strings.Contains(p.body, `href="/privacy"`) {
		t.Error("the login page does not link the privacy notice")
	}
	for lang, want := range map[string][]string{
		"fr": {"Vos données personnelles", "Comptes et connexion", "Dossiers scolaires", "Transferts de dossiers", "Suivi des conditions de diplomation", "CNIL"},
		"en": {"Your personal data", "Accounts and login", "School records", "Record transfers", "Graduation requirements tracking", "CNIL"},
	} {
		fetch(t, anon, "GET", s.URL+"/lang/"+lang+"?back=/privacy", nil)
		p := fetch(t, anon, "GET", s.URL+"/privacy", nil)
		body := html.UnescapeString(p.body)
		for _, w := range want {
			if p.status != 200 || !strings.Contains(body, w) {
				t.Errorf("%s: privacy page %d lacks %q", lang, p.status, w)
			}
		}
	}
	e, err := s.App.Establishments.Create(context.Background(), authz.Operator, establishmentInput("0691234S", "Lycée Registre"))
	if err != nil {
		t.Fatal(err)
	}
	teacher := s.CreateUser("prof.registre", authz.Membership{Role: authz.RoleAdmin, EstablishmentID: e.ID})
	c := s.Browser()
	login(t, s, c, teacher)
	if p := fetch(t, c, "GET", s.URL+"/admin/privacy", nil); p.status != http.StatusForbidden {
		t.Errorf("a teacher reads the register: %d", p.status)
	}
	root := s.CreateUser("root.registre", authz.Membership{Role: authz.RolePlatformAdmin})
	c = s.Browser()
	login(t, s, c, root)
	if p := fetch(t, c, "GET", s.URL+"/admin/privacy", nil); p.status != 200 || !strings.Contains(p.body, "<code>notify_outbox</code>") {
		t.Fatalf("register page: %d", p.status)
	}
	p := fetch(t, c, "GET", s.URL+"/admin/privacy?format=csv", nil)
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil || len(rows) != len(privacy.Tables())+1 {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}
	if p = fetch(t, c, "GET", s.URL+"/admin/privacy?format=md", nil); !strings.Contains(p.body, "# Registre des activités de traitement") {
		t.Errorf("Markdown:\n%s", p.body)
	}
	if p = fetch(t, c, "GET", s.URL+"/admin/privacy?format=pdf", nil); p.status != http.StatusBadRequest && p.status != http.StatusUnprocessableEntity {
		t.Errorf("unknown format: %d", p.status)
	}
	events, err := s.App.Audit.List(context.Background(), audit.Filter{Action: audit.PrivacyRegisterExported})
	if err != nil || len(events) != 2 {
		t.Errorf("audit: %d events, %v", len(events), err)
	}
}
