package student

import (
	"context"
	"database/sql"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/config"
)

// AfterExit is how long a student who left keeps his access (to download his passport
// only), counted from his exit date (seed 001, section d).
var AfterExit = config.MustPeriod("3mo")

// AccessMode tells what the account may do now: everything, only download his passport
// (a student whose every record is deactivated, within three months of his last exit
// date), or nothing (after that). Accounts with any other role are unaffected.
func (s *Service) AccessMode(ctx context.Context, accountID int64, now time.Time) (authz.Access, error) {
	other, err := account.HasRoleBesides(ctx, s.db, accountID, authz.RoleStudent)
	if err != nil {
		return authz.Access{}, err
	}
	if other {
		return authz.Access{Mode: authz.AccessFull}, nil
	}
	var active int
	var lastExit sql.NullString
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0), MAX(exit_date)
		FROM students WHERE account_id = $1`, accountID).Scan(&active, &lastExit); err != nil {
		return authz.Access{}, err
	}
	if active > 0 || !lastExit.Valid || lastExit.String == "" {
		return authz.Access{Mode: authz.AccessFull}, nil
	}
	exit, err := calendar.ParseDate(lastExit.String)
	if err != nil {
		return authz.Access{Mode: authz.AccessFull}, nil
	}
	until := AfterExit.After(exit)
	if now.Before(until) {
		return authz.Access{Mode: authz.AccessPassportOnly, Until: until}, nil
	}
	return authz.Access{Mode: authz.AccessEnded, Until: until}, nil
}
