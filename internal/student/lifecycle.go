package student

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cartable/cartable/internal/store"
)

// This file is what the transfer job, the purge and their dashboards read and write of
// the students and of the shared index of deactivated students. They decide and check
// access; these functions run inside the transaction ctx carries, if any, and never
// return more than their arguments ask (a batch, a list of ids).

// Waiting is a student waiting for his records (nouvelEleve = 1, active), as the
// transfer job examines him.
type Waiting struct {
	ID, EstablishmentID int64
	Unqid               string // "" when the file gave no usable INE
	MEF, EntryDate      string
	LastName, UsageName string
	FirstName           string
	FirstName2          string
	BirthDate           string
	PreviousUAI         string
}

// WaitingAfter returns at most limit students waiting for their records whose id is
// above after, by id.
func WaitingAfter(ctx context.Context, db *store.DB, after int64, limit int) ([]Waiting, error) {
	var out []Waiting
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var w Waiting
		var unqid sql.NullString
		err := rows.Scan(&w.ID, &w.EstablishmentID, &unqid, &w.MEF, &w.EntryDate, &w.LastName, &w.UsageName, &w.FirstName,
			&w.FirstName2, &w.BirthDate, &w.PreviousUAI)
		w.Unqid = unqid.String
		out = append(out, w)
		return err
	}, `SELECT id, establishment_id, unqid, mef, entry_date, last_name, usage_name, first_name, first_name2, birth_date, previous_uai
		FROM students WHERE nouvel_eleve = '1' AND status = 'active' AND id > $1 ORDER BY id LIMIT `+fmt.Sprint(limit), after)
	return out, err
}

// Departure is an entry of the index of deactivated students, with the student who left
// as his establishment knows him (his row stays until the purge, which removes both).
type Departure struct {
	Unqid                string
	EstablishmentID      int64
	OriginUAI            string
	StudentID            int64
	MEF, DeactivatedOn   string
	BirthDate, LastName  string
	UsageName, FirstName string
	FirstName2           string
}

// Departures returns the entries of the index for the given unqids, in no order.
func Departures(ctx context.Context, db *store.DB, unqids []string) ([]Departure, error) {
	var out []Departure
	list := make([]any, len(unqids))
	for i, u := range unqids {
		list[i] = u
	}
	err := chunks(list, 1000, 1, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var d Departure
			err := rows.Scan(&d.Unqid, &d.EstablishmentID, &d.OriginUAI, &d.StudentID, &d.MEF, &d.DeactivatedOn,
				&d.BirthDate, &d.LastName, &d.UsageName, &d.FirstName, &d.FirstName2)
			out = append(out, d)
			return err
		}, `SELECT d.unqid, d.establishment_id, d.origin_uai, d.student_id, d.mef, d.deactivated_on,
			o.birth_date, o.last_name, o.usage_name, o.first_name, o.first_name2
			FROM deactivated_students d JOIN students o ON o.establishment_id = d.establishment_id AND o.id = d.student_id
			WHERE d.unqid IN (`+ph+`)`, chunk...)
	})
	return out, err
}

// EndWait ends a student's wait for his records: his nouvelEleve becomes nouvel (the
// day they came, NouvelSettled after six months, NouvelChangementDiplo), if it still
// is NouvelRecent. False when it no longer was: another run, or an import, came first.
func EndWait(ctx context.Context, db *store.DB, id int64, nouvel string, now time.Time) (bool, error) {
	n, err := db.ExecCount(ctx, `UPDATE students SET nouvel_eleve = $2, updated_at = $3 WHERE id = $1 AND nouvel_eleve = '1'`, id, nouvel, now)
	return n > 0, err
}

// Unindex takes a departure out of the index (his records left with him). False when
// it was no longer there: another run took it, or his establishment reactivated him.
func Unindex(ctx context.Context, db *store.DB, unqid string, establishmentID, studentID int64) (bool, error) {
	n, err := db.ExecCount(ctx, `DELETE FROM deactivated_students WHERE unqid = $1 AND establishment_id = $2 AND student_id = $3`,
		unqid, establishmentID, studentID)
	return n > 0, err
}

// Expired is a student deactivated before a date, as the purge takes him.
type Expired struct {
	ID, EstablishmentID int64
	AccountID           int64 // 0: none
}

// ExpiredBefore returns the students who left before cutoff (a civil date), by id: at
// most limit of them, or all when limit is 0.
func ExpiredBefore(ctx context.Context, db *store.DB, cutoff string, limit int) ([]Expired, error) {
	q := `SELECT id, establishment_id, account_id FROM students WHERE status = 'deactivated' AND exit_date <> '' AND exit_date < $1 ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ` + fmt.Sprint(limit)
	}
	var out []Expired
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var x Expired
		var acc sql.NullInt64
		err := rows.Scan(&x.ID, &x.EstablishmentID, &acc)
		x.AccountID = acc.Int64
		out = append(out, x)
		return err
	}, q, cutoff)
	return out, err
}

// DeleteStudents deletes students of one establishment and their entries in the index.
// Their records in the other tables (results, comments, situations and their file rows,
// transfer states) go with them by cascade; the accounts stay (account.DeleteStudentAccounts).
func DeleteStudents(ctx context.Context, db *store.DB, establishmentID int64, ids []int64) error {
	return db.Tx(ctx, func(ctx context.Context) error {
		return chunks(anys(ids), 1000, 2, func(ph string, chunk []any) error {
			args := append([]any{establishmentID}, chunk...)
			for _, q := range []string{
				`DELETE FROM deactivated_students WHERE establishment_id = $1 AND student_id IN (` + ph + `)`,
				`DELETE FROM students WHERE establishment_id = $1 AND id IN (` + ph + `)`,
			} {
				if _, err := db.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// AccountLinks returns, for each of accounts that a student row (of any status) still
// names, the establishments of those rows.
func AccountLinks(ctx context.Context, db *store.DB, accounts []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	err := chunks(anys(accounts), 1000, 1, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var acc, est int64
			err := rows.Scan(&acc, &est)
			out[acc] = append(out[acc], est)
			return err
		}, `SELECT account_id, establishment_id FROM students WHERE account_id IN (`+ph+`)`, chunk...)
	})
	return out, err
}

// Person is a student as the other packages name him next to their own data.
type Person struct {
	ID, EstablishmentID int64
	EleveID             string
	LastName, FirstName string
	Class, EntryDate    string
	PreviousUAI         string
	NouvelEleve, Status string
}

const personColumns = `id, establishment_id, eleve_id, last_name, first_name, class, entry_date, previous_uai, nouvel_eleve, status`

func scanPerson(rows *sql.Rows) (Person, error) {
	var p Person
	err := rows.Scan(&p.ID, &p.EstablishmentID, &p.EleveID, &p.LastName, &p.FirstName, &p.Class, &p.EntryDate, &p.PreviousUAI, &p.NouvelEleve, &p.Status)
	return p, err
}

// People returns the students with the given ids (any establishment: the caller has
// authorised what it shows), by id.
func People(ctx context.Context, db *store.DB, ids []int64) (map[int64]Person, error) {
	out := map[int64]Person{}
	err := chunks(anys(ids), 1000, 1, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			p, err := scanPerson(rows)
			out[p.ID] = p
			return err
		}, `SELECT `+personColumns+` FROM students WHERE id IN (`+ph+`)`, chunk...)
	})
	return out, err
}

// WaitingIn returns the students of an establishment waiting for their records, by name.
func WaitingIn(ctx context.Context, db *store.DB, establishmentID int64) ([]Person, error) {
	var out []Person
	err := db.Each(ctx, func(rows *sql.Rows) error {
		p, err := scanPerson(rows)
		out = append(out, p)
		return err
	}, `SELECT `+personColumns+` FROM students WHERE establishment_id = $1 AND nouvel_eleve = '1' AND status = 'active'
		ORDER BY last_name, first_name`, establishmentID)
	return out, err
}

// OfAccount returns the ids of the student rows of an account, in every establishment.
func OfAccount(ctx context.Context, db *store.DB, accountID int64) ([]int64, error) {
	var out []int64
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		out = append(out, id)
		return err
	}, `SELECT id FROM students WHERE account_id = $1`, accountID)
	return out, err
}

// Missing returns those of ids that are not students of the establishment.
func Missing(ctx context.Context, db *store.DB, establishmentID int64, ids []int64) ([]int64, error) {
	found := map[int64]bool{}
	err := chunks(anys(ids), 500, 2, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			found[id] = true
			return err
		}, `SELECT id FROM students WHERE establishment_id = $1 AND id IN (`+ph+`)`, append([]any{establishmentID}, chunk...)...)
	})
	if err != nil {
		return nil, err
	}
	var missing []int64
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// chunks calls fn for each chunk of at most size values of list, with the placeholders
// of the chunk numbered from $from.
func chunks(list []any, size, from int, fn func(ph string, chunk []any) error) error {
	for start := 0; start < len(list); start += size {
		chunk := list[start:min(start+size, len(list))]
		if err := fn(placeholders(len(chunk), from), chunk); err != nil {
			return err
		}
	}
	return nil
}

func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// Span returns the number of student rows of the platform (every establishment, any
// status) and their smallest and largest ids, for the benchmarks' reports and samples.
func Span(ctx context.Context, db *store.DB) (count, first, last int64, err error) {
	var lo, hi sql.NullInt64
	err = db.QueryRow(ctx, `SELECT COUNT(*), MIN(id), MAX(id) FROM students`).Scan(&count, &lo, &hi)
	return count, lo.Int64, hi.Int64, err
}

// AccountIDs returns the accounts of the students with the given ids (those that have
// one), by student id: whom a feature notifies about a student's own data.
func AccountIDs(ctx context.Context, db *store.DB, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	err := chunks(anys(ids), 1000, 1, func(ph string, chunk []any) error {
		return db.Each(ctx, func(rows *sql.Rows) error {
			var id, acc int64
			err := rows.Scan(&id, &acc)
			out[id] = acc
			return err
		}, `SELECT id, account_id FROM students WHERE account_id IS NOT NULL AND id IN (`+ph+`)`, chunk...)
	})
	return out, err
}

// SetClasses writes the class of students of an establishment (by id): the read copy
// of their class of the current school year, which internal/schoolyear owns
// (docs/decisions/0023-school-year.md). Students of another establishment are left alone.
func SetClasses(ctx context.Context, db *store.DB, establishmentID int64, classes map[int64]string, now time.Time) error {
	for id, class := range classes {
		if _, err := db.Exec(ctx, `UPDATE students SET class = $1, updated_at = $2 WHERE establishment_id = $3 AND id = $4 AND class <> $1`,
			class, now, establishmentID, id); err != nil {
			return err
		}
	}
	return nil
}

// Placement is where a student is for a school year as an import or the students'
// class column tell: his class, groups and MEF, and whether he is still there.
type Placement struct {
	StudentID            int64
	Class, Groups, MEF   string
	Active               bool
	ExitDate, ExitReason string
}

// Placements returns the placement of every student of an establishment as its
// students table has it (the class of the last SIECLE import), by id.
func Placements(ctx context.Context, db *store.DB, establishmentID int64) ([]Placement, error) {
	var out []Placement
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var p Placement
		var status string
		err := rows.Scan(&p.StudentID, &p.Class, &p.Groups, &p.MEF, &status, &p.ExitDate, &p.ExitReason)
		p.Active = status == StatusActive
		out = append(out, p)
		return err
	}, `SELECT id, class, groups, mef, status, exit_date, exit_reason FROM students WHERE establishment_id = $1 ORDER BY id`, establishmentID)
	return out, err
}

// Classed returns the establishments where an active student has a class.
func Classed(ctx context.Context, db *store.DB) ([]int64, error) {
	var out []int64
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		out = append(out, id)
		return err
	}, `SELECT DISTINCT establishment_id FROM students WHERE class <> '' AND status = 'active' ORDER BY establishment_id`)
	return out, err
}

// BirthDate returns a student's birth date (YYYY-MM-DD or empty) in his establishment.
func BirthDate(ctx context.Context, db *store.DB, establishmentID, id int64) (string, error) {
	var d string
	err := db.QueryRow(ctx, `SELECT birth_date FROM students WHERE establishment_id = $1 AND id = $2`, establishmentID, id).Scan(&d)
	return d, err
}
