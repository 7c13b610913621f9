package graduation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/student"
)

func itoa(n int) string { return strconv.Itoa(n) }

// ReminderDays are the deadlines' reminders to the student, in days before.
var ReminderDays = []int{60, 30, 7}

// NightlyReport is what the nightly job did.
type NightlyReport struct {
	Students  int `json:"students"`
	Expired   int `json:"expired"`
	AtRisk    int `json:"at_risk"`
	Blocked   int `json:"blocked"`
	Reminders int `json:"reminders"`
	Reports   int `json:"reports"`
}

// nightlyBatch is how many students the nightly pass reads and writes at once.
const nightlyBatch = 2000

// RunNightly is the nightly job: proofs that lapsed before their jury become expiré
// (with their history and audit), every student's summary is recomputed, the students
// get their deadline reminders (60, 30, 7 days) and programme directors their "N
// students at risk" ReportDays before the jury. Each batch is one transaction; a re-run
// the same day changes nothing and sends nothing twice.
func (s *Service) RunNightly(ctx context.Context) (NightlyReport, error) {
	var rep NightlyReport
	today := calendar.Date(s.now())
	now := s.now()
	// 1. Lapsed proofs: validated items whose validity ended before today, of cohorts
	// whose jury is still to come.
	type lapse struct{ est, id, cohort int64 }
	var lapses []lapse
	juries := map[int64]string{}
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var l lapse
		var cohort int64
		var proofDate string
		var months int
		if err := rows.Scan(&l.est, &l.id, &cohort, &proofDate, &months); err != nil {
			return err
		}
		if until := ValidUntil(proofDate, months); until != "" && until < today {
			lapses = append(lapses, lapse{l.est, l.id, cohort})
			juries[cohort] = ""
		}
		return nil
	}, `SELECT i.establishment_id, i.id, r.cohort_id, i.proof_date, r.validity_months`+itemFrom+`
		WHERE i.state = 'validated' AND r.validity_months > 0 AND i.proof_date <> ''`); err != nil {
		return rep, err
	}
	cohorts, err := s.highered.CohortsByIDs(ctx, keys(juries))
	if err != nil {
		return rep, err
	}
	// A proof lapses before the jury: after it, the cohort's items are what they were.
	kept := lapses[:0]
	for _, l := range lapses {
		if cohorts[l.cohort].JuryDate >= today {
			kept = append(kept, l)
		}
	}
	lapses = kept
	// Set-based, per batch of 1,000 of one establishment: one update, the history rows,
	// one audit event naming the items.
	sort.Slice(lapses, func(i, j int) bool {
		if lapses[i].est != lapses[j].est {
			return lapses[i].est < lapses[j].est
		}
		return lapses[i].id < lapses[j].id
	})
	for start := 0; start < len(lapses); {
		est := lapses[start].est
		end := start
		for end < len(lapses) && end-start < 1000 && lapses[end].est == est {
			end++
		}
		batch := lapses[start:end]
		start = end
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			args := []any{est, now}
			for _, l := range batch {
				args = append(args, l.id)
			}
			var ids []int64
			if err := s.db.Each(ctx, func(rows *sql.Rows) error {
				var id int64
				err := rows.Scan(&id)
				ids = append(ids, id)
				return err
			}, `UPDATE graduation_items SET state = 'expired', updated_at = $2 WHERE establishment_id = $1 AND state = 'validated'
				AND id IN (`+placeholders(len(batch), 3)+`) RETURNING id`, args...); err != nil {
				return err
			}
			if len(ids) == 0 {
				return nil
			}
			events := make([][]any, len(ids))
			for i, id := range ids {
				events[i] = []any{est, id, string(Validated), string(Expired), "", nil, "(nightly)", now}
			}
			if err := s.db.InsertRows(ctx, "graduation_item_events",
				[]string{"establishment_id", "item_id", "from_state", "to_state", "reason", "actor_id", "actor_login", "at"}, events, "", nil); err != nil {
				return err
			}
			rep.Expired += len(ids)
			return s.audit.Record(ctx, audit.Event{Action: audit.GraduationItemChanged, ActorLogin: "(nightly)", EstablishmentID: &est,
				Detail: map[string]any{"items": ids, "from": string(Validated), "to": string(Expired)}})
		})
		if err != nil {
			return rep, err
		}
	}
	// 2. Summaries, streamed in student order, written per batch.
	type acc struct {
		est, cohort int64
		lines       []Line
	}
	var order []int64
	batch := map[int64]*acc{}
	flush := func() error {
		if len(order) == 0 {
			return nil
		}
		need := []int64{}
		for _, id := range order {
			if _, ok := cohorts[batch[id].cohort]; !ok {
				need = append(need, batch[id].cohort)
			}
		}
		if len(need) > 0 {
			more, err := s.highered.CohortsByIDs(ctx, need)
			if err != nil {
				return err
			}
			for k, v := range more {
				cohorts[k] = v
			}
		}
		rows := make([][]any, 0, len(order))
		for _, id := range order {
			a := batch[id]
			sum := Summarize(today, cohorts[a.cohort].JuryDate, a.lines)
			switch sum.Status {
			case AtRisk:
				rep.AtRisk++
			case Blocked:
				rep.Blocked++
			}
			rows = append(rows, []any{id, a.est, a.cohort, string(sum.Status), sum.Remaining, sum.NextDeadline, now})
		}
		rep.Students += len(order)
		order, batch = order[:0], map[int64]*acc{}
		return s.db.Tx(ctx, func(ctx context.Context) error { return s.writeSummaries(ctx, rows) })
	}
	// Keyset pagination over students keeps each read short on both engines.
	var after int64
	for {
		var last int64
		n := 0
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			var a acc
			var l Line
			if err := rows.Scan(&id, &a.est, &a.cohort, &l.State, &l.Mandatory, &l.Deadline, &l.ValidityMonths, &l.ProofDate); err != nil {
				return err
			}
			n++
			last = id
			x, ok := batch[id]
			if !ok {
				x = &acc{est: a.est, cohort: a.cohort}
				batch[id] = x
				order = append(order, id)
			}
			x.lines = append(x.lines, l)
			return nil
		}, `SELECT i.student_id, i.establishment_id, r.cohort_id, i.state, r.mandatory, r.deadline, r.validity_months, i.proof_date`+itemFrom+`
			WHERE i.student_id IN (SELECT DISTINCT student_id FROM graduation_items WHERE student_id > $1 ORDER BY student_id LIMIT `+itoa(nightlyBatch)+`)
			ORDER BY i.student_id`, after); err != nil {
			return rep, err
		}
		if n == 0 {
			break
		}
		after = last
		if err := flush(); err != nil {
			return rep, err
		}
	}
	// 3. Reminders of deadlines.
	if err := s.remind(ctx, today, now, &rep); err != nil {
		return rep, err
	}
	// 4. Reports to programme directors.
	err = s.report(ctx, today, now, &rep)
	return rep, err
}

func keys(m map[int64]string) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// remind sends each deadline reminder once: for every item not fulfilled whose
// deadline is 60, 30 or 7 days away (or less, when a reminder was missed), the
// smallest step reached not yet sent.
func (s *Service) remind(ctx context.Context, today string, now time.Time, rep *NightlyReport) error {
	type due struct {
		item, student int64
		days          int
		label, date   string
	}
	var list []due
	horizon := addDays(today, ReminderDays[0])
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var d due
		var sent sql.NullInt64
		if err := rows.Scan(&d.item, &d.student, &d.label, &d.date, &sent); err != nil {
			return err
		}
		left := daysBetween(today, d.date)
		step := 0
		for _, x := range ReminderDays {
			if left <= x {
				step = x
			}
		}
		if step != 0 && (!sent.Valid || int(sent.Int64) > step) {
			d.days = step
			list = append(list, d)
		}
		return nil
	}, `SELECT i.id, i.student_id, r.label, r.deadline, (SELECT MIN(days) FROM graduation_reminders g WHERE g.item_id = i.id)`+itemFrom+`
		WHERE i.state IN ('to_provide', 'refused', 'expired') AND r.mandatory AND r.deadline >= $1 AND r.deadline <= $2`, today, horizon); err != nil {
		return err
	}
	// Per batch of 1,000: the reminders recorded and the notices given in one
	// transaction (the notices' outbox commits with them).
	for start := 0; start < len(list); start += 1000 {
		chunk := list[start:min(start+1000, len(list))]
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			rows := make([][]any, len(chunk))
			ids := make([]int64, len(chunk))
			for i, d := range chunk {
				rows[i] = []any{d.item, d.days, now}
				ids[i] = d.student
			}
			if err := s.db.InsertRowsOn(ctx, "graduation_reminders", []string{"item_id", "days", "sent_at"}, rows,
				`ON CONFLICT (item_id, days) DO NOTHING`, "", nil); err != nil {
				return err
			}
			if s.Notifier == nil {
				return nil
			}
			accs, err := student.AccountIDs(ctx, s.db, ids)
			if err != nil {
				return err
			}
			var to []int64
			var params []map[string]string
			for _, d := range chunk {
				acc, ok := accs[d.student]
				if !ok {
					continue
				}
				to = append(to, acc)
				params = append(params, map[string]string{"rule": d.label, "deadline": d.date, "days": itoa(daysBetween(today, d.date))})
			}
			if bulk, ok := s.Notifier.(BulkNotifier); ok {
				return bulk.NotifyMany(ctx, to, "graduation.notice.deadline", params)
			}
			for i, acc := range to {
				if err := s.Notifier.Notify(ctx, acc, "graduation.notice.deadline", params[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		rep.Reminders += len(chunk)
	}
	return nil
}

// report sends programme directors "N students at risk" once per cohort, ReportDays
// before its jury.
func (s *Service) report(ctx context.Context, today string, now time.Time, rep *NightlyReport) error {
	type cohortRisk struct {
		est, cohort int64
		n           int
	}
	// The students at risk of the cohorts not yet reported, then only those still
	// enrolled: a student a full registrar export deactivated is not "at risk".
	type atRisk struct{ est, cohort, student int64 }
	var risky []atRisk
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var a atRisk
		err := rows.Scan(&a.est, &a.cohort, &a.student)
		risky = append(risky, a)
		return err
	}, `SELECT establishment_id, cohort_id, student_id FROM graduation_summaries
		WHERE status IN ('at_risk', 'blocked') AND cohort_id NOT IN (SELECT cohort_id FROM graduation_cohort_reports)
		ORDER BY establishment_id, cohort_id`); err != nil {
		return err
	}
	sids := make([]int64, len(risky))
	for i, a := range risky {
		sids[i] = a.student
	}
	people, err := student.People(ctx, s.db, sids)
	if err != nil {
		return err
	}
	var list []cohortRisk
	for _, a := range risky {
		if people[a.student].Status != student.StatusActive {
			continue
		}
		if n := len(list); n > 0 && list[n-1].cohort == a.cohort {
			list[n-1].n++
			continue
		}
		list = append(list, cohortRisk{est: a.est, cohort: a.cohort, n: 1})
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.cohort
	}
	cohorts, err := s.highered.CohortsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for _, c := range list {
		co := cohorts[c.cohort]
		if co.JuryDate < today || daysBetween(today, co.JuryDate) > s.ReportDays {
			continue
		}
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			if _, err := s.db.Exec(ctx, `INSERT INTO graduation_cohort_reports (cohort_id, at_risk, sent_at) VALUES ($1, $2, $3)`, c.cohort, c.n, now); err != nil {
				return err
			}
			return s.notifyRole(ctx, c.est, authz.RoleProgrammeDirector, "graduation.notice.at_risk",
				map[string]string{"count": itoa(c.n), "cohort": co.Code, "jury": co.JuryDate})
		})
		if err != nil {
			return err
		}
		rep.Reports++
	}
	return nil
}

// RoleMembers returns the accounts holding a role in an establishment, for notices
// (wired to the accounts service).
type RoleMembers func(ctx context.Context, establishmentID int64, role authz.Role) ([]int64, error)

func (s *Service) notifyRole(ctx context.Context, est int64, role authz.Role, key string, params map[string]string) error {
	if s.Notifier == nil || s.Members == nil {
		return nil
	}
	accs, err := s.Members(ctx, est, role)
	if err != nil {
		return err
	}
	for _, a := range accs {
		if err := s.Notifier.Notify(ctx, a, key, params); err != nil {
			return err
		}
	}
	return nil
}

// DigestReport is what the weekly digest did.
type DigestReport struct {
	Establishments int `json:"establishments"`
	Notices        int `json:"notices"`
}

// RunDigest is the weekly job: the office of every establishment with proofs to check
// gets how many wait.
func (s *Service) RunDigest(ctx context.Context) (DigestReport, error) {
	var rep DigestReport
	type pending struct {
		est int64
		n   int
	}
	// The proofs waiting, per establishment, counting only students still enrolled: a
	// deactivated student's proof is not the office's work (see Queue).
	perStudent := map[int64]map[int64]int{}
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var est, st int64
		var n int
		if err := rows.Scan(&est, &st, &n); err != nil {
			return err
		}
		if perStudent[est] == nil {
			perStudent[est] = map[int64]int{}
		}
		perStudent[est][st] = n
		return nil
	}, `SELECT establishment_id, student_id, COUNT(*) FROM graduation_items WHERE state = 'submitted' GROUP BY establishment_id, student_id`); err != nil {
		return rep, err
	}
	var list []pending
	for est, students := range perStudent {
		ids := make([]int64, 0, len(students))
		for id := range students {
			ids = append(ids, id)
		}
		people, err := student.People(ctx, s.db, ids)
		if err != nil {
			return rep, err
		}
		p := pending{est: est}
		for id, n := range students {
			if people[id].Status == student.StatusActive {
				p.n += n
			}
		}
		if p.n > 0 {
			list = append(list, p)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].est < list[j].est })
	for _, p := range list {
		rep.Establishments++
		if s.Notifier == nil || s.Members == nil {
			continue
		}
		accs, err := s.Members(ctx, p.est, authz.RoleOffice)
		if err != nil {
			return rep, err
		}
		for _, a := range accs {
			if err := s.Notifier.Notify(ctx, a, "graduation.notice.digest", map[string]string{"count": itoa(p.n)}); err != nil {
				return rep, err
			}
			rep.Notices++
		}
	}
	return rep, nil
}

// PurgeReport is what the purge did.
type PurgeReport struct {
	Cohorts int `json:"cohorts"`
	Items   int `json:"items"`
	Proofs  int `json:"proofs"`
	// Members counts the cohort membership rows deleted (cohort_students).
	Members int `json:"members"`
	// Minutes counts the jury minutes deleted (graduation_minutes).
	Minutes int `json:"minutes"`
}

// RunPurge deletes the rules, items, proofs, histories, summaries, jury minutes and memberships of
// the cohorts whose jury is more than RetentionMonths past. A proof's content is deleted from the
// blob store when no remaining item names it and no passport attachment does.
func (s *Service) RunPurge(ctx context.Context) (PurgeReport, error) {
	var rep PurgeReport
	cutoff := calendar.Today(s.now()).AddDate(0, -s.RetentionMonths, 0).Format(calendar.DateLayout)
	var cohortIDs []int64
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		cohortIDs = append(cohortIDs, id)
		return err
	}, `SELECT cohort_id FROM graduation_rules UNION SELECT cohort_id FROM graduation_minutes`); err != nil {
		return rep, err
	}
	cohorts, err := s.highered.CohortsByIDs(ctx, cohortIDs)
	if err != nil {
		return rep, err
	}
	for _, c := range cohorts {
		if c.JuryDate >= cutoff {
			continue
		}
		var sums []string
		err := s.db.Tx(ctx, func(ctx context.Context) error {
			if err := s.db.Each(ctx, func(rows *sql.Rows) error {
				var sum string
				err := rows.Scan(&sum)
				sums = append(sums, sum)
				return err
			}, `SELECT DISTINCT i.proof_sha256`+itemFrom+` WHERE r.cohort_id = $1 AND i.proof_sha256 <> ''`, c.ID); err != nil {
				return err
			}
			n, err := s.db.ExecCount(ctx, `DELETE FROM graduation_items WHERE rule_id IN (SELECT id FROM graduation_rules WHERE cohort_id = $1)`, c.ID)
			if err != nil {
				return err
			}
			rep.Items += int(n)
			if _, err := s.db.Exec(ctx, `DELETE FROM graduation_rules WHERE cohort_id = $1`, c.ID); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `DELETE FROM graduation_summaries WHERE cohort_id = $1`, c.ID); err != nil {
				return err
			}
			// The jury's minutes of the cohort's sessions.
			minutes, err := s.db.ExecCount(ctx, `DELETE FROM graduation_minutes WHERE cohort_id = $1`, c.ID)
			if err != nil {
				return err
			}
			rep.Minutes += int(minutes)
			// Who was in the cohort goes too (the cohort, without personal data, stays).
			members, err := s.highered.PurgeMembers(ctx, c.EstablishmentID, c.ID)
			if err != nil {
				return err
			}
			rep.Members += int(members)
			rep.Cohorts++
			return s.audit.Record(ctx, audit.Event{Action: audit.GraduationPurgeRun, ActorLogin: "(purge)", EstablishmentID: &c.EstablishmentID,
				Detail: map[string]any{"cohort_id": c.ID, "jury_date": c.JuryDate, "items": n, "members": members, "minutes": minutes}})
		})
		if err != nil {
			return rep, err
		}
		// After the commit: a content still named elsewhere (another item, a passport
		// attachment) stays.
		for _, sum := range sums {
			used, err := FileInUse(ctx, s.db, sum)
			if err != nil {
				return rep, err
			}
			if !used {
				used, err = passport.FileInUse(ctx, s.db, sum)
				if err != nil {
					return rep, err
				}
			}
			if used {
				continue
			}
			if err := s.blobs.Delete(ctx, sum); err != nil {
				return rep, err
			}
			rep.Proofs++
		}
	}
	return rep, nil
}

// Export is a student's graduation data, for his data export: his checklists with the
// history of each item, and a function that opens each proof.
type Export struct {
	Checklists []ExportedChecklist `json:"checklists"`
}

// ExportedChecklist is a checklist with every item's history.
type ExportedChecklist struct {
	Checklist
	History map[int64][]Event `json:"history"`
}

// ExportMine returns the caller's graduation data (his own; no audit).
func (s *Service) ExportMine(ctx context.Context, p *authz.Principal) (Export, error) {
	return s.export(ctx, p.AccountID)
}

func (s *Service) export(ctx context.Context, accountID int64) (Export, error) {
	cls, err := s.Mine(ctx, &authz.Principal{AccountID: accountID})
	if err != nil {
		return Export{}, err
	}
	ex := Export{Checklists: []ExportedChecklist{}}
	for _, cl := range cls {
		e, err := s.establishments.ByUAI(ctx, cl.UAI)
		if err != nil {
			return Export{}, err
		}
		x := ExportedChecklist{Checklist: cl, History: map[int64][]Event{}}
		for _, it := range cl.Items {
			if x.History[it.ID], err = s.history(ctx, e.ID, it.ID); err != nil {
				return Export{}, err
			}
		}
		ex.Checklists = append(ex.Checklists, x)
	}
	return ex, nil
}

// ExportFiles are the files of an account's graduation data in his passport ZIP (his
// data export): diplomation/diplomation.json (checklists and histories) and every proof
// under diplomation/preuves/. Nothing when he has no item.
func (s *Service) ExportFiles(ctx context.Context, accountID int64) ([]passport.ExtraFile, error) {
	ex, err := s.export(ctx, accountID)
	if err != nil || len(ex.Checklists) == 0 {
		return nil, err
	}
	files := []passport.ExtraFile{{Name: "diplomation/diplomation.json", Write: func(ctx context.Context, w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}}}
	for _, cl := range ex.Checklists {
		for _, it := range cl.Items {
			if !it.HasProof() {
				continue
			}
			sum := it.proofSum
			files = append(files, passport.ExtraFile{Name: fmt.Sprintf("diplomation/preuves/%d-%s", it.ID, it.ProofName),
				Write: func(ctx context.Context, w io.Writer) error {
					rc, err := s.blobs.Open(ctx, sum)
					if err != nil {
						return err
					}
					defer rc.Close()
					_, err = io.Copy(w, rc)
					return err
				}})
		}
	}
	return files, nil
}
