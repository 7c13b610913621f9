package student

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
)

// This file is what the SIECLE import (package importer) writes through: the students of
// an establishment as the import compares them, the set-based writing of the difference
// (the shared index of deactivated students following the statuses), and the MEF labels
// of the establishment's Nomenclature. The import decides and checks access; these
// functions write, inside the transaction ctx carries (store.DB.Tx).

// Record is a student as an import sets him: every column a SIECLE file gives.
type Record struct {
	EleveID, Elenoet, Unqid, INEStatus                     string
	LastName, UsageName, FirstName, FirstName2, FirstName3 string
	BirthDate, Sex, Class, Groups, MEF                     string
	EntryDate, ExitDate, ExitReason, Status, PreviousUAI   string
}

// RecordFields names the columns an import compares (all of Record but eleve_id, the
// key), in the order of Values and Strings.
var RecordFields = []string{"elenoet", "unqid", "ine_status", "last_name", "usage_name", "first_name", "first_name2", "first_name3",
	"birth_date", "sex", "class", "groups", "mef", "entry_date", "exit_date", "exit_reason", "status", "previous_uai"}

// Values returns the values of RecordFields (no unqid is NULL).
func (r *Record) Values() []any {
	unq := any(r.Unqid)
	if r.Unqid == "" {
		unq = nil
	}
	return []any{r.Elenoet, unq, r.INEStatus, r.LastName, r.UsageName, r.FirstName, r.FirstName2, r.FirstName3,
		r.BirthDate, r.Sex, r.Class, r.Groups, r.MEF, r.EntryDate, r.ExitDate, r.ExitReason, r.Status, r.PreviousUAI}
}

// Strings returns the values of RecordFields as texts, to compare two records.
func (r *Record) Strings() []string {
	return []string{r.Elenoet, r.Unqid, r.INEStatus, r.LastName, r.UsageName, r.FirstName, r.FirstName2, r.FirstName3,
		r.BirthDate, r.Sex, r.Class, r.Groups, r.MEF, r.EntryDate, r.ExitDate, r.ExitReason, r.Status, r.PreviousUAI}
}

// Name is "NOM Prénom", with the usage name when there is one.
func (r *Record) Name() string {
	last := r.LastName
	if r.UsageName != "" {
		last = r.UsageName
	}
	return strings.TrimSpace(last + " " + r.FirstName)
}

// search is the stored search key: every name and the ELEVE_ID.
func (r *Record) search() string {
	return SearchKey(strings.Join([]string{r.LastName, r.UsageName, r.FirstName, r.FirstName2, r.FirstName3, r.EleveID}, " "))
}

// Stored is a stored student as an import compares him.
type Stored struct {
	ID          int64
	AccountID   sql.NullInt64
	NouvelEleve string
	Record
}

// EachStored calls fn with every student of the establishment, in no order.
func EachStored(ctx context.Context, db *store.DB, establishmentID int64, fn func(Stored) error) error {
	return db.Each(ctx, func(rows *sql.Rows) error {
		var x Stored
		var unq sql.NullString
		if err := rows.Scan(&x.ID, &x.AccountID, &x.NouvelEleve, &x.EleveID, &x.Elenoet, &unq, &x.INEStatus, &x.LastName, &x.UsageName,
			&x.FirstName, &x.FirstName2, &x.FirstName3, &x.BirthDate, &x.Sex, &x.Class, &x.Groups, &x.MEF, &x.EntryDate,
			&x.ExitDate, &x.ExitReason, &x.Status, &x.PreviousUAI); err != nil {
			return err
		}
		x.Unqid = unq.String
		return fn(x)
	}, `SELECT id, account_id, nouvel_eleve, eleve_id, elenoet, unqid, ine_status, last_name, usage_name, first_name, first_name2, first_name3,
		birth_date, sex, class, groups, mef, entry_date, exit_date, exit_reason, status, previous_uai
		FROM students WHERE establishment_id = $1`, establishmentID)
}

// Insert is a student to create.
type Insert struct {
	*Record
	AccountID   int64  // 0: none yet
	NouvelEleve string // NouvelRecent for a student a file brings
}

// Update is the new record of a stored student.
type Update struct {
	ID       int64
	Old, New *Record
}

// Apply writes an import's difference for establishment e, set-based: the new students
// (COPY on PostgreSQL), the changed ones (batched updates), and the index of deactivated
// students, which follows: a deactivated student with an unqid is in it, under his exit
// date and MEF; a student reactivated, or whose unqid changed, leaves it. It returns the
// ids of the new students, in the order of creates.
func Apply(ctx context.Context, db *store.DB, e establishment.Establishment, creates []Insert, updates []Update, now time.Time) ([]int64, error) {
	cols := append(append([]string{"id", "establishment_id", "eleve_id", "account_id", "nouvel_eleve", "created_at", "updated_at"}, RecordFields...), "search")
	ids, err := db.NextIDs(ctx, "students", len(creates))
	if err != nil {
		return nil, err
	}
	if _, err := db.CopyFunc(ctx, "students", cols, len(creates), func(i int) []any {
		c := creates[i]
		var acc any
		if c.AccountID != 0 {
			acc = c.AccountID
		}
		return append(append([]any{ids[i], e.ID, c.EleveID, acc, c.NouvelEleve, now, now}, c.Values()...), c.search())
	}); err != nil {
		return nil, err
	}
	type entry struct {
		id  int64
		rec *Record
	}
	var indexAdd []entry
	var indexDel []any
	for i, c := range creates {
		if c.Status == StatusDeactivated && c.Unqid != "" {
			indexAdd = append(indexAdd, entry{ids[i], c.Record})
		}
	}
	rows := make([][]any, 0, len(updates))
	for _, u := range updates {
		if u.Old.Status == StatusDeactivated && u.Old.Unqid != "" && (u.New.Status != StatusDeactivated || u.New.Unqid != u.Old.Unqid) {
			indexDel = append(indexDel, u.Old.Unqid)
		}
		if u.New.Status == StatusDeactivated && u.New.Unqid != "" {
			indexAdd = append(indexAdd, entry{u.ID, u.New})
		}
		rows = append(rows, append(append([]any{u.ID}, u.New.Values()...), u.New.search()))
	}
	if _, err := db.UpdateRows(ctx, "students", "id", "BIGINT", append(append([]string{}, RecordFields...), "search"), rows, "updated_at = $1", now); err != nil {
		return nil, err
	}
	if err := chunks(indexDel, 500, 2, func(ph string, chunk []any) error {
		_, err := db.Exec(ctx, `DELETE FROM deactivated_students WHERE establishment_id = $1 AND unqid IN (`+ph+`)`, append([]any{e.ID}, chunk...)...)
		return err
	}); err != nil {
		return nil, err
	}
	// An import makes an INE that students of its file share unusable, so its unqids
	// are distinct; other writers' may not be: the last entry of an unqid stands, as it
	// would have had it come in another batch (PostgreSQL refuses to update a row twice
	// in one statement).
	last := make(map[string]int, len(indexAdd))
	for i, x := range indexAdd {
		last[x.rec.Unqid] = i
	}
	adds := make([][]any, 0, len(indexAdd))
	for i, x := range indexAdd {
		if last[x.rec.Unqid] == i {
			adds = append(adds, []any{x.rec.Unqid, e.ID, e.UAI, x.id, x.rec.ExitDate, x.rec.MEF})
		}
	}
	if err := db.InsertRowsOn(ctx, "deactivated_students", []string{"unqid", "establishment_id", "origin_uai", "student_id", "deactivated_on", "mef"}, adds,
		`ON CONFLICT (unqid, establishment_id) DO UPDATE SET student_id = excluded.student_id, deactivated_on = excluded.deactivated_on, mef = excluded.mef`,
		"", nil); err != nil {
		return nil, err
	}
	return ids, nil
}

// MEF is a MEF label of an establishment's Nomenclature.
type MEF struct {
	Code, Formation, Label string
}

// MEFCodes returns the MEF codes of the establishment's last Nomenclature import.
func MEFCodes(ctx context.Context, db *store.DB, establishmentID int64) (map[string]bool, error) {
	out := map[string]bool{}
	err := db.Each(ctx, func(rows *sql.Rows) error {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		out[c] = true
		return nil
	}, `SELECT code FROM establishment_mefs WHERE establishment_id = $1`, establishmentID)
	return out, err
}

// ReplaceMEFs replaces the MEF labels of the establishment (codes are distinct).
func ReplaceMEFs(ctx context.Context, db *store.DB, establishmentID int64, mefs []MEF) error {
	return db.Tx(ctx, func(ctx context.Context) error {
		if _, err := db.Exec(ctx, `DELETE FROM establishment_mefs WHERE establishment_id = $1`, establishmentID); err != nil {
			return err
		}
		rows := make([][]any, len(mefs))
		for i, m := range mefs {
			rows[i] = []any{establishmentID, m.Code, m.Formation, m.Label}
		}
		return db.InsertRows(ctx, "establishment_mefs", []string{"establishment_id", "code", "formation", "label"}, rows, "", nil)
	})
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(n, from int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}
