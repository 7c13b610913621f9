package account

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Expiry is an active account whose credentials expire, for the reminders of
// internal/notify.
type Expiry struct {
	AccountID int64
	ExpiresAt time.Time
}

// ExpiringBetween returns the active accounts whose credentials expire in [from, to),
// in the order of their expiry.
func (s *Service) ExpiringBetween(ctx context.Context, from, to time.Time) ([]Expiry, error) {
	var out []Expiry
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var e Expiry
		err := rows.Scan(&e.AccountID, &e.ExpiresAt)
		out = append(out, e)
		return err
	}, `SELECT id, expires_at FROM accounts WHERE status = $1 AND expires_at >= $2 AND expires_at < $3 ORDER BY expires_at, id`,
		string(StatusActive), from, to)
	return out, err
}

// Langs returns the language (fr or en) each account reads, for what is written to it
// away from a page (e-mails); an unknown id is absent from the map.
func (s *Service) Langs(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		ph := make([]string, len(batch))
		args := make([]any, len(batch))
		for i, id := range batch {
			ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
		}
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			var lang string
			err := rows.Scan(&id, &lang)
			out[id] = lang
			return err
		}, `SELECT id, lang FROM accounts WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
