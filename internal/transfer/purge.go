package transfer

import (
	"context"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
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

// purgeBatch deletes one batch and returns the files it unreferenced. Students are
// handled per establishment so that every query uses the (establishment_id,
// student_id) indexes of the record tables.
func (s *Service) purgeBatch(ctx context.Context, cutoff string) (n, accounts int, files []string, err error) {
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		expired, err := student.ExpiredBefore(ctx, s.db, cutoff, purgeBatch)
		if err != nil || len(expired) == 0 {
			return err
		}
		n = len(expired)
		f, accs, err := purgeStudents(ctx, s.db, expired)
		files = f
		if err != nil {
			return err
		}
		accounts, err = purgeAccounts(ctx, s.db, accs)
		return err
	})
	return n, accounts, files, err
}

// purgeStudents deletes students with their records, establishment by establishment,
// and the evaluations they leave empty; it returns the files their situations and
// graduation proofs held, and their accounts.
func purgeStudents(ctx context.Context, db *store.DB, expired []student.Expired) (files []string, accounts []int64, err error) {
	byEst := map[int64][]int64{}
	var ests []int64
	for _, x := range expired {
		if byEst[x.EstablishmentID] == nil {
			ests = append(ests, x.EstablishmentID)
		}
		byEst[x.EstablishmentID] = append(byEst[x.EstablishmentID], x.ID)
		if x.AccountID != 0 {
			accounts = append(accounts, x.AccountID)
		}
	}
	for _, est := range ests {
		ids := byEst[est]
		f, err := passport.FilesOf(ctx, db, est, ids)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f...)
		// Their graduation proofs go with them (items by cascade): their contents too,
		// unless another row names them.
		proofs, err := graduation.ProofsOf(ctx, db, est, ids)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, proofs...)
		evals, err := competency.EvaluationsOf(ctx, db, est, ids)
		if err != nil {
			return nil, nil, err
		}
		// results, comments, situations, their file rows, transfer states: by cascade
		if err := student.DeleteStudents(ctx, db, est, ids); err != nil {
			return nil, nil, err
		}
		if err := competency.DeleteEmptyEvaluations(ctx, db, est, evals); err != nil {
			return nil, nil, err
		}
	}
	return files, accounts, nil
}

// purgeAccounts removes the student role of the purged students' accounts where no
// student row names them any more, and the accounts left with nothing.
func purgeAccounts(ctx context.Context, db *store.DB, accounts []int64) (int, error) {
	if len(accounts) == 0 {
		return 0, nil
	}
	linked, err := student.AccountLinks(ctx, db, accounts)
	if err != nil {
		return 0, err
	}
	return account.DeleteStudentAccounts(ctx, db, accounts, linked)
}

// collect deletes stored files no row refers to any more.
func (s *Service) collect(ctx context.Context, sums []string) (int, error) {
	deleted := 0
	seen := map[string]bool{}
	for _, sum := range sums {
		if seen[sum] {
			continue
		}
		seen[sum] = true
		used, err := passport.FileInUse(ctx, s.db, sum)
		if err != nil {
			return deleted, err
		}
		if !used {
			// The same content may be a graduation proof (content-addressed store).
			if used, err = graduation.FileInUse(ctx, s.db, sum); err != nil {
				return deleted, err
			}
		}
		if used {
			continue
		}
		if err := s.blobs.Delete(ctx, sum); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}
