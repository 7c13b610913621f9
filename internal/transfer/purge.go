package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/cartable/cartable/internal/audit"
)

// PurgeCounts are what a purge run did. They carry no personal data.
type PurgeCounts struct {
	Purged          int `json:"purged"`
	AccountsDeleted int `json:"accounts_deleted"`
	FilesDeleted    int `json:"files_deleted"`
}

// purgeBatch is the number of students deleted per transaction.
const purgeBatch = 1000

// RunPurge deletes, everywhere, the students deactivated more than six months ago, with
// all their records and files, their account when nothing else uses it, and their row
// in the index of deactivated students. Each batch is one transaction; files are
// deleted after their rows are committed, and only when no row uses them any more.
func (s *Service) RunPurge(ctx context.Context) (PurgeCounts, error) {
	var c PurgeCounts
	cutoff := Retention.Before(s.today()).Format("2006-01-02")
	for {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		n, accounts, files, err := s.purgeBatch(ctx, cutoff)
		if err != nil {
			return c, err
		}
		c.Purged += n
		c.AccountsDeleted += accounts
		deleted, err := s.collect(ctx, files)
		c.FilesDeleted += deleted
		if err != nil {
			return c, err
		}
		if n < purgeBatch {
			break
		}
	}
	err := s.audit.Record(ctx, audit.Event{Action: audit.PurgeRun, ActorLogin: "(job)",
		Detail: map[string]any{"purged": c.Purged, "accounts_deleted": c.AccountsDeleted, "files_deleted": c.FilesDeleted, "cutoff": cutoff}})
	return c, err
}

func placeholders(n, from int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ph, ", ")
}

// purgeBatch deletes one batch and returns the files it unreferenced. Students are
// handled per establishment so that every query uses the (establishment_id,
// student_id) indexes of the record tables.
func (s *Service) purgeBatch(ctx context.Context, cutoff string) (n, accounts int, files []string, err error) {
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		byEst := map[int64][]any{}
		var ests []int64
		var accs []any
		err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var id, est int64
			var acc sql.NullInt64
			if err := rows.Scan(&id, &est, &acc); err != nil {
				return err
			}
			if byEst[est] == nil {
				ests = append(ests, est)
			}
			byEst[est] = append(byEst[est], id)
			if acc.Valid {
				accs = append(accs, acc.Int64)
			}
			n++
			return nil
		}, `SELECT id, establishment_id, account_id FROM students WHERE status = 'deactivated' AND exit_date <> '' AND exit_date < $1
			ORDER BY id LIMIT `+fmt.Sprint(purgeBatch), cutoff)
		if err != nil || n == 0 {
			return err
		}
		for _, est := range ests {
			f, err := s.purgeStudents(ctx, est, byEst[est])
			if err != nil {
				return err
			}
			files = append(files, f...)
		}
		if len(accs) > 0 {
			ain := placeholders(len(accs), 1)
			// Their student role where they were; then the accounts nothing holds any more.
			if _, err := s.db.Exec(ctx, `DELETE FROM memberships WHERE role = 'student' AND account_id IN (`+ain+`)
				AND NOT EXISTS (SELECT 1 FROM students x WHERE x.account_id = memberships.account_id AND x.establishment_id = memberships.establishment_id)`, accs...); err != nil {
				return err
			}
			c, err := s.db.ExecCount(ctx, `DELETE FROM accounts WHERE id IN (`+ain+`)
				AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = accounts.id)
				AND NOT EXISTS (SELECT 1 FROM students x WHERE x.account_id = accounts.id)`, accs...)
			if err != nil {
				return err
			}
			accounts = int(c)
		}
		return nil
	})
	return n, accounts, files, err
}

// purgeStudents deletes students of one establishment with their records, and the
// evaluations they leave empty; it returns the files their situations held.
func (s *Service) purgeStudents(ctx context.Context, est int64, ids []any) (files []string, err error) {
	args := append([]any{est}, ids...)
	in := placeholders(len(ids), 2)
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var sum string
		err := rows.Scan(&sum)
		files = append(files, sum)
		return err
	}, `SELECT DISTINCT a.sha256 FROM attachments a JOIN situations x ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
		WHERE x.establishment_id = $1 AND x.student_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	var evals []any
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		evals = append(evals, id)
		return err
	}, `SELECT evaluation_id FROM evaluation_results WHERE establishment_id = $1 AND student_id IN (`+in+`)
		UNION SELECT evaluation_id FROM evaluation_comments WHERE establishment_id = $1 AND student_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{
		`DELETE FROM deactivated_students WHERE establishment_id = $1 AND student_id IN (` + in + `)`,
		// results, comments, situations, their file rows, transfer states: by cascade
		`DELETE FROM students WHERE establishment_id = $1 AND id IN (` + in + `)`,
	} {
		if _, err := s.db.Exec(ctx, q, args...); err != nil {
			return nil, err
		}
	}
	return files, s.deleteEmptyEvaluations(ctx, est, evals)
}

// collect deletes stored files no row refers to any more.
func (s *Service) collect(ctx context.Context, sums []string) (int, error) {
	deleted := 0
	for _, sum := range sums {
		var refs int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE sha256 = $1`, sum).Scan(&refs); err != nil {
			return deleted, err
		}
		if refs > 0 {
			continue
		}
		if err := s.blobs.Delete(ctx, sum); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}
