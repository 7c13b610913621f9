// Package notify tells people what happened to them: a notice on their "Mon compte"
// page always, and an e-mail when they have confirmed an address. A notice is an i18n
// message key with named parameters, stored with the change that caused it (Notify
// runs in the transaction the context carries) and written in the reader's language
// when it is shown or sent. E-mails go through an outbox table that the "mail" job
// sends (see Sender); the daily "reminders" job tells people their credentials expire.
//
// notify owns notify_notices, notify_addresses and notify_outbox
// (docs/decisions/0018-notifications.md).
package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
)

// Limits of what a notice carries (docs/limits.md).
const (
	MaxParams     = 20
	MaxParamBytes = 500
	// MaxNotices is how many notices the account page lists (the newest).
	MaxNotices = 50
)

// Keys encrypt and decrypt the confirmation links waiting in the outbox.
type Keys interface {
	Encrypt(plaintext []byte, ad keyring.AD) ([]byte, error)
	Decrypt(ciphertext []byte, ad keyring.AD) ([]byte, error)
}

// Options are the settings of the service.
type Options struct {
	// Mail tells that an SMTP server is configured: only then are e-mails queued and
	// addresses offered on the account page.
	Mail bool
	// BaseURL starts the links of the e-mails (the account page, the confirmation link).
	BaseURL string
	// TokenTTL is how long a confirmation link works (default 48 h).
	TokenTTL time.Duration
}

// Service stores notices and addresses and queues e-mails.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	keys     Keys
	accounts *account.Service
	now      func() time.Time
	opts     Options
}

// New returns the service.
func New(db *store.DB, log *audit.Log, keys Keys, accounts *account.Service, now func() time.Time, opts Options) *Service {
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 48 * time.Hour
	}
	return &Service{db: db, audit: log, keys: keys, accounts: accounts, now: now, opts: opts}
}

// MailEnabled tells whether e-mails are sent (an SMTP server is configured).
func (s *Service) MailEnabled() bool { return s.opts.Mail }

// Notify gives the account a notice: the message key (an i18n key, written in the
// reader's language when shown or sent) and its named parameters. The notice is stored
// in the transaction ctx carries, with the change that caused it; when the account has
// a confirmed address (and mail is configured) an e-mail is queued in the same
// transaction. An unknown key, or parameters the message does not take, are an error.
func (s *Service) Notify(ctx context.Context, accountID int64, key string, params map[string]string) error {
	_, err := s.notify(ctx, accountID, key, params, "")
	return err
}

// NotifyOnce is Notify for a notice given once per account and onceKey (a reminder:
// "expiry30:2026-06-30"); it reports whether the notice was given now.
func (s *Service) NotifyOnce(ctx context.Context, accountID int64, onceKey, key string, params map[string]string) (bool, error) {
	if onceKey == "" {
		return false, errors.New("notify: NotifyOnce needs a once key")
	}
	return s.notify(ctx, accountID, key, params, onceKey)
}

func (s *Service) notify(ctx context.Context, accountID int64, key string, params map[string]string, onceKey string) (bool, error) {
	if err := checkMessage(key, params); err != nil {
		return false, err
	}
	js, err := encodeParams(params)
	if err != nil {
		return false, err
	}
	given := false
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		now := s.now()
		n, err := s.db.ExecCount(ctx, `INSERT INTO notify_notices (account_id, msg_key, params, once_key, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, once_key) WHERE once_key <> '' DO NOTHING`,
			accountID, key, js, onceKey, now)
		if err != nil || n == 0 {
			return err
		}
		given = true
		if !s.opts.Mail {
			return nil
		}
		var email string
		err = s.db.QueryRow(ctx, `SELECT email FROM notify_addresses WHERE account_id = $1`, accountID).Scan(&email)
		if errors.Is(err, store.ErrNotFound) || err == nil && email == "" {
			return nil
		}
		if err != nil {
			return err
		}
		return s.enqueue(ctx, accountID, "notice", key, js, "")
	})
	return given, err
}

// NotifyMany gives the notice key to each account of accountIDs, with the parameters
// of the same index, in a few multi-row statements instead of a transaction each (a
// nightly job's thousands of reminders), inside the caller's transaction when the
// context carries one; the e-mails of those with a confirmed address are queued the
// same way. It is Notify's result for each, in one transaction.
func (s *Service) NotifyMany(ctx context.Context, accountIDs []int64, key string, params []map[string]string) error {
	if len(accountIDs) != len(params) {
		return fmt.Errorf("notify: %d accounts for %d parameter sets", len(accountIDs), len(params))
	}
	if len(accountIDs) == 0 {
		return nil
	}
	rows := make([][]any, len(accountIDs))
	encoded := make([]string, len(accountIDs))
	now := s.now()
	for i, id := range accountIDs {
		if err := checkMessage(key, params[i]); err != nil {
			return err
		}
		js, err := encodeParams(params[i])
		if err != nil {
			return err
		}
		encoded[i] = js
		rows[i] = []any{id, key, js, "", now}
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.InsertRows(ctx, "notify_notices", []string{"account_id", "msg_key", "params", "once_key", "created_at"}, rows, "", nil); err != nil {
			return err
		}
		if !s.opts.Mail {
			return nil
		}
		withAddress := map[int64]bool{}
		for start := 0; start < len(accountIDs); start += 1000 {
			chunk := accountIDs[start:min(start+1000, len(accountIDs))]
			ph := make([]string, len(chunk))
			args := make([]any, len(chunk))
			for i, id := range chunk {
				ph[i], args[i] = "$"+strconv.Itoa(i+1), id
			}
			if err := s.db.Each(ctx, func(r *sql.Rows) error {
				var id int64
				err := r.Scan(&id)
				withAddress[id] = true
				return err
			}, `SELECT account_id FROM notify_addresses WHERE email <> '' AND account_id IN (`+strings.Join(ph, ", ")+`)`, args...); err != nil {
				return err
			}
		}
		var mails [][]any
		for i, id := range accountIDs {
			if !withAddress[id] {
				continue
			}
			ref, err := randomRef()
			if err != nil {
				return err
			}
			mails = append(mails, []any{ref, id, "notice", key, encoded[i], nil, now, now})
		}
		return s.db.InsertRows(ctx, "notify_outbox", []string{"ref", "account_id", "kind", "msg_key", "params", "secret_enc", "next_attempt_at", "created_at"}, mails, "", nil)
	})
}

// checkMessage refuses a key the catalogue does not have, or parameters that are not
// exactly the message's named parameters.
func checkMessage(key string, params map[string]string) error {
	m, ok := i18n.Lookup(key)
	if !ok {
		return fmt.Errorf("notify: unknown message key %q", key)
	}
	want := i18n.Placeholders(m.FR)
	for _, p := range want {
		if _, ok := params[p]; !ok {
			return fmt.Errorf("notify: message %q needs the parameter %q", key, p)
		}
	}
	if len(params) > len(want) {
		return fmt.Errorf("notify: message %q takes the parameters %v, given %d", key, want, len(params))
	}
	if len(params) > MaxParams {
		return apperr.TooManyItems("params", MaxParams)
	}
	for k, v := range params {
		if len(v) > MaxParamBytes {
			return fmt.Errorf("notify: parameter %q of %q is longer than %d bytes", k, key, MaxParamBytes)
		}
	}
	return nil
}

func encodeParams(params map[string]string) (string, error) {
	if len(params) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(params)
	return string(b), err
}

func decodeParams(s string) map[string]string {
	var m map[string]string
	if s != "" && s != "{}" {
		_ = json.Unmarshal([]byte(s), &m) // written by encodeParams: a JSON object of strings
	}
	return m
}

// enqueue writes an e-mail to send; secret, when not empty, is encrypted (the token of
// a confirmation link).
func (s *Service) enqueue(ctx context.Context, accountID int64, kind, key, params, secret string) error {
	ref, err := randomRef()
	if err != nil {
		return err
	}
	var enc []byte
	if secret != "" {
		if enc, err = s.keys.Encrypt([]byte(secret), secretAD(ref)); err != nil {
			return err
		}
	}
	now := s.now()
	_, err = s.db.Exec(ctx, `INSERT INTO notify_outbox (ref, account_id, kind, msg_key, params, secret_enc, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, ref, accountID, kind, key, params, enc, now)
	return err
}

func secretAD(ref string) keyring.AD {
	return keyring.AD{Table: "notify_outbox", Column: "secret_enc", Row: ref}
}

// EncryptedColumns lists the columns this package encrypts, for key rotation.
func EncryptedColumns() []store.EncryptedColumn {
	return []store.EncryptedColumn{{Table: "notify_outbox", Column: "secret_enc", Key: "ref"}}
}

func randomRef() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Notice is a notice as its reader sees it.
type Notice struct {
	ID        int64             `json:"id"`
	Key       string            `json:"key"`
	Params    map[string]string `json:"params,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	ReadAt    *time.Time        `json:"read_at,omitempty"`
}

// Text writes the notice in lang. A parameter named date or ending in _date that
// holds a date (YYYY-MM-DD) is written as a date of that language ("30 juin 2026",
// "30 June 2026").
func (n Notice) Text(lang string) string {
	args := i18n.Args{}
	for k, v := range n.Params {
		args[k] = v
		if k == "date" || strings.HasSuffix(k, "_date") {
			if d, err := calendar.ParseDate(v); err == nil {
				args[k] = calendar.LongDate(lang, d)
			}
		}
	}
	return i18n.T(lang, n.Key, args)
}

// Notices returns the account's newest notices (MaxNotices), unread first.
func (s *Service) Notices(ctx context.Context, accountID int64) ([]Notice, error) {
	var out []Notice
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var n Notice
		var params string
		var read sql.NullTime
		err := rows.Scan(&n.ID, &n.Key, &params, &n.CreatedAt, &read)
		n.Params, n.ReadAt = decodeParams(params), store.NullTime(read)
		out = append(out, n)
		return err
	}, `SELECT id, msg_key, params, created_at, read_at FROM notify_notices WHERE account_id = $1
		ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC LIMIT `+fmt.Sprint(MaxNotices), accountID)
	return out, err
}

// Unread counts the account's unread notices.
func (s *Service) Unread(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_notices WHERE account_id = $1 AND read_at IS NULL`, accountID).Scan(&n)
	return n, err
}

// MarkRead marks one of the account's notices read; another account's notice is not
// found.
func (s *Service) MarkRead(ctx context.Context, accountID, noticeID int64) error {
	n, err := s.db.ExecCount(ctx, `UPDATE notify_notices SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND account_id = $3`,
		s.now(), noticeID, accountID)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound("notice_not_found", "no such notice")
	}
	return nil
}

// MarkAllRead marks every notice of the account read.
func (s *Service) MarkAllRead(ctx context.Context, accountID int64) error {
	_, err := s.db.Exec(ctx, `UPDATE notify_notices SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL`, s.now(), accountID)
	return err
}
