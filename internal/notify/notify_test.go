package notify_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/apptest"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/mailtest"
	"github.com/cartable/cartable/internal/notify"
)

// withMail points the application at a Mailpit started for the test.
func withMail(m *mailtest.Server) apptest.Option {
	return func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = m.Host, m.Port, "none", "cartable <no-reply@cartable.test>"
	}
}

var linkRE = regexp.MustCompile(`/email/confirm\?token=(\S+)`)

// TestNotifyAndMail follows a person from a notice without address to a confirmed
// address and the e-mails Mailpit receives: the confirmation link works once, a notice
// rolled back with its transaction leaves nothing, a notice is mailed once.
func TestNotifyAndMail(t *testing.T) {
	m := mailtest.Start(t)
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		n := s.App.Notify
		u := s.CreateUser("eleve.notify", authz.Membership{Role: authz.RolePlatformAdmin})
		p := &authz.Principal{AccountID: u.ID, Login: u.Login}
		before := len(m.Messages(t))

		// No address yet: a notice, no e-mail.
		if err := n.Notify(ctx, u.ID, "notify.credentials_expire", map[string]string{"date": "2027-06-30", "renew": "x"}); err != nil {
			t.Fatal(err)
		}
		c, err := n.RunSend(ctx, s.App.Mailer)
		if err != nil || c.Sent != 0 || c.Pending != 0 {
			t.Fatalf("without address: %+v %v", c, err)
		}
		list, err := n.Notices(ctx, u.ID)
		if err != nil || len(list) != 1 || !strings.Contains(list[0].Text("fr"), "30\u00a0juin 2027") || !strings.Contains(list[0].Text("en"), "30 June 2027") {
			t.Fatalf("notices: %+v %v", list, err)
		}

		// Bad calls are refused.
		if err := n.Notify(ctx, u.ID, "no.such.key", nil); err == nil {
			t.Error("an unknown key was accepted")
		}
		if err := n.Notify(ctx, u.ID, "notify.credentials_expire", map[string]string{"date": "2027-06-30"}); err == nil {
			t.Error("a missing parameter was accepted")
		}
		if err := n.RequestAddress(ctx, p, "not an address"); apperr.CodeOf(err) != "invalid_email" {
			t.Errorf("bad address: %v", err)
		}

		// The address and its confirmation link.
		if err := n.RequestAddress(ctx, p, "eleve@example.org"); err != nil {
			t.Fatal(err)
		}
		if c, err = n.RunSend(ctx, s.App.Mailer); err != nil || c.Sent != 1 {
			t.Fatalf("verify mail: %+v %v", c, err)
		}
		msgs := m.Messages(t)
		if len(msgs) != before+1 || msgs[0].To[0].Address != "eleve@example.org" {
			t.Fatalf("mailpit: %+v", msgs)
		}
		body := m.Text(t, msgs[0].ID)
		match := linkRE.FindStringSubmatch(body)
		if match == nil || !strings.HasPrefix(match[0], "/email/confirm") {
			t.Fatalf("no link in %q", body)
		}
		if a, _ := n.Address(ctx, u.ID); a.Email != "" || a.Pending != "eleve@example.org" {
			t.Fatalf("before confirmation: %+v", a)
		}
		if err := n.ConfirmAddress(ctx, match[1]); err != nil {
			t.Fatal(err)
		}
		if err := n.ConfirmAddress(ctx, match[1]); apperr.CodeOf(err) != "email_link_invalid" {
			t.Errorf("a link used twice: %v", err)
		}
		if a, _ := n.Address(ctx, u.ID); a.Email != "eleve@example.org" || a.Pending != "" {
			t.Fatalf("after confirmation: %+v", a)
		}

		// At most MaxLinksPerDay links a day: the form floods no one's mailbox.
		for i := 1; i < notify.MaxLinksPerDay; i++ {
			if err := n.RequestAddress(ctx, p, "other@example.org"); err != nil {
				t.Fatalf("link %d: %v", i+1, err)
			}
		}
		if err := n.RequestAddress(ctx, p, "other@example.org"); apperr.CodeOf(err) != "email_links_exhausted" {
			t.Fatalf("link %d: %v", notify.MaxLinksPerDay+1, err)
		}
		if err := n.RemoveAddress(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := n.SetAddress(ctx, u.ID, "eleve@example.org"); err != nil {
			t.Fatal(err)
		}

		// A notice stored in a transaction that rolls back leaves nothing.
		boom := errors.New("boom")
		err = s.App.DB.Tx(ctx, func(ctx context.Context) error {
			if err := n.Notify(ctx, u.ID, "notify.email_confirmed", map[string]string{"email": "eleve@example.org"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if list, _ := n.Notices(ctx, u.ID); len(list) != 1 {
			t.Fatalf("rolled back notice kept: %d notices", len(list))
		}
		if c, _ = n.RunSend(ctx, s.App.Mailer); c.Sent != 0 {
			t.Fatalf("rolled back notice mailed: %+v", c)
		}

		// A notice with a confirmed address is mailed, once.
		if err := n.Notify(ctx, u.ID, "notify.email_confirmed", map[string]string{"email": "eleve@example.org"}); err != nil {
			t.Fatal(err)
		}
		if c, err = n.RunSend(ctx, s.App.Mailer); err != nil || c.Sent != 1 {
			t.Fatalf("notice mail: %+v %v", c, err)
		}
		if c, _ = n.RunSend(ctx, s.App.Mailer); c.Sent != 0 {
			t.Fatalf("sent twice: %+v", c)
		}
		msgs = m.Messages(t)
		if len(msgs) != before+2 || !strings.Contains(m.Text(t, msgs[0].ID), "eleve@example.org est confirmée") {
			t.Fatalf("notice mail: %+v", msgs[0])
		}
	}, withMail(m))
}

// TestMailServerDown: with the SMTP server down, nothing is lost: the attempt is
// counted, the next one waits, and the e-mail goes once the server answers; after the
// last attempt the e-mail is failed, visible, and Retry queues it again.
func TestMailServerDown(t *testing.T) {
	m := mailtest.Start(t)
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		n := s.App.Notify
		u := s.CreateUser("eleve.down", authz.Membership{Role: authz.RolePlatformAdmin})
		if err := n.SetAddress(ctx, u.ID, "down@example.org"); err != nil {
			t.Fatal(err)
		}
		down := notify.SMTP{S: notify.SMTPSettings{Host: "127.0.0.1", Port: mailtest.FreePort(t), TLS: "none", From: "no-reply@cartable.test", Timeout: 2 * time.Second}}
		if err := n.Notify(ctx, u.ID, "notify.email_confirmed", map[string]string{"email": "down@example.org"}); err != nil {
			t.Fatal(err)
		}
		before := len(m.Messages(t))
		c, err := n.RunSend(ctx, down)
		if err != nil || c.Retried != 1 || c.Pending != 1 {
			t.Fatalf("server down: %+v %v", c, err)
		}
		out, _ := n.Outbox(ctx, 10)
		if len(out) != 1 || out[0].Attempts != 1 || out[0].LastError == "" {
			t.Fatalf("outbox after a failure: %+v", out)
		}
		// Not due yet: the server being back changes nothing before the wait.
		if c, _ = n.RunSend(ctx, s.App.Mailer); c.Sent != 0 {
			t.Fatalf("sent before its next attempt: %+v", c)
		}
		s.Clock.Advance(2 * time.Minute)
		if c, _ = n.RunSend(ctx, s.App.Mailer); c.Sent != 1 || c.Pending != 0 {
			t.Fatalf("server back: %+v", c)
		}
		if got := len(m.Messages(t)); got != before+1 {
			t.Fatalf("mailpit received %d, want %d", got, before+1)
		}

		// Down for good: failed after MaxAttempts, then queued again by Retry.
		if err := n.Notify(ctx, u.ID, "notify.email_confirmed", map[string]string{"email": "down@example.org"}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < notify.MaxAttempts; i++ {
			if _, err := n.RunSend(ctx, down); err != nil {
				t.Fatal(err)
			}
			s.Clock.Advance(7 * time.Hour)
		}
		c, _ = n.RunSend(ctx, down)
		if c.FailedTotal != 1 || c.Pending != 0 {
			t.Fatalf("after %d attempts: %+v", notify.MaxAttempts, c)
		}
		if k, err := n.Retry(ctx); err != nil || k != 1 {
			t.Fatalf("retry: %d %v", k, err)
		}
		if c, _ = n.RunSend(ctx, s.App.Mailer); c.Sent != 1 {
			t.Fatalf("after retry: %+v", c)
		}
	}, withMail(m))
}

// TestNoDoubleSend: two senders at once (two instances) send every e-mail once.
func TestNoDoubleSend(t *testing.T) {
	m := mailtest.Start(t)
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		n := s.App.Notify
		u := s.CreateUser("eleve.twice", authz.Membership{Role: authz.RolePlatformAdmin})
		if err := n.SetAddress(ctx, u.ID, "twice@example.org"); err != nil {
			t.Fatal(err)
		}
		const total = 30
		for i := 0; i < total; i++ {
			if err := n.Notify(ctx, u.ID, "notify.email_confirmed", map[string]string{"email": "twice@example.org"}); err != nil {
				t.Fatal(err)
			}
		}
		before := len(m.Messages(t))
		var wg sync.WaitGroup
		counts := make([]notify.SendCounts, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = n.RunSend(ctx, s.App.Mailer)
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		if counts[0].Sent+counts[1].Sent != total {
			t.Fatalf("sent %d + %d, want %d", counts[0].Sent, counts[1].Sent, total)
		}
		msgs := m.Messages(t)
		if len(msgs)-before != total {
			t.Fatalf("mailpit received %d, want %d", len(msgs)-before, total)
		}
		ids := map[string]bool{}
		for _, x := range msgs[:total] {
			if ids[x.MessageID] {
				t.Fatalf("message %s received twice", x.MessageID)
			}
			ids[x.MessageID] = true
		}
	}, withMail(m))
}

// TestExpiryReminders: the daily job tells a person 30 then 7 days before his
// credentials expire, once each, and mails it to his confirmed address.
func TestExpiryReminders(t *testing.T) {
	m := mailtest.Start(t)
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		n := s.App.Notify
		u := s.CreateUser("eleve.expire", authz.Membership{Role: authz.RolePlatformAdmin})
		if err := n.SetAddress(ctx, u.ID, "expire@example.org"); err != nil {
			t.Fatal(err)
		}
		acc, err := s.App.Accounts.Me(ctx, &authz.Principal{AccountID: u.ID, Login: u.Login})
		if err != nil || acc.ExpiresAt == nil {
			t.Fatalf("account: %+v %v", acc, err)
		}
		run := func() notify.RemindCounts {
			t.Helper()
			c, err := n.RunReminders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := run(); c.Expiry30 != 0 || c.Expiry7 != 0 {
			t.Fatalf("months before expiry: %+v", c)
		}
		s.Clock.Advance(acc.ExpiresAt.Sub(s.Clock.Now()) - 20*24*time.Hour)
		if c := run(); c.Expiry30 != 1 || c.Expiry7 != 0 {
			t.Fatalf("20 days before: %+v", c)
		}
		if c := run(); c.Expiry30 != 0 {
			t.Fatalf("the same day again: %+v", c)
		}
		s.Clock.Advance(15 * 24 * time.Hour)
		if c := run(); c.Expiry30 != 0 || c.Expiry7 != 1 {
			t.Fatalf("5 days before: %+v", c)
		}
		if c := run(); c.Expiry7 != 0 {
			t.Fatalf("the same day again: %+v", c)
		}
		before := len(m.Messages(t))
		if c, err := n.RunSend(ctx, s.App.Mailer); err != nil || c.Sent != 2 {
			t.Fatalf("mails: %+v %v", c, err)
		}
		msgs := m.Messages(t)
		if len(msgs) != before+2 || !strings.Contains(m.Text(t, msgs[0].ID), "expirent le") {
			t.Fatalf("reminder mails: %+v", msgs)
		}
	}, withMail(m))
}

// TestSMTPAuth: with a user and a password the sender authenticates (PLAIN) and the
// message arrives; Mailpit accepts any credentials.
func TestSMTPAuth(t *testing.T) {
	m := mailtest.Start(t)
	c := notify.SMTP{S: notify.SMTPSettings{Host: m.Host, Port: m.Port, TLS: "none", User: "cartable", Password: "s3cret",
		From: "cartable <no-reply@cartable.test>", Timeout: 5 * time.Second}}
	if err := c.Send(context.Background(), notify.Message{ID: "auth-test", To: "someone@example.org", Subject: "Sujet accentué", Body: "Corps é"}); err != nil {
		t.Fatal(err)
	}
	msgs := m.Messages(t)
	if len(msgs) != 1 || msgs[0].Subject != "Sujet accentué" || !strings.HasPrefix(msgs[0].MessageID, "auth-test@") {
		t.Fatalf("%+v", msgs)
	}
	// STARTTLS required against a server without it: refused, nothing sent in clear.
	c.S.TLS = "starttls"
	if err := c.Send(context.Background(), notify.Message{ID: "tls-test", To: "someone@example.org", Subject: "x", Body: "x"}); err == nil {
		t.Error("sent without STARTTLS while it was required")
	}
	if n := len(m.Messages(t)); n != 1 {
		t.Errorf("%d messages", n)
	}
}

// TestUnreadableRowDoesNotBlock: an outbox row that cannot be rendered (its secret no
// longer decrypts) counts a failed attempt and the rows after it are still sent.
func TestUnreadableRowDoesNotBlock(t *testing.T) {
	m := mailtest.Start(t)
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		n := s.App.Notify
		u := s.CreateUser("eleve.illisible", authz.Membership{Role: authz.RolePlatformAdmin})
		p := &authz.Principal{AccountID: u.ID, Login: u.Login}
		if err := n.SetAddress(ctx, u.ID, "illisible@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := n.RequestAddress(ctx, p, "nouvelle@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.DB.Exec(ctx, `UPDATE notify_outbox SET secret_enc = $1 WHERE kind = 'verify'`, []byte("not a ciphertext")); err != nil {
			t.Fatal(err)
		}
		if err := n.Notify(ctx, u.ID, "notify.email_confirmed", map[string]string{"email": "illisible@example.org"}); err != nil {
			t.Fatal(err)
		}
		c, err := n.RunSend(ctx, s.App.Mailer)
		if err != nil || c.Retried != 1 || c.Sent != 1 {
			t.Fatalf("%+v %v", c, err)
		}
		out, _ := n.Outbox(ctx, 10)
		if len(out) != 1 || out[0].Kind != "verify" || out[0].LastError == "" {
			t.Fatalf("outbox: %+v", out)
		}
	}, withMail(m))
}

// TestNotifyMany: many notices at once are the notices Notify gives one by one — each
// reader sees his own, in his language; those with a confirmed address get the e-mail,
// once; bad parameters refuse the whole batch and nothing is kept.
func TestNotifyMany(t *testing.T) {
	m := mailtest.Start(t)
	apptest.Engines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		n := s.App.Notify
		a := s.CreateUser("many.a", authz.Membership{Role: authz.RolePlatformAdmin})
		b := s.CreateUser("many.b", authz.Membership{Role: authz.RolePlatformAdmin})
		if err := n.SetAddress(ctx, b.ID, "many.b@example.org"); err != nil {
			t.Fatal(err)
		}
		before := len(m.Messages(t))
		key := "notify.email_confirmed"
		if err := n.NotifyMany(ctx, []int64{a.ID, b.ID}, key, []map[string]string{{"email": "a@x.org"}, {}}); err == nil {
			t.Fatal("a missing parameter was accepted")
		}
		if err := n.NotifyMany(ctx, []int64{a.ID}, key, nil); err == nil {
			t.Fatal("one account for no parameters was accepted")
		}
		if list, _ := n.Notices(ctx, a.ID); len(list) != 0 {
			t.Fatalf("a refused batch left %d notices", len(list))
		}
		if err := n.NotifyMany(ctx, []int64{a.ID, b.ID, a.ID}, key, []map[string]string{{"email": "a1@x.org"}, {"email": "b@x.org"}, {"email": "a2@x.org"}}); err != nil {
			t.Fatal(err)
		}
		la, _ := n.Notices(ctx, a.ID)
		lb, _ := n.Notices(ctx, b.ID)
		if len(la) != 2 || len(lb) != 1 || !strings.Contains(lb[0].Text("fr"), "b@x.org") || !strings.Contains(lb[0].Text("en"), "b@x.org") {
			t.Fatalf("notices: a %+v, b %+v", la, lb)
		}
		c, err := n.RunSend(ctx, s.App.Mailer)
		if err != nil || c.Sent != 1 {
			t.Fatalf("send: %+v %v", c, err)
		}
		msgs := m.Messages(t)
		if len(msgs) != before+1 || msgs[0].To[0].Address != "many.b@example.org" || !strings.Contains(m.Text(t, msgs[0].ID), "b@x.org") {
			t.Fatalf("mail: %+v", msgs)
		}
		if c, _ = n.RunSend(ctx, s.App.Mailer); c.Sent != 0 {
			t.Fatalf("sent twice: %+v", c)
		}
	}, withMail(m))
}
