package schoolyear

import (
	"context"
	"database/sql"
	"sort"
	"strconv"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/student"
)

// FeedResult counts what a feed (a SIECLE import, the backfill) did to a year.
type FeedResult struct {
	YearID         int64 `json:"year_id"`
	StartYear      int   `json:"start_year"`
	ClassesCreated int   `json:"classes_created"`
	Enrolments     int   `json:"enrolments"`
	// Skipped tells that the year is closed: nothing was written.
	Skipped bool `json:"skipped,omitempty"`
}

// Feed writes a year's classes and enrolments from the placements an import gives
// (in its transaction: importer.Service.Placements is this function, set in app.New).
// startYear 0 is the current school year. The year is created if needed (with the
// kind of periods of the establishment's latest year, trimestres otherwise), each
// class the placements name is created (its MEF the one most of its pupils follow),
// and each placed student is enrolled (or marked left on his exit date): SIECLE is the
// source of the classes of the establishments that use it. A closed year is left alone.
func (s *Service) Feed(ctx context.Context, establishmentID int64, startYear int, list []student.Placement, source string) (FeedResult, error) {
	if startYear < 1900 || startYear > 2999 {
		startYear = StartYearAt(s.now())
	}
	res := FeedResult{StartYear: startYear}
	y, err := s.YearOf(ctx, establishmentID, startYear)
	switch {
	case err == nil:
	case apperr.CodeOf(err) == "school_year_not_found":
		kind := Trimestre
		years, err := s.YearsOf(ctx, establishmentID)
		if err != nil {
			return res, err
		}
		if len(years) > 0 {
			kind = years[0].PeriodKind
		}
		if y, err = s.ensureYear(ctx, establishmentID, YearInput{StartYear: startYear, PeriodKind: kind,
			StartDate: strconv.Itoa(startYear) + "-09-01", EndDate: strconv.Itoa(startYear+1) + "-07-04"}); err != nil {
			return res, err
		}
	default:
		return res, err
	}
	res.YearID = y.ID
	if y.Closed {
		res.Skipped = true
		return res, nil
	}
	// The classes: existing ones by code, new ones with their main MEF.
	classes := map[string]int64{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var code string
		var id int64
		err := rows.Scan(&id, &code)
		classes[code] = id
		return err
	}, `SELECT id, code FROM school_classes WHERE establishment_id = $1 AND year_id = $2`, establishmentID, y.ID)
	if err != nil {
		return res, err
	}
	mefs := map[string]map[string]int{}
	for _, p := range list {
		if p.Class == "" || classes[p.Class] != 0 || !p.Active {
			continue
		}
		if mefs[p.Class] == nil {
			mefs[p.Class] = map[string]int{}
		}
		mefs[p.Class][p.MEF]++
	}
	codes := make([]string, 0, len(mefs))
	for c := range mefs {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	now := s.now()
	for _, code := range codes {
		if len(code) > MaxCode*4 { // a SIECLE code is short; never store an absurd one
			continue
		}
		best, n := "", -1
		for m, k := range mefs[code] {
			if k > n || (k == n && m < best) {
				best, n = m, k
			}
		}
		var id int64
		if err := s.db.QueryRow(ctx, `INSERT INTO school_classes (establishment_id, year_id, code, mef, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, establishmentID, y.ID, code, best, now).Scan(&id); err != nil {
			return res, err
		}
		classes[code] = id
		res.ClassesCreated++
	}
	// The enrolments, set-based: those of the year as stored, then COPY when the year
	// has none yet (a first import), else one multi-row upsert per batch of the rows
	// that changed (a re-import writes only its differences).
	type stored struct {
		class                             int64
		mef, groups, status, left, reason string
	}
	have := map[int64]stored{}
	err = s.db.Each(ctx, func(r *sql.Rows) error {
		var id int64
		var x stored
		err := r.Scan(&id, &x.class, &x.mef, &x.groups, &x.status, &x.left, &x.reason)
		have[id] = x
		return err
	}, `SELECT student_id, COALESCE(class_id, 0), mef, groups, status, left_on, left_reason FROM school_enrolments
		WHERE establishment_id = $1 AND year_id = $2`, establishmentID, y.ID)
	if err != nil {
		return res, err
	}
	rows := make([][]any, 0, len(list))
	for _, p := range list {
		var class any
		id := classes[p.Class]
		if id != 0 {
			class = id
		}
		status, leftOn, reason := Enrolled, "", ""
		if !p.Active {
			status, leftOn, reason = Left, p.ExitDate, p.ExitReason
			if len(reason) > MaxLabel {
				reason = reason[:MaxLabel]
			}
		}
		if old, ok := have[p.StudentID]; ok && old == (stored{id, p.MEF, p.Groups, status, leftOn, reason}) {
			continue
		}
		rows = append(rows, []any{establishmentID, y.ID, p.StudentID, class, p.MEF, p.Groups, status, source, leftOn, reason, now, now})
	}
	cols := []string{"establishment_id", "year_id", "student_id", "class_id", "mef", "groups", "status", "source", "left_on", "left_reason", "created_at", "updated_at"}
	if len(have) == 0 {
		_, err = s.db.CopyRows(ctx, "school_enrolments", cols, rows)
	} else {
		err = s.db.InsertRowsOn(ctx, "school_enrolments", cols, rows,
			`ON CONFLICT (year_id, student_id) DO UPDATE SET class_id = excluded.class_id, mef = excluded.mef, groups = excluded.groups,
			status = excluded.status, left_on = excluded.left_on, left_reason = excluded.left_reason, updated_at = excluded.updated_at`, "", nil)
	}
	if err != nil {
		return res, err
	}
	res.Enrolments = len(rows)
	return res, nil
}

// Backfill runs once, on the first start after migration 0014 (cli.NewApp): while no
// school year exists on the platform, it gives every secondary establishment whose
// active students have a class (students.class, from the SIECLE imports made before
// the school year existed) the current year with those classes and enrolments
// (docs/decisions/0023-school-year.md), all in one transaction. Once any year exists
// it does nothing (one indexed query). It returns the number of establishments filled.
func (s *Service) Backfill(ctx context.Context) (int, error) {
	var any int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM school_years LIMIT 1) x`).Scan(&any); err != nil || any > 0 {
		return 0, err
	}
	ids, err := student.Classed(ctx, s.db)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	n := 0
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			e, err := s.establishments.ByID(ctx, id)
			if err != nil {
				return err
			}
			if e.Higher() {
				continue
			}
			list, err := student.Placements(ctx, s.db, id)
			if err != nil {
				return err
			}
			// Only the students still there: those who left did so in an earlier year.
			active := list[:0]
			for _, p := range list {
				if p.Active {
					active = append(active, p)
				}
			}
			if _, err := s.Feed(ctx, id, 0, active, "migration"); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
