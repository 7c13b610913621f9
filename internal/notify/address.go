package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/store"
)

// MaxEmail is the longest address accepted (RFC 5321: 254).
const MaxEmail = 254

// MaxLinksPerDay is how many confirmation links an account may have sent in 24 hours:
// the form must not become a way to flood someone else's mailbox.
const MaxLinksPerDay = 5

// Address is an account's e-mail address as its owner sees it.
type Address struct {
	// Email is the confirmed address ("" for none): e-mails go there.
	Email      string     `json:"email,omitempty"`
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
	// Pending waits for its confirmation link, until PendingUntil.
	Pending      string     `json:"pending,omitempty"`
	PendingUntil *time.Time `json:"pending_until,omitempty"`
}

// Address returns the account's address (zero when none).
func (s *Service) Address(ctx context.Context, accountID int64) (Address, error) {
	var a Address
	var verified, until sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT email, verified_at, pending, token_expires_at FROM notify_addresses WHERE account_id = $1`, accountID).
		Scan(&a.Email, &verified, &a.Pending, &until)
	if errors.Is(err, store.ErrNotFound) {
		return Address{}, nil
	}
	a.VerifiedAt, a.PendingUntil = store.NullTime(verified), store.NullTime(until)
	return a, err
}

// ParseEmail checks an address as a person types it: one plain address (no name, no
// list), at most MaxEmail bytes, with a domain holding a dot.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.Invalid("email_required", "the e-mail address is missing")
	}
	if err := apperr.CheckLen("email", s, MaxEmail); err != nil {
		return "", err
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", apperr.Invalid("invalid_email", "not an e-mail address: %q", s).With("email", s)
	}
	return s, nil
}

// RequestAddress records the address the principal gives for himself and queues the
// e-mail carrying its confirmation link (single use, valid TokenTTL, its token stored
// hashed). A confirmed address stays in use until the new one is confirmed.
func (s *Service) RequestAddress(ctx context.Context, p *authz.Principal, email string) error {
	if !s.opts.Mail {
		return apperr.Unavailable("mail_disabled", 0, "e-mail is not configured on this platform")
	}
	email, err := ParseEmail(email)
	if err != nil {
		return err
	}
	token, err := credential.NewToken(credential.KindEmail, rand.Reader)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var sent int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_outbox WHERE account_id = $1 AND kind = 'verify' AND created_at > $2`,
			p.AccountID, now.Add(-24*time.Hour)).Scan(&sent); err != nil {
			return err
		}
		if sent >= MaxLinksPerDay {
			return apperr.TooMany("email_links_exhausted", time.Hour, "at most %d confirmation links a day", MaxLinksPerDay).With("max", MaxLinksPerDay)
		}
		_, err := s.db.Exec(ctx, `INSERT INTO notify_addresses (account_id, pending, token_hash, token_expires_at, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account_id) DO UPDATE SET pending = $2, token_hash = $3, token_expires_at = $4, updated_at = $5`,
			p.AccountID, email, credential.HashToken(token), now.Add(s.opts.TokenTTL), now)
		if err != nil {
			return err
		}
		// An earlier link waiting to be sent would carry a token that no longer works.
		if _, err := s.db.Exec(ctx, `UPDATE notify_outbox SET status = 'dropped' WHERE account_id = $1 AND kind = 'verify' AND status = 'pending'`, p.AccountID); err != nil {
			return err
		}
		if err := s.enqueue(ctx, p.AccountID, "verify", "notify.mail.verify", "{}", token); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.EmailRequested, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(p.AccountID), TargetLogin: p.Login})
	})
}

// ConfirmAddress confirms the address whose link carried token: the pending address
// becomes the one e-mails go to. A token used, replaced or expired is refused.
func (s *Service) ConfirmAddress(ctx context.Context, token string) error {
	if _, err := credential.ParseToken(token); err != nil {
		return apperr.Gone("email_link_invalid", "this confirmation link is not valid")
	}
	now := s.now()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var accountID int64
		var pending string
		var until time.Time
		err := s.db.QueryRow(ctx, `SELECT account_id, pending, token_expires_at FROM notify_addresses WHERE token_hash = $1`,
			credential.HashToken(token)).Scan(&accountID, &pending, &until)
		if errors.Is(err, store.ErrNotFound) || err == nil && (pending == "" || !now.Before(until)) {
			return apperr.Gone("email_link_invalid", "this confirmation link is not valid")
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE notify_addresses SET email = pending, verified_at = $1, pending = '', token_hash = NULL,
			token_expires_at = NULL, updated_at = $1 WHERE account_id = $2`, now, accountID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.EmailConfirmed, TargetID: audit.ID(accountID)})
	})
}

// RemoveAddress forgets the principal's addresses (confirmed and pending) and the
// e-mails waiting for them.
func (s *Service) RemoveAddress(ctx context.Context, p *authz.Principal) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `DELETE FROM notify_addresses WHERE account_id = $1`, p.AccountID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE notify_outbox SET status = 'dropped' WHERE account_id = $1 AND status = 'pending'`, p.AccountID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.EmailRemoved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(p.AccountID), TargetLogin: p.Login})
	})
}

// SetAddress records a confirmed address for an account without a link: for the
// demo, and for an import whose source vouches for the address (the registrar's).
func (s *Service) SetAddress(ctx context.Context, accountID int64, email string) error {
	email, err := ParseEmail(email)
	if err != nil {
		return err
	}
	now := s.now()
	_, err = s.db.Exec(ctx, `INSERT INTO notify_addresses (account_id, email, verified_at, updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (account_id) DO UPDATE SET email = $2, verified_at = $3, updated_at = $3`, accountID, email, now)
	return err
}
