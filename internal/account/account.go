// Package account owns accounts and their life: creation by an administrator, an import
// or the user himself; delivery of generated credentials through a single-use enrolment
// link; activation by a first TOTP code; login with password + TOTP (or a recovery code);
// sessions and API tokens; brute-force throttling; expiry and renewal every six months.
//
// The rules come from the COFRAP requirements (seed 002) and NIST SP 800-63B; see
// docs/security.md for the threat model and the two deviations the customer requires.
package account

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
)

// Status is the stored state of an account. Expiry and locks are derived from dates.
type Status string

// The stored states.
const (
	StatusPending  Status = "pending"  // created or re-enrolled, not yet activated
	StatusActive   Status = "active"   // activated with a TOTP code
	StatusDisabled Status = "disabled" // turned off by an administrator
)

// Account is an account as administrators see it; it never holds a secret.
type Account struct {
	ID           int64              `json:"id"`
	Login        string             `json:"login"`
	DisplayName  string             `json:"display_name,omitempty"`
	Status       Status             `json:"status"`
	ActivatedAt  *time.Time         `json:"activated_at,omitempty"`
	ExpiresAt    *time.Time         `json:"expires_at,omitempty"`
	FailedCount  int                `json:"failed_count"`
	LockedUntil  *time.Time         `json:"locked_until,omitempty"`
	HardLockedAt *time.Time         `json:"hard_locked_at,omitempty"`
	LastLoginAt  *time.Time         `json:"last_login_at,omitempty"`
	Lang         string             `json:"lang"`
	CreatedAt    time.Time          `json:"created_at"`
	Roles        []authz.Membership `json:"roles"`
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int `json:"recovery_codes_left"`
	// ReadOnly, set for an establishment administrator who may see the account but
	// not manage it, says why (ReadOnlyOtherEstablishment, ReadOnlyPlatformRole); Roles
	// then lists only the roles in his establishments.
	ReadOnly string `json:"read_only,omitempty"`
}

// Expired reports whether the credentials have expired at now.
func (a *Account) Expired(now time.Time) bool {
	return a.ExpiresAt != nil && !now.Before(*a.ExpiresAt)
}

// Locked reports whether login is refused at now because of failures.
func (a *Account) Locked(now time.Time) bool {
	return a.HardLockedAt != nil || (a.LockedUntil != nil && now.Before(*a.LockedUntil))
}

// State is the state shown to people: pending, active, expired, locked or disabled.
func (a *Account) State(now time.Time) string {
	switch {
	case a.Status == StatusDisabled:
		return "disabled"
	case a.Locked(now):
		return "locked"
	case a.Status == StatusPending:
		return "pending"
	case a.Expired(now):
		return "expired"
	}
	return "active"
}

// DaysLeft returns the whole days left before expiry (0 on the last day, negative
// after), and false when the account has no expiry yet.
func (a *Account) DaysLeft(now time.Time) (int, bool) {
	if a.ExpiresAt == nil {
		return 0, false
	}
	d := a.ExpiresAt.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days, true
}

// Policy holds the rules that deployments may tune.
type Policy struct {
	Issuer             string
	BaseURL            string
	EnrollmentTTL      time.Duration
	CredentialLifetime config.Period
	RenewalGrace       config.Period
	ExpiryWarning      config.Period
	SessionIdle        time.Duration
	SessionAbsolute    time.Duration
	APISessionTTL      time.Duration
	TokenTTL           time.Duration
	Argon2             credential.Params
	HashConcurrency    int
	HashQueueWait      time.Duration
	// SelfSignup lets people create their own account.
	SelfSignup bool
}

// PolicyFrom builds the policy from the configuration.
func PolicyFrom(c *config.Config) Policy {
	return Policy{
		Issuer:             c.Issuer,
		BaseURL:            c.BaseURL,
		EnrollmentTTL:      c.EnrollmentTTL,
		CredentialLifetime: c.CredentialLifetime,
		RenewalGrace:       c.RenewalGrace,
		ExpiryWarning:      c.ExpiryWarning,
		SessionIdle:        c.SessionIdle,
		SessionAbsolute:    c.SessionAbsolute,
		APISessionTTL:      c.APISessionTTL,
		TokenTTL:           c.TokenTTL,
		Argon2: credential.Params{Memory: uint32(c.Argon2Memory), Time: uint32(c.Argon2Time),
			Threads: uint8(c.Argon2Threads), SaltLen: 16, KeyLen: 32},
		HashConcurrency: c.HashConcurrency,
		HashQueueWait:   c.HashQueueWait,
		SelfSignup:      c.SelfSignup,
	}
}

// The brute-force rules (NIST SP 800-63B §5.2.2): a temporary lock after LockAfter
// consecutive failures, doubling from LockBase up to LockMax, and a hard lock that only
// an administrator lifts after HardLockAfter consecutive failures.
const (
	LockAfter     = 5
	HardLockAfter = 100
	LockBase      = 30 * time.Second
	LockMax       = time.Hour
	// TOTPWindow is the number of 30-second steps accepted before and after now.
	TOTPWindow = 1
	// RecoveryCodeCount is the number of recovery codes given at enrolment.
	RecoveryCodeCount = 10
)

// LockDelay is the temporary lock after n consecutive failures (0 below LockAfter).
func LockDelay(n int) time.Duration {
	if n < LockAfter {
		return 0
	}
	d := LockBase
	for i := LockAfter; i < n && d < LockMax; i++ {
		d *= 2
	}
	return min(d, LockMax)
}

// Crypter encrypts secrets at rest; *keyring.Ring is one.
type Crypter interface {
	Encrypt(plaintext []byte, ad keyring.AD) ([]byte, error)
	Decrypt(ciphertext []byte, ad keyring.AD) ([]byte, error)
}

// Service runs the account rules.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	keys   Crypter
	now    func() time.Time
	rand   io.Reader
	policy Policy
	hasher *hasher
	dummy  string // a PHC hash nobody's password matches, for equal timing

	// OnLogin, when set, is told the outcome of every login attempt (for metrics).
	OnLogin func(outcome string)
	// OnCreate, when set, is told the outcome of every account creation (for metrics):
	// succeeded, refused (the request was wrong: login taken, invalid role…) or failed
	// (the platform failed: database, overload).
	OnCreate func(outcome string)
	// AccessRule, when set, tells what an account may do now (see Access); it is
	// consulted at login and on every authenticated request.
	AccessRule func(ctx context.Context, accountID int64, now time.Time) (authz.Access, error)
}

// Options are optional dependencies of New.
type Options struct {
	// Rand is the source of randomness (default crypto/rand).
	Rand io.Reader
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, keys Crypter, now func() time.Time, p Policy, o Options) (*Service, error) {
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if p.HashConcurrency < 1 {
		p.HashConcurrency = 1
	}
	s := &Service{db: db, audit: log, keys: keys, now: now, rand: o.Rand, policy: p,
		hasher: newHasher(p.HashConcurrency, p.HashQueueWait)}
	dummy, err := credential.HashPassword("cartable dummy password", p.Argon2, o.Rand)
	if err != nil {
		return nil, fmt.Errorf("dummy hash: %w", err)
	}
	s.dummy = dummy
	return s, nil
}

// Policy returns the rules in force.
func (s *Service) Policy() Policy { return s.policy }

// The limits of the texts an account carries, in characters (docs/limits.md).
const (
	// MaxLogin is the longest login (loginPattern).
	MaxLogin = 64
	// MaxName is the longest first name and last name of a person an import creates
	// an account for.
	MaxName = 100
	// MaxDisplayName is the longest display name: a first and a last name of MaxName
	// each, with the space between.
	MaxDisplayName = 2*MaxName + 1
	// MaxTokenName is the longest name of a personal API token.
	MaxTokenName = 100
	// MaxQuery is the longest search text of an account list.
	MaxQuery = 100
	// MaxUserAgent is the longest user agent kept with a session (longer ones are
	// cut: it is what a browser sends, not what a person types).
	MaxUserAgent = 200
)

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// NormalizeLogin folds a typed login to its stored form: lower case, without spaces.
func NormalizeLogin(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
}

// ValidateLogin checks a new login (after NormalizeLogin).
func ValidateLogin(login string) error {
	// First the length, so that the error below never repeats a huge text.
	if err := apperr.CheckLen("login", login, MaxLogin); err != nil {
		return err
	}
	if !loginPattern.MatchString(login) {
		return apperr.Invalid("invalid_login", "login %q: 2 to 64 characters among a-z 0-9 . _ @ -, starting with a letter or digit", login)
	}
	return nil
}

func (s *Service) record(ctx context.Context, e audit.Event) error {
	return s.audit.Record(ctx, e)
}

// serverFault tells whether err is the platform's failure rather than the request's.
func serverFault(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	k := apperr.KindOf(err)
	return k == apperr.KindInternal || k == apperr.KindUnavailable
}

// observeErr counts an attempt that the platform failed (outcome "error"): the
// attempts refused for what the person typed have their outcomes already.
func (s *Service) observeErr(err error) {
	if serverFault(err) {
		s.observe("error")
	}
}

func (s *Service) observeCreate(err error) {
	if s.OnCreate == nil || errors.Is(err, context.Canceled) {
		return
	}
	switch {
	case err == nil:
		s.OnCreate("succeeded")
	case serverFault(err):
		s.OnCreate("failed")
	default:
		s.OnCreate("refused")
	}
}

func (s *Service) observe(outcome string) {
	if s.OnLogin != nil {
		s.OnLogin(outcome)
	}
}

func adFor(column string, id int64) keyring.AD {
	return keyring.AD{Table: "accounts", Column: column, Row: fmt.Sprint(id)}
}

// EncryptedColumns lists the columns this package encrypts, for key rotation.
func EncryptedColumns() []store.EncryptedColumn {
	return []store.EncryptedColumn{
		{Table: "accounts", Column: "password_enc", Key: "id"},
		{Table: "accounts", Column: "totp_secret_enc", Key: "id"},
		{Table: "enrollments", Column: "reveal_enc", Key: "id"},
	}
}
