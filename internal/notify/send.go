package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/store"
)

// Message is one e-mail, as the outbox renders it.
type Message struct {
	// ID is the outbox row's ref: the Message-ID's left part, the same on every attempt.
	ID            string
	To            string
	Subject, Body string
}

// Mailer sends e-mails; SMTP is the one of production, tests may stand in.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// SMTPSettings are the SMTP server's (config --smtp-*).
type SMTPSettings struct {
	Host     string
	Port     int
	TLS      string // starttls, tls or none
	User     string
	Password string
	From     string
	// Timeout bounds a connection and each command (default 30 s).
	Timeout time.Duration
}

// SMTP sends through an SMTP server with github.com/wneessen/go-mail, one connection
// per message.
type SMTP struct{ S SMTPSettings }

// Send sends m.
func (c SMTP) Send(ctx context.Context, m Message) error {
	timeout := c.S.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithPort(c.S.Port), mail.WithTimeout(timeout)}
	switch c.S.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if c.S.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(c.S.User), mail.WithPassword(c.S.Password))
	}
	client, err := mail.NewClient(c.S.Host, opts...)
	if err != nil {
		return err
	}
	msg := mail.NewMsg()
	if err := msg.From(c.S.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	domain := "cartable.invalid"
	if at := strings.LastIndexByte(c.S.From, '@'); at >= 0 {
		domain = strings.TrimRight(c.S.From[at+1:], ">")
	}
	msg.SetMessageIDWithValue(m.ID + "@" + domain)
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	return client.DialAndSendWithContext(ctx, msg)
}

// NoSMTP is the Mailer of a platform without an SMTP server: it sends nothing (and
// nothing is queued, see Options.Mail).
type NoSMTP struct{}

// Send refuses.
func (NoSMTP) Send(context.Context, Message) error {
	return errors.New("notify: no SMTP server configured")
}

// Sender settings.
const (
	// MaxAttempts is how many times an e-mail is tried before it is failed.
	MaxAttempts = 8
	// batch is how many rows one claim takes.
	batch = 100
	// claimFor is how long a claim holds rows: a sender that died frees them after it.
	claimFor = 10 * time.Minute
)

// backoff is the wait after the n-th failed attempt: 1, 2, 4… minutes, at most 6 hours.
func backoff(n int) time.Duration {
	d := time.Minute << min(n-1, 9)
	return min(d, 6*time.Hour)
}

// SendCounts are what a run of the mail job did, and what the outbox holds after it.
type SendCounts struct {
	Sent    int `json:"sent"`
	Retried int `json:"retried"`
	Failed  int `json:"failed"`
	Dropped int `json:"dropped"`
	// Pending and FailedTotal describe the whole outbox after the run, for the
	// operator: e-mails waiting (for their next attempt) and given up.
	Pending     int `json:"pending"`
	FailedTotal int `json:"failed_total"`
}

// outRow is a claimed outbox row.
type outRow struct {
	id        int64
	ref       string
	accountID int64
	kind, key string
	params    string
	secret    []byte
	attempts  int
}

// RunSend sends what the outbox holds due, as the mail job does: it claims up to 100
// rows at a time (so a second instance, or a second run, never takes the same row),
// sends each in its own short transaction, and on a failure counts the attempt and sets
// the next one later (backoff); after MaxAttempts the row is failed, visible in the
// counts. A row is sent at least once and, unless the process dies between the SMTP
// server's acceptance and the update that follows, once only.
func (s *Service) RunSend(ctx context.Context, m Mailer) (SendCounts, error) {
	var c SendCounts
	if _, none := m.(NoSMTP); none || m == nil {
		return c, s.outboxTotals(ctx, &c)
	}
	claim, err := claimName()
	if err != nil {
		return c, err
	}
	for {
		rows, err := s.claim(ctx, claim)
		if err != nil {
			return c, err
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			if err := s.sendOne(ctx, m, claim, r, &c); err != nil {
				return c, err
			}
		}
		if ctx.Err() != nil {
			return c, ctx.Err()
		}
	}
	return c, s.outboxTotals(ctx, &c)
}

func claimName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// claim marks up to batch due rows as this run's. The conditions stand in the outer
// WHERE too: on PostgreSQL a concurrent claimer's UPDATE re-checks them on the row it
// waited for, and skips a row the other claimed.
func (s *Service) claim(ctx context.Context, claim string) ([]outRow, error) {
	now := s.now()
	const due = `status = 'pending' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)`
	_, err := s.db.Exec(ctx, `UPDATE notify_outbox SET claimed_by = $1, claimed_until = $2
		WHERE `+due+` AND id IN (SELECT id FROM notify_outbox WHERE `+due+` ORDER BY id LIMIT `+fmt.Sprint(batch)+`)`,
		claim, now.Add(claimFor), now)
	if err != nil {
		return nil, err
	}
	var out []outRow
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var r outRow
		err := rows.Scan(&r.id, &r.ref, &r.accountID, &r.kind, &r.key, &r.params, &r.secret, &r.attempts)
		out = append(out, r)
		return err
	}, `SELECT id, ref, account_id, kind, msg_key, params, secret_enc, attempts FROM notify_outbox
		WHERE claimed_by = $1 AND status = 'pending' ORDER BY id`, claim)
	return out, err
}

// sendOne renders and sends one claimed row and records the outcome.
func (s *Service) sendOne(ctx context.Context, m Mailer, claim string, r outRow, c *SendCounts) error {
	msg, ok, err := s.render(ctx, r)
	if err == nil && !ok { // the address was removed or replaced since
		c.Dropped++
		return s.finish(ctx, claim, r.id, `status = 'dropped'`)
	}
	if err == nil {
		err = m.Send(ctx, msg)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		// A row that cannot be rendered (a key removed from the keyring) fails like a
		// refused send: counted, retried, then failed, never blocking the rows after it.
		return s.failAttempt(ctx, claim, r, err, c)
	}
	c.Sent++
	return s.finish(ctx, claim, r.id, `status = 'sent', sent_at = $3, attempts = attempts + 1, last_error = ''`)
}

// failAttempt records a failed attempt: the row waits (backoff) or, after MaxAttempts,
// is failed.
func (s *Service) failAttempt(ctx context.Context, claim string, r outRow, cause error, c *SendCounts) error {
	attempts := r.attempts + 1
	status := "pending"
	if attempts >= MaxAttempts {
		status = "failed"
		c.Failed++
	} else {
		c.Retried++
	}
	_, err := s.db.Exec(ctx, `UPDATE notify_outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4,
		claimed_by = '', claimed_until = NULL WHERE id = $5 AND claimed_by = $6`,
		status, attempts, s.now().Add(backoff(attempts)), diagnostic(cause), r.id, claim)
	return err
}

func (s *Service) finish(ctx context.Context, claim string, id int64, set string) error {
	_, err := s.db.Exec(ctx, `UPDATE notify_outbox SET `+set+`, claimed_by = '', claimed_until = NULL
		WHERE id = $1 AND claimed_by = $2`, id, claim, s.now())
	return err
}

// diagnostic keeps the first line of an SMTP error, bounded; go-mail's errors carry no
// credential.
func diagnostic(err error) string {
	d, _, _ := strings.Cut(err.Error(), "\n")
	if len(d) > 500 {
		d = d[:500]
	}
	return d
}

// render writes the row's e-mail in its reader's language, to the address it goes to
// now: the confirmed one for a notice, the pending one for a confirmation link. ok is
// false when there is none any more.
func (s *Service) render(ctx context.Context, r outRow) (Message, bool, error) {
	var email, pending string
	err := s.db.QueryRow(ctx, `SELECT email, pending FROM notify_addresses WHERE account_id = $1`, r.accountID).Scan(&email, &pending)
	if errors.Is(err, store.ErrNotFound) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, err
	}
	langs, err := s.accounts.Langs(ctx, []int64{r.accountID})
	if err != nil {
		return Message{}, false, err
	}
	lang := langs[r.accountID]
	if lang != i18n.EN {
		lang = i18n.FR
	}
	footer := i18n.T(lang, "notify.mail.footer", i18n.Args{"account": s.opts.BaseURL + "/me", "privacy": s.opts.BaseURL + "/privacy"})
	msg := Message{ID: r.ref}
	switch r.kind {
	case "verify":
		if pending == "" {
			return Message{}, false, nil
		}
		token, err := s.keys.Decrypt(r.secret, secretAD(r.ref))
		if err != nil {
			return Message{}, false, err
		}
		msg.To = pending
		msg.Subject = i18n.T(lang, "notify.mail.verify_subject")
		msg.Body = i18n.T(lang, r.key, i18n.Args{"link": s.opts.BaseURL + "/email/confirm?token=" + url.QueryEscape(string(token)),
			"hours": fmt.Sprint(int(s.opts.TokenTTL.Hours()))}) + "\n\n" + footer
	default:
		if email == "" {
			return Message{}, false, nil
		}
		n := Notice{Key: r.key, Params: decodeParams(r.params)}
		msg.To = email
		msg.Subject = i18n.T(lang, "notify.mail.subject")
		msg.Body = n.Text(lang) + "\n\n" + footer
	}
	return msg, true, nil
}

func (s *Service) outboxTotals(ctx context.Context, c *SendCounts) error {
	return s.db.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) FROM notify_outbox WHERE status IN ('pending', 'failed')`).
		Scan(&c.Pending, &c.FailedTotal)
}

// OutboxEntry is an e-mail of the outbox as the operator sees it (no address, no
// content: the message key and the account).
type OutboxEntry struct {
	ID            int64      `json:"id"`
	AccountID     int64      `json:"account_id"`
	Kind          string     `json:"kind"`
	Key           string     `json:"key"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// Outbox lists the e-mails not sent (pending or failed), oldest first, at most limit.
func (s *Service) Outbox(ctx context.Context, limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var e OutboxEntry
		var sent sql.NullTime
		err := rows.Scan(&e.ID, &e.AccountID, &e.Kind, &e.Key, &e.Status, &e.Attempts, &e.NextAttemptAt, &e.LastError, &e.CreatedAt, &sent)
		if sent.Valid {
			e.SentAt = &sent.Time
		}
		out = append(out, e)
		return err
	}, `SELECT id, account_id, kind, msg_key, status, attempts, next_attempt_at, last_error, created_at, sent_at
		FROM notify_outbox WHERE status IN ('pending', 'failed') ORDER BY id LIMIT `+fmt.Sprint(limit))
	return out, err
}

// Retry puts the failed e-mails back in the queue, due now, with their attempts reset
// (after the operator fixed the mail server); it returns how many.
func (s *Service) Retry(ctx context.Context) (int64, error) {
	return s.db.ExecCount(ctx, `UPDATE notify_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1 WHERE status = 'failed'`, s.now())
}
