package account

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// This file is what other packages read and write of accounts and memberships, inside
// the transaction ctx carries, if any. They decide and check access.

// Brief is what a list of students shows of each one's account.
type Brief struct {
	Login  string
	Status Status
}

// Briefs returns the login and status of the accounts with the given ids.
func Briefs(ctx context.Context, db *store.DB, ids []int64) (map[int64]Brief, error) {
	out := make(map[int64]Brief, len(ids))
	err := inChunks(ids, 1000, 1, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			var b Brief
			err := rows.Scan(&id, &b.Login, &b.Status)
			out[id] = b
			return err
		}, `SELECT id, login, status FROM accounts WHERE id IN (`+ph+`)`, chunk...)
	})
	return out, err
}

// HasRoleBesides reports whether the account holds a role other than role anywhere.
func HasRoleBesides(ctx context.Context, db *store.DB, accountID int64, role authz.Role) (bool, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND role <> $2`, accountID, string(role)).Scan(&n)
	return n > 0, err
}

// DeleteStudentAccounts is the purge's part of accounts: the given accounts, whose
// students were deleted, lose their student role in every establishment where linked
// does not say a student row still names them; then those left with no role, and named
// by no student row at all, are deleted. It returns the number of accounts deleted.
func DeleteStudentAccounts(ctx context.Context, db *store.DB, accounts []int64, linked map[int64][]int64) (int, error) {
	var free []int64 // accounts no student row names
	for _, id := range accounts {
		if len(linked[id]) == 0 {
			free = append(free, id)
		}
	}
	deleted := 0
	err := db.Tx(ctx, func(ctx context.Context) error {
		if err := inChunks(free, 1000, 1, func(ph string, chunk []any) error {
			_, err := db.Exec(ctx, `DELETE FROM memberships WHERE role = 'student' AND account_id IN (`+ph+`)`, chunk...)
			return err
		}); err != nil {
			return err
		}
		for _, id := range accounts {
			ests := linked[id]
			if len(ests) == 0 {
				continue
			}
			keep := make([]int64, len(ests))
			copy(keep, ests)
			if err := inChunks(keep, 1000, 2, func(ph string, chunk []any) error {
				_, err := db.Exec(ctx, `DELETE FROM memberships WHERE role = 'student' AND account_id = $1
					AND (establishment_id IS NULL OR establishment_id NOT IN (`+ph+`))`, append([]any{id}, chunk...)...)
				return err
			}); err != nil {
				return err
			}
		}
		return inChunks(free, 1000, 1, func(ph string, chunk []any) error {
			n, err := db.ExecCount(ctx, `DELETE FROM accounts WHERE id IN (`+ph+`)
				AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = accounts.id)`, chunk...)
			deleted += int(n)
			return err
		})
	})
	return deleted, err
}

// inChunks calls fn for each chunk of at most size ids, with the placeholders of the
// chunk numbered from $from.
func inChunks(ids []int64, size, from int, fn func(ph string, chunk []any) error) error {
	for start := 0; start < len(ids); start += size {
		chunk := ids[start:min(start+size, len(ids))]
		args := make([]any, len(chunk))
		ph := make([]string, len(chunk))
		for i, id := range chunk {
			args[i] = id
			ph[i] = "$" + strconv.Itoa(from+i)
		}
		if err := fn(strings.Join(ph, ", "), args); err != nil {
			return err
		}
	}
	return nil
}

// Member is an account holding a role in an establishment, as lists of staff show it.
type Member struct {
	ID          int64
	Login       string
	DisplayName string
}

// Members returns the accounts holding role in the establishment, ordered by display
// name then login.
func Members(ctx context.Context, db *store.DB, establishmentID int64, role authz.Role) ([]Member, error) {
	var out []Member
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var m Member
		err := rows.Scan(&m.ID, &m.Login, &m.DisplayName)
		out = append(out, m)
		return err
	}, `SELECT a.id, a.login, a.display_name FROM accounts a JOIN memberships m ON m.account_id = a.id
		WHERE m.establishment_id = $1 AND m.role = $2 AND a.status <> 'disabled' ORDER BY a.display_name, a.login`, establishmentID, string(role))
	return out, err
}

// Link is an account's current enrolment link as an administrator sees it before
// replacing it: when it was issued, until when it is valid, and whether (when) it was
// opened. Nothing secret.
type Link struct {
	CreatedAt, ExpiresAt time.Time
	OpenedAt             *time.Time
}

// CurrentLinks returns the latest link not revoked of each of the given accounts (those
// without one are absent). The caller has checked it may manage them.
func CurrentLinks(ctx context.Context, db *store.DB, ids []int64) (map[int64]Link, error) {
	out := make(map[int64]Link, len(ids))
	err := inChunks(ids, 1000, 1, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			var l Link
			var opened sql.NullTime
			if err := rows.Scan(&id, &l.CreatedAt, &l.ExpiresAt, &opened); err != nil {
				return err
			}
			l.OpenedAt = store.NullTime(opened)
			if prev, ok := out[id]; !ok || l.CreatedAt.After(prev.CreatedAt) {
				out[id] = l
			}
			return nil
		}, `SELECT account_id, created_at, expires_at, opened_at FROM enrollments WHERE revoked_at IS NULL AND account_id IN (`+ph+`)`, chunk...)
	})
	return out, err
}

// DisplayName returns the name an account shows ("Karim Benali"), or its login when it
// has none or does not exist: pages name the authors of what they show by it.
func (s *Service) DisplayName(ctx context.Context, login string) string {
	var name string
	if err := s.db.QueryRow(ctx, `SELECT display_name FROM accounts WHERE login = $1`, login).Scan(&name); err != nil || strings.TrimSpace(name) == "" {
		return login
	}
	return name
}
