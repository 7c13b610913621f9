package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

const accountColumns = `a.id, a.login, a.display_name, a.status, a.activated_at, a.expires_at, a.failed_count,
	a.locked_until, a.hard_locked_at, a.last_login_at, a.lang, a.created_at`

func scanAccount(sc interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var activated, expires, locked, hard, last sql.NullTime
	var status string
	if err := sc.Scan(&a.ID, &a.Login, &a.DisplayName, &status, &activated, &expires, &a.FailedCount,
		&locked, &hard, &last, &a.Lang, &a.CreatedAt); err != nil {
		return a, err
	}
	a.Status = Status(status)
	a.ActivatedAt, a.ExpiresAt, a.LockedUntil = store.NullTime(activated), store.NullTime(expires), store.NullTime(locked)
	a.HardLockedAt, a.LastLoginAt = store.NullTime(hard), store.NullTime(last)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// get loads one account with its roles; where is a condition on alias a.
func (s *Service) get(ctx context.Context, where string, args ...any) (Account, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, args...))
	if errors.Is(err, store.ErrNotFound) {
		return a, apperr.NotFound("account_not_found", "no such account")
	}
	if err != nil {
		return a, err
	}
	if a.Roles, err = s.memberships(ctx, a.ID); err != nil {
		return a, err
	}
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL`, a.ID).Scan(&a.RecoveryCodesLeft)
	return a, err
}

func (s *Service) memberships(ctx context.Context, accountID int64) ([]authz.Membership, error) {
	out := []authz.Membership{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var m authz.Membership
		var est sql.NullInt64
		var uai sql.NullString
		if err := rows.Scan(&m.Role, &est, &uai); err != nil {
			return err
		}
		m.EstablishmentID, m.UAI = est.Int64, uai.String
		out = append(out, m)
		return nil
	}, `SELECT m.role, m.establishment_id, e.uai FROM memberships m LEFT JOIN establishments e ON e.id = m.establishment_id
		WHERE m.account_id = $1 ORDER BY m.role, e.uai`, accountID)
	return out, err
}

// Get returns an account by id, if p may see it (see accessTo): for an establishment
// administrator who may see it but not manage it, ReadOnly says why, and only the roles
// in his establishments are listed.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Account, error) {
	return s.authorize(ctx, p, id, levelView)
}

// Me returns the principal's own account.
func (s *Service) Me(ctx context.Context, p *authz.Principal) (Account, error) {
	return s.get(ctx, "a.id = $1", p.AccountID)
}

// ByLogin returns an account by login (normalised first), if p may see it (as Get).
func (s *Service) ByLogin(ctx context.Context, p *authz.Principal, login string) (Account, error) {
	login = NormalizeLogin(login)
	if err := apperr.CheckLen("login", login, MaxLogin); err != nil {
		return Account{}, err
	}
	var id int64
	if err := s.db.QueryRow(ctx, `SELECT id FROM accounts WHERE login = $1`, login).Scan(&id); err != nil {
		return Account{}, apperr.NotFound("account_not_found", "no account with login %q", login)
	}
	return s.authorize(ctx, p, id, levelView)
}

// ListFilter selects accounts.
type ListFilter struct {
	// Expiring selects active accounts whose credentials expire within this period
	// (already expired ones included).
	Expiring        *time.Duration
	State           string // pending, unused (a letter never opened), active, expired, locked, disabled
	EstablishmentID int64  // accounts with a role in this establishment
	Role            authz.Role
	Query           string // part of the login or display name
	Limit           int    // default 500
	Offset          int
}

// List returns the accounts p may see, ordered by login. For an establishment
// administrator the list is limited to his establishments (and f.EstablishmentID must be
// one of them when set), and shows the accounts as Get does.
func (s *Service) List(ctx context.Context, p *authz.Principal, f ListFilter) ([]Account, error) {
	if err := apperr.CheckLen("q", f.Query, MaxQuery); err != nil {
		return nil, err
	}
	if !p.IsPlatformAdmin() {
		mine := p.Establishments(authz.RoleAdmin)
		if len(mine) == 0 {
			return nil, errNotAllowed
		}
		if f.EstablishmentID == 0 {
			if len(mine) > 1 {
				return nil, apperr.Invalid("establishment_required", "choose one of your establishments")
			}
			f.EstablishmentID = mine[0]
		} else if !p.Has(authz.RoleAdmin, f.EstablishmentID) {
			return nil, errNotAllowed
		}
	}
	now := s.now()
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Expiring != nil {
		where = append(where, "a.status = 'active' AND a.expires_at IS NOT NULL AND a.expires_at <= "+arg(now.Add(*f.Expiring)))
	}
	switch f.State {
	case "":
	case "pending":
		where = append(where, "a.status = 'pending'")
	case "unused":
		// The current link (not revoked: a new one revokes the unopened ones) was never
		// opened, expired or not: the letter did not reach its reader, or was not used.
		where = append(where, "a.status = 'pending' AND EXISTS (SELECT 1 FROM enrollments e WHERE e.account_id = a.id AND e.opened_at IS NULL AND e.revoked_at IS NULL)")
	case "disabled":
		where = append(where, "a.status = 'disabled'")
	case "locked":
		where = append(where, "(a.hard_locked_at IS NOT NULL OR a.locked_until > "+arg(now)+")")
	case "expired":
		where = append(where, "a.status = 'active' AND a.expires_at <= "+arg(now))
	case "active":
		where = append(where, "a.status = 'active' AND a.expires_at > "+arg(now))
	default:
		return nil, apperr.Invalid("invalid_state", "unknown state %q: pending, unused, active, expired, locked or disabled", f.State)
	}
	if f.EstablishmentID != 0 || f.Role != "" {
		cond := "EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = a.id"
		if f.EstablishmentID != 0 {
			cond += " AND m.establishment_id = " + arg(f.EstablishmentID)
		}
		if f.Role != "" {
			cond += " AND m.role = " + arg(string(f.Role))
		}
		where = append(where, cond+")")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg(store.Like(strings.ToLower(q)))
		where = append(where, "(a.login LIKE "+p+" ESCAPE '\\' OR LOWER(a.display_name) LIKE "+p+" ESCAPE '\\')")
	}
	limit := f.Limit
	if limit <= 0 || limit > 5000 {
		limit = 500
	}
	q := `SELECT ` + accountColumns + ` FROM accounts a`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY a.login LIMIT %d OFFSET %d", limit, max(f.Offset, 0))
	var out []Account
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		a, err := scanAccount(rows)
		out = append(out, a)
		return err
	}, q, args...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Roles, err = s.memberships(ctx, out[i].ID); err != nil {
			return nil, err
		}
		// Every account listed holds a role in f.EstablishmentID, one of p's: p sees it.
		restrict(p, &out[i])
	}
	return out, nil
}

// Unlock lifts a temporary or hard lock and resets the failure counter.
func (s *Service) Unlock(ctx context.Context, p *authz.Principal, id int64) error {
	actor := p.Actor()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		acc, err := s.authorize(ctx, p, id, levelManage)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE accounts SET failed_count = 0, locked_until = NULL, hard_locked_at = NULL, updated_at = $2 WHERE id = $1`, id, s.now()); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.AccountUnlocked, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login, Detail: map[string]any{"failed_count": acc.FailedCount}})
	})
}

// Expire ends an account's credentials now and revokes its sessions; the user may then
// renew within the grace period, as after a natural expiry.
func (s *Service) Expire(ctx context.Context, p *authz.Principal, id int64) error {
	actor := p.Actor()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		acc, err := s.authorize(ctx, p, id, levelManage)
		if err != nil {
			return err
		}
		if acc.Status != StatusActive {
			return apperr.Conflict("not_active", "the account %s is %s: only an active account can be expired", acc.Login, acc.Status)
		}
		now := s.now()
		if _, err := s.db.Exec(ctx, `UPDATE accounts SET expires_at = $2, expiry_notified = TRUE, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, id); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.AccountExpired, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login})
	})
}

// Disable turns an account off and revokes its sessions and links.
func (s *Service) Disable(ctx context.Context, p *authz.Principal, id int64) error {
	actor := p.Actor()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		acc, err := s.authorize(ctx, p, id, levelManage)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := s.db.Exec(ctx, `UPDATE accounts SET status = 'disabled', updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE enrollments SET revoked_at = $2 WHERE account_id = $1 AND opened_at IS NULL AND revoked_at IS NULL`, id, now); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, forgetReveals, id); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.AccountDisabled, ActorID: audit.ID(actor.ID), ActorLogin: actor.Login,
			TargetID: &acc.ID, TargetLogin: acc.Login})
	})
}

// CountByState counts the accounts by state at now, for the metrics: pending, active,
// expired (active whose credentials have expired: refused at login until renewed),
// disabled. One query, whatever the number of accounts.
func (s *Service) CountByState(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{"pending": 0, "active": 0, "expired": 0, "disabled": 0}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return err
		}
		out[state] += n
		return nil
	}, `SELECT CASE WHEN status <> 'active' THEN status
			WHEN expires_at IS NOT NULL AND expires_at <= $1 THEN 'expired' ELSE 'active' END AS state, COUNT(*)
		FROM accounts GROUP BY 1`, s.now())
	return out, err
}

// CurrentLinks returns the current link of each of the given accounts (see the package
// function), for an administrator about to replace them, if he may manage them all.
func (s *Service) CurrentLinks(ctx context.Context, p *authz.Principal, ids []int64) (map[int64]Link, error) {
	// As ReissuePending: all or nothing, each account one p may manage.
	for _, id := range ids {
		if _, err := s.authorize(ctx, p, id, levelManage); err != nil {
			return nil, err
		}
	}
	return CurrentLinks(ctx, s.db, ids)
}

// WithRole returns the accounts holding role in an establishment (enabled or not: the
// caller notifies them, and a notice waits for the next login), by id.
func (s *Service) WithRole(ctx context.Context, establishmentID int64, role authz.Role) ([]int64, error) {
	var out []int64
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		out = append(out, id)
		return err
	}, `SELECT account_id FROM memberships WHERE establishment_id = $1 AND role = $2 ORDER BY account_id`, establishmentID, string(role))
	return out, err
}
