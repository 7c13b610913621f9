package graduation_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/mailtest"
)

// TestRegistrarAddressesReachStudents: the e-mail column of the registrar import gives
// the student's account a confirmed address (new students and changed addresses only;
// a re-run gives nothing), and a refusal then reaches the student's mailbox (Mailpit).
func TestRegistrarAddressesReachStudents(t *testing.T) {
	m := mailtest.Start(t)
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		s.App.Graduation.Notifier = s.App.Notify
		g, n := s.App.Graduation, s.App.Notify
		rule, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, graduation.Rule{Code: "TOEIC", Label: "Anglais B2", Category: "language",
			Measure: "toeic", Threshold: 785, Mandatory: true, Deadline: "2027-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		csv := "N° étudiant;Nom;Prénom;Date de naissance;Courriel;Formation;Promotion;Année\n" +
			"EA;NuméroA;Élève;01/01/2003;Eleve.A@Example.org;ING;ING-2027;3\n" +
			"EB;NuméroB;Élève;01/01/2003;;ING;ING-2027;3\n" +
			"EZ;Nouveau;Zoé;02/02/2003;zoe@example.org;ING;ING-2027;3\n"
		imp := func() highered.RegistrarReport {
			t.Helper()
			rep, err := s.App.Highered.Registrar(ctx, authz.OperatorPrincipal(), uai, highered.RegistrarSource{Name: "scol.csv", R: strings.NewReader(csv), Size: int64(len(csv))}, highered.RegistrarOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		if rep := imp(); rep.Created != 1 || rep.Addresses != 2 {
			t.Fatalf("registrar: %+v", rep)
		}
		if a, err := n.Address(ctx, f.accounts[0]); err != nil || a.Email != "eleve.a@example.org" || a.VerifiedAt == nil {
			t.Fatalf("address of A: %+v %v", a, err)
		}
		if a, _ := n.Address(ctx, f.accounts[1]); a.Email != "" {
			t.Fatalf("B has no address in the file, got %+v", a)
		}
		accs, err := s.App.Accounts.WithRole(ctx, f.e.ID, authz.RoleStudent)
		if err != nil {
			t.Fatal(err)
		}
		zoe := false
		for _, id := range accs {
			if a, _ := n.Address(ctx, id); a.Email == "zoe@example.org" {
				zoe = true
			}
		}
		if !zoe {
			t.Fatal("the new student's account has no address")
		}
		// The same file again: no address given again (a student who changed his own
		// keeps it).
		if rep := imp(); rep.Addresses != 0 {
			t.Fatalf("re-run: %+v", rep)
		}

		// A refused proof reaches A's mailbox.
		item := itemOf(t, g, f, 0, rule.Code)
		v := 700
		if _, err := g.SubmitProof(ctx, f.studentP(0), uai, f.students[0], item, "toeic.pdf", bytes.NewReader([]byte(minimalPDF)), graduation.Change{Value: &v}); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Act(ctx, f.office, uai, f.students[0], item, graduation.Change{Action: graduation.Refuse, Reason: "Score 700 < 785"}); err != nil {
			t.Fatal(err)
		}
		c, err := n.RunSend(ctx, s.App.Mailer)
		if err != nil || c.Sent != 1 {
			t.Fatalf("send: %+v %v", c, err)
		}
		var found bool
		for _, msg := range m.Messages(t) {
			if len(msg.To) == 1 && msg.To[0].Address == "eleve.a@example.org" && strings.Contains(m.Text(t, msg.ID), "Score 700 < 785") {
				found = true
			}
		}
		if !found {
			t.Fatalf("no refusal mail for eleve.a@example.org in Mailpit: %+v", m.Messages(t))
		}
	}, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = m.Host, m.Port, "none", "cartable <no-reply@cartable.test>"
	})
}

// TestDeadlineRemindersAreNotices: the nightly pass gives its reminders through the
// notifications in bulk (notify.Service.NotifyMany): each student finds his own, once.
func TestDeadlineRemindersAreNotices(t *testing.T) {
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		f := setup(t, s, 2)
		g, n := s.App.Graduation, s.App.Notify
		g.Notifier = n
		if _, ok := g.Notifier.(graduation.BulkNotifier); !ok {
			t.Fatal("notify.Service gives no notices in bulk")
		}
		deadline := s.Clock.Now().AddDate(0, 0, 19).Format("2006-01-02")
		if _, err := g.SaveRule(ctx, f.office, uai, f.cohort.ID, graduation.Rule{Code: "STAGE", Label: "Stage de fin d’études", Category: "internship",
			Mandatory: true, Deadline: deadline}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := g.RunNightly(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for i, acc := range f.accounts {
			list, err := n.Notices(ctx, acc)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, nt := range list {
				if nt.Key == "graduation.notice.deadline" && nt.Params["rule"] == "Stage de fin d’études" && nt.Params["deadline"] == deadline && nt.Params["days"] == "19" {
					got++
				}
			}
			if got != 1 {
				t.Errorf("student %d: %d deadline notices, want 1: %+v", i, got, list)
			}
		}
	})
}
