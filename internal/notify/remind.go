package notify

import (
	"context"
	"time"

	"github.com/cartable/cartable/internal/calendar"
)

// Retention of what notify keeps (docs/privacy: the record of processing activities).
const (
	// NoticeRetention: a notice is deleted a year after it was given.
	NoticeRetention = 365 * 24 * time.Hour
	// OutboxRetention: an e-mail sent, given up or dropped is deleted after 30 days.
	OutboxRetention = 30 * 24 * time.Hour
)

// RemindCounts are what a run of the reminders job did.
type RemindCounts struct {
	Expiry30       int   `json:"expiry30"`
	Expiry7        int   `json:"expiry7"`
	NoticesDeleted int64 `json:"notices_deleted"`
	MailsDeleted   int64 `json:"mails_deleted"`
}

// RunReminders is the daily reminders job: it tells each person whose credentials
// expire within 30 days (then within 7 days) when they do, once each for that expiry
// date (a renewal, with its new date, gets its own reminders); and it deletes the
// notices and the e-mails past their retention. Re-running it the same day gives no
// notice twice.
func (s *Service) RunReminders(ctx context.Context) (RemindCounts, error) {
	var c RemindCounts
	now := s.now()
	for _, w := range []struct {
		name     string
		from, to time.Duration
		count    *int
	}{
		{"expiry30", 7 * 24 * time.Hour, 30 * 24 * time.Hour, &c.Expiry30},
		{"expiry7", 0, 7 * 24 * time.Hour, &c.Expiry7},
	} {
		list, err := s.accounts.ExpiringBetween(ctx, now.Add(w.from), now.Add(w.to))
		if err != nil {
			return c, err
		}
		for _, e := range list {
			date := calendar.Date(e.ExpiresAt)
			given, err := s.NotifyOnce(ctx, e.AccountID, w.name+":"+date, "notify.credentials_expire",
				map[string]string{"date": date, "renew": s.opts.BaseURL + "/me"})
			if err != nil {
				return c, err
			}
			if given {
				*w.count++
			}
		}
	}
	var err error
	if c.NoticesDeleted, err = s.db.ExecCount(ctx, `DELETE FROM notify_notices WHERE created_at < $1`, now.Add(-NoticeRetention)); err != nil {
		return c, err
	}
	c.MailsDeleted, err = s.db.ExecCount(ctx, `DELETE FROM notify_outbox WHERE status IN ('sent', 'failed', 'dropped') AND created_at < $1`,
		now.Add(-OutboxRetention))
	return c, err
}
