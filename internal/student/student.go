// Package student owns an establishment's students: who may see them, their list and
// page, and the facts of their lifecycle (active or deactivated, nouvelEleve).
//
// It owns their tables (students, the index of deactivated students, the MEF labels):
// the SIECLE import (package importer) decides what changes and writes it through
// Apply (imports.go); the transfer job and the purge read and write through
// lifecycle.go. The services here read students always within one establishment the
// caller has a role in, and record every access by staff in the audit trail.
package student

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
)

// The values of nouvelEleve other than a transfer date.
const (
	NouvelRecent          = "1"
	NouvelSettled         = "0"
	NouvelChangementDiplo = "changementDiplome"
)

// Status of a student in his establishment.
const (
	StatusActive      = "active"
	StatusDeactivated = "deactivated"
)

// Student is a student of one establishment. It never holds the INE.
type Student struct {
	ID              int64    `json:"id"`
	EstablishmentID int64    `json:"-"`
	UAI             string   `json:"uai"`
	EleveID         string   `json:"eleve_id"`
	Elenoet         string   `json:"elenoet,omitempty"`
	Login           string   `json:"login"`
	AccountID       int64    `json:"account_id,omitempty"`
	AccountState    string   `json:"account_state,omitempty"`
	LastName        string   `json:"last_name"`
	UsageName       string   `json:"usage_name,omitempty"`
	FirstName       string   `json:"first_name"`
	FirstName2      string   `json:"first_name2,omitempty"`
	FirstName3      string   `json:"first_name3,omitempty"`
	BirthDate       string   `json:"birth_date,omitempty"`
	Sex             string   `json:"sex,omitempty"`
	Class           string   `json:"class"`
	Groups          []string `json:"groups"`
	MEF             string   `json:"mef"`
	MEFLabel        string   `json:"mef_label,omitempty"`
	Status          string   `json:"status"`
	NouvelEleve     string   `json:"nouvel_eleve"`
	PreviousUAI     string   `json:"previous_uai"`
	EntryDate       string   `json:"entry_date"`
	ExitDate        string   `json:"exit_date"`
	ExitReason      string   `json:"exit_reason,omitempty"`
	// INEStatus tells whether the student can be matched across establishments: "ok",
	// "unchecked" (shape without a public key), "missing" or "invalid" (cannot be transferred).
	INEStatus string    `json:"ine_status"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DisplayName is "NOM Prénom", with the usage name when there is one.
func (s Student) DisplayName() string {
	return strings.TrimSpace(s.DisplayLast() + " " + s.FirstName)
}

// DisplayLast is the last name people use: the usage name when there is one.
func (s Student) DisplayLast() string {
	if s.UsageName != "" {
		return s.UsageName
	}
	return s.LastName
}

// Transferable reports whether the student's INE lets the platform find his records
// in another establishment.
func (s Student) Transferable() bool { return s.INEStatus == "ok" || s.INEStatus == "unchecked" }

// Service reads students.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	now            func() time.Time
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, now: now}
}

// staff are the roles that see all the students of their establishment.
var staff = []authz.Role{authz.RoleAdmin, authz.RoleTeacher, authz.RoleInspector}

// Access resolves the establishment uai for p and tells whether p sees every student
// there (staff, platform administrators) or only himself (a student).
func (s *Service) Access(ctx context.Context, p *authz.Principal, uai string) (establishment.Establishment, bool, error) {
	e, err := s.establishments.Resolve(ctx, p, uai)
	if err != nil {
		return e, false, err
	}
	if p.IsPlatformAdmin() {
		return e, true, nil
	}
	for _, r := range staff {
		if p.Has(r, e.ID) {
			return e, true, nil
		}
	}
	if p.Has(authz.RoleStudent, e.ID) {
		return e, false, nil
	}
	return e, false, apperr.Forbidden("forbidden", "your role in this establishment does not give access to students")
}

const columns = `s.id, s.establishment_id, s.eleve_id, s.elenoet, COALESCE(s.account_id, 0),
	s.last_name, s.usage_name, s.first_name, s.first_name2, s.first_name3, s.birth_date, s.sex,
	s.class, s.groups, s.mef, COALESCE(m.label, ''), s.status, s.nouvel_eleve, s.previous_uai, s.entry_date, s.exit_date,
	s.exit_reason, s.ine_status, s.updated_at`

const from = ` FROM students s LEFT JOIN establishment_mefs m ON m.establishment_id = s.establishment_id AND m.code = s.mef`

func scan(sc interface{ Scan(...any) error }) (Student, error) {
	var st Student
	var groups string
	err := sc.Scan(&st.ID, &st.EstablishmentID, &st.EleveID, &st.Elenoet, &st.AccountID,
		&st.LastName, &st.UsageName, &st.FirstName, &st.FirstName2, &st.FirstName3, &st.BirthDate, &st.Sex,
		&st.Class, &groups, &st.MEF, &st.MEFLabel, &st.Status, &st.NouvelEleve, &st.PreviousUAI, &st.EntryDate, &st.ExitDate,
		&st.ExitReason, &st.INEStatus, &st.UpdatedAt)
	st.Groups = SplitGroups(groups)
	st.UpdatedAt = st.UpdatedAt.UTC()
	return st, err
}

// complete fills what other packages own: the UAI of each student's establishment
// (known, when given, for all of list), his login and the state of his account.
func (s *Service) complete(ctx context.Context, list []Student, known *establishment.Establishment) error {
	byID := map[int64]establishment.Establishment{}
	var ests, accs []int64
	for _, st := range list {
		if known == nil {
			ests = append(ests, st.EstablishmentID)
		}
		if st.AccountID != 0 {
			accs = append(accs, st.AccountID)
		}
	}
	if known != nil {
		byID[known.ID] = *known
	} else {
		var err error
		if byID, err = s.establishments.ByIDs(ctx, ests); err != nil {
			return err
		}
	}
	briefs, err := account.Briefs(ctx, s.db, accs)
	if err != nil {
		return err
	}
	for i := range list {
		st := &list[i]
		st.UAI = byID[st.EstablishmentID].UAI
		if b, ok := briefs[st.AccountID]; ok {
			st.Login, st.AccountState = b.Login, string(b.Status)
		}
	}
	return nil
}

// SplitGroups reads the stored list of groups.
func SplitGroups(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Filter selects students.
type Filter struct {
	Query       string // part of a name or the ELEVE_ID
	Class       string
	Status      string // active, deactivated
	NouvelEleve string // 1, 0, changementDiplome, or "date" for transferred ones
	Limit       int    // default 200, at most 10,000
	Offset      int
}

// Page is a page of students and the total count matching the filter.
type Page struct {
	Students []Student `json:"students"`
	Total    int       `json:"total"`
}

// List returns the students of establishment uai visible to p: all of them for staff,
// only himself for a student.
func (s *Service) List(ctx context.Context, p *authz.Principal, uai string, f Filter) (Page, error) {
	e, all, err := s.Access(ctx, p, uai)
	if err != nil {
		return Page{}, err
	}
	where := []string{"s.establishment_id = $1"}
	args := []any{e.ID}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !all {
		where = append(where, "s.account_id = "+arg(p.AccountID))
	}
	if q := SearchKey(f.Query); q != "" {
		for _, w := range strings.Fields(q) {
			where = append(where, "s.search LIKE "+arg(store.Like(w))+" ESCAPE '\\'")
		}
	}
	if f.Class != "" {
		where = append(where, "s.class = "+arg(f.Class))
	}
	switch f.Status {
	case "":
	case StatusActive, StatusDeactivated:
		where = append(where, "s.status = "+arg(f.Status))
	default:
		return Page{}, apperr.Invalid("invalid_status", "status: active or deactivated")
	}
	switch f.NouvelEleve {
	case "":
	case NouvelRecent, NouvelSettled, NouvelChangementDiplo:
		where = append(where, "s.nouvel_eleve = "+arg(f.NouvelEleve))
	case "date":
		where = append(where, "s.nouvel_eleve LIKE '____-__-__'")
	default:
		return Page{}, apperr.Invalid("invalid_nouvel_eleve", "nouvel_eleve: 1, 0, changementDiplome or date")
	}
	cond := strings.Join(where, " AND ")
	var out Page
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM students s WHERE `+cond, args...).Scan(&out.Total); err != nil {
		return Page{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	limit = min(limit, 10000)
	out.Students = []Student{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		st, err := scan(rows)
		out.Students = append(out.Students, st)
		return err
	}, `SELECT `+columns+from+` WHERE `+cond+fmt.Sprintf(` ORDER BY s.class, s.search, s.id LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), args...)
	if err == nil {
		err = s.complete(ctx, out.Students, &e)
	}
	if err != nil {
		return Page{}, err
	}
	if all {
		err = s.audit.Record(ctx, audit.Event{Action: audit.StudentsListed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"count": len(out.Students), "class": f.Class, "status": f.Status}})
	}
	return out, err
}

var errNotFound = apperr.NotFound("student_not_found", "no such student")

// Lookup returns one student of establishment uai if p may see him — staff see every
// student of their establishment, a student only himself — and whether p is staff.
// It records nothing: each feature audits its own access.
func (s *Service) Lookup(ctx context.Context, p *authz.Principal, uai string, id int64) (Student, bool, error) {
	e, all, err := s.Access(ctx, p, uai)
	if err != nil {
		return Student{}, false, err
	}
	st, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+from+` WHERE s.establishment_id = $1 AND s.id = $2`, e.ID, id))
	if errors.Is(err, store.ErrNotFound) || err == nil && !all && st.AccountID != p.AccountID {
		return Student{}, false, errNotFound
	}
	if err != nil {
		return Student{}, false, err
	}
	one := []Student{st}
	err = s.complete(ctx, one, &e)
	return one[0], all, err
}

// Get returns one student of establishment uai, if p may see him (see Lookup). Staff
// access is audited.
func (s *Service) Get(ctx context.Context, p *authz.Principal, uai string, id int64) (Student, error) {
	st, all, err := s.Lookup(ctx, p, uai, id)
	if err != nil {
		return Student{}, err
	}
	e := establishment.Establishment{ID: st.EstablishmentID}
	if all {
		if err := s.audit.Record(ctx, audit.Event{Action: audit.StudentViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &e.ID,
			Detail: map[string]any{"student_id": st.ID}}); err != nil {
			return Student{}, err
		}
	}
	return st, nil
}

// Mine returns the student records of the principal's own account (one per
// establishment where he is or was a student), without audit: it is his own data.
func (s *Service) Mine(ctx context.Context, p *authz.Principal) ([]Student, error) {
	var out []Student
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		st, err := scan(rows)
		out = append(out, st)
		return err
	}, `SELECT `+columns+from+` WHERE s.account_id = $1 ORDER BY s.status, s.updated_at DESC`, p.AccountID)
	if err == nil {
		err = s.complete(ctx, out, nil)
	}
	return out, err
}

// ClassCount is the number of students of a class.
type ClassCount struct {
	Class       string `json:"class"`
	Active      int    `json:"active"`
	Deactivated int    `json:"deactivated"`
	Pending     int    `json:"accounts_pending"`
}

// Classes counts the students of an establishment per class (staff only).
func (s *Service) Classes(ctx context.Context, p *authz.Principal, uai string) ([]ClassCount, error) {
	e, all, err := s.Access(ctx, p, uai)
	if err != nil {
		return nil, err
	}
	if !all {
		return nil, apperr.Forbidden("forbidden", "staff only")
	}
	var out []ClassCount
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var c ClassCount
		if err := rows.Scan(&c.Class, &c.Active, &c.Deactivated); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	}, `SELECT class, SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'deactivated' THEN 1 ELSE 0 END)
		FROM students WHERE establishment_id = $1 GROUP BY class ORDER BY class`, e.ID)
	if err != nil {
		return nil, err
	}
	// The accounts still pending (not activated) of the active students, per class.
	classOf := map[int64][]string{}
	var accs []int64
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var class string
		var acc int64
		if err := rows.Scan(&class, &acc); err != nil {
			return err
		}
		if classOf[acc] == nil {
			accs = append(accs, acc)
		}
		classOf[acc] = append(classOf[acc], class)
		return nil
	}, `SELECT class, account_id FROM students WHERE establishment_id = $1 AND status = 'active' AND account_id IS NOT NULL`, e.ID)
	if err != nil {
		return nil, err
	}
	briefs, err := account.Briefs(ctx, s.db, accs)
	if err != nil {
		return nil, err
	}
	pending := map[string]int{}
	for acc, classes := range classOf {
		if briefs[acc].Status == account.StatusPending {
			for _, c := range classes {
				pending[c]++
			}
		}
	}
	for i := range out {
		out[i].Pending = pending[out[i].Class]
	}
	return out, nil
}

// ligatures spells out the letters NFD does not decompose.
var ligatures = strings.NewReplacer("œ", "oe", "Œ", "OE", "æ", "ae", "Æ", "AE", "ß", "ss")

// SearchKey folds a text for search: lower case, without accents, words separated by
// single spaces ("Zoé N'DIAYE-Œuvray" → "zoe n diaye oeuvray").
func SearchKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(ligatures.Replace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}
