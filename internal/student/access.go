package student

import (
	"context"
	"database/sql"
	"time"
	_ "time/tzdata" // the access dates are Paris days even where the host has no zoneinfo

	"github.com/cartable/cartable/internal/authz"

	"github.com/cartable/cartable/internal/config"
)

// AfterExit is how long a student who left keeps his access (to download his passport
// only), counted from his exit date (seed 001, section d).
var AfterExit = config.MustPeriod("3mo")

// AccessMode tells what the account may do now: everything, only download his passport
// (a student whose every record is deactivated, within three months of his last exit
// date), or nothing (after that). Accounts with any other role are unaffected.
func (s *Service) AccessMode(ctx context.Context, accountID int64, now time.Time) (authz.Access, error) {
	var other int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND role <> 'student'`, accountID).Scan(&other); err != nil {
		return authz.Access{}, err
	}
	if other > 0 {
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
	exit, err := time.ParseInLocation("2006-01-02", lastExit.String, paris)
	if err != nil {
		return authz.Access{Mode: authz.AccessFull}, nil
	}
	until := AfterExit.After(exit)
	if now.Before(until) {
		return authz.Access{Mode: authz.AccessPassportOnly, Until: until}, nil
	}
	return authz.Access{Mode: authz.AccessEnded, Until: until}, nil
}

// CivilDate returns the day, in Paris, of an instant the access rule gives: the end of
// a passport-only access is midnight in Paris, and its day is the one to print. The
// UTC date of that instant is the day before (one hour before midnight in winter, two
// in summer).
func CivilDate(t time.Time) string { return t.In(paris).Format("2006-01-02") }

var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.UTC
}()
