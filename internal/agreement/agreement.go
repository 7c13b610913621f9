package agreement

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Notifier tells a person something, by an i18n message key and its parameters
// (internal/notify, wired in internal/app). A nil Notifier notifies nobody.
type Notifier interface {
	Notify(ctx context.Context, accountID int64, key string, params map[string]string) error
}

// RoleMembers returns the accounts holding a role in an establishment (the accounts
// service), for notices.
type RoleMembers func(ctx context.Context, establishmentID int64, role authz.Role) ([]int64, error)

// Roles and what they may do.
var (
	// office imports the catalogue and the IP, transmits, reads the acknowledgements.
	office = []authz.Role{authz.RoleAdmin, authz.RoleOffice}
	// staff read the agreements of the establishment (the referent: his students').
	staff = []authz.Role{authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleReferent}
	// anyone who has something to do with agreements in an establishment.
	everyone = []authz.Role{authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleReferent,
		authz.RoleStudent, authz.RoleDisabilityOffice, authz.RolePilotage}
	// dashboard readers (pilotage: anonymous aggregates, small cells hidden).
	dashboard = []authz.Role{authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RolePilotage}
)

// Kinds, statuses, origins, support measures and adjustments (fixed lists: an
// adjustment never says why — no medical detail is ever stored).
var (
	Kinds       = []string{"standard", "adapted", "mobility"}
	Statuses    = []string{"oui-si", "employed", "disability", "athlete"}
	Origins     = []string{"year", "next", "free", "exemption"}
	Measures    = []string{"tutoring", "remediation", "methodology", "mentoring"}
	Adjustments = []string{"spread_years", "no_attendance", "extra_exam_time", "adapted_schedule", "remote_exams"}
)

// Limits (docs/limits.md).
const (
	MaxComment      = 2000
	MaxUnits        = 80 // units per version
	MaxComments     = 500
	DefaultECTS     = 30
	MaxImportRows   = 200000
	MaxImportBytes  = 64 << 20
	smallCell       = 5
	inboxPageSize   = 200
	maxListedChange = 500
)

// Service is the learning agreements.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	highered *highered.Service
	now      func() time.Time
	// Notifier, when set, receives the notices; Members names the office to notify.
	Notifier Notifier
	Members  RoleMembers
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, he *highered.Service, now func() time.Time) *Service {
	return &Service{db: db, audit: log, highered: he, now: now}
}

// Agreement is a student's agreement for a programme and year.
type Agreement struct {
	ID                 int64  `json:"id"`
	EstablishmentID    int64  `json:"-"`
	StudentID          int64  `json:"student_id"`
	StudentNumber      string `json:"student_number"`
	StudentName        string `json:"student_name"`
	ProgrammeID        int64  `json:"programme_id"`
	ProgrammeCode      string `json:"programme_code"`
	Year               int    `json:"year"`
	Step               string `json:"step"`
	StepVersion        string `json:"step_version"`
	Kind               string `json:"kind"`
	Status             string `json:"status"`
	ReferentID         int64  `json:"referent_id,omitempty"`
	DisabilityOfficeID int64  `json:"disability_office_id,omitempty"`
	Closed             bool   `json:"closed"`
}

// Version is one version of an agreement.
type Version struct {
	ID               int64         `json:"id"`
	AgreementID      int64         `json:"agreement_id"`
	Number           int           `json:"number"`
	UID              string        `json:"uid"`
	State            State         `json:"state"`
	Measures         []string      `json:"measures"`
	Adjustments      []string      `json:"adjustments"`
	Reason           string        `json:"reason,omitempty"`
	StudentSignedAt  *time.Time    `json:"student_signed_at,omitempty"`
	DirectorSignedAt *time.Time    `json:"director_signed_at,omitempty"`
	UpdatedAt        time.Time     `json:"updated_at"`
	Units            []VersionUnit `json:"units"`
}

// VersionUnit is a unit chosen in a version and where it comes from.
type VersionUnit struct {
	Code     string `json:"code"`
	Label    string `json:"label,omitempty"`
	Semester int    `json:"semester"`
	ECTS     Tenths `json:"ects"`
	Origin   string `json:"origin"`
}

// Event is one change of state of a version.
type Event struct {
	Version    int       `json:"version"`
	From       State     `json:"from"`
	To         State     `json:"to"`
	Action     Action    `json:"action"`
	Reason     string    `json:"reason,omitempty"`
	ActorLogin string    `json:"actor"`
	At         time.Time `json:"at"`
}

// Comment is one message of the thread.
type Comment struct {
	Version     int       `json:"version"`
	AuthorLogin string    `json:"author"`
	Text        string    `json:"text"`
	At          time.Time `json:"at"`
}

// View is an agreement as its page shows it: versions (newest first), history,
// comments, the diff of the newest version against the one in force before it, and
// what the reader may do.
type View struct {
	Agreement Agreement `json:"agreement"`
	Versions  []Version `json:"versions"`
	Events    []Event   `json:"events"`
	Comments  []Comment `json:"comments"`
	Diff      *Diff     `json:"diff,omitempty"`
	Can       []Action  `json:"can"`
	CanEdit   bool      `json:"can_edit"`
	CanAmend  bool      `json:"can_amend"`
}

// Current is the newest version.
func (v View) Current() Version {
	if len(v.Versions) == 0 {
		return Version{}
	}
	return v.Versions[0]
}

// Tenths is an amount of ECTS credits in tenths (2.5 ECTS = 25).
type Tenths int

func (t Tenths) String() string {
	s := strconv.Itoa(int(t) / 10)
	if r := int(t) % 10; r != 0 {
		s += "," + strconv.Itoa(r)
	}
	return s
}

// ParseTenths reads "6", "2.5" or "2,5".
func ParseTenths(s string) (Tenths, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	whole, frac, dot := strings.Cut(s, ".")
	w, err := strconv.Atoi(whole)
	if err != nil || w < 0 || w > 120 || (dot && (len(frac) != 1 || frac[0] < '0' || frac[0] > '9')) {
		return 0, false
	}
	t := Tenths(w * 10)
	if dot {
		t += Tenths(frac[0] - '0')
	}
	return t, true
}

func split(s string) []string {
	out := strings.Fields(s)
	if out == nil {
		out = []string{}
	}
	return out
}

func newUID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// resolve returns the establishment of higher education where p holds one of roles.
func (s *Service) resolve(ctx context.Context, p *authz.Principal, uai string, roles ...authz.Role) (establishment.Establishment, error) {
	return s.highered.Resolve(ctx, p, uai, roles...)
}

// hasAny reports whether p holds one of roles in establishment e; a platform
// administrator (the operator) holds them all.
func hasAny(p *authz.Principal, e int64, roles ...authz.Role) bool {
	if p.IsPlatformAdmin() {
		return true
	}
	for _, r := range roles {
		if p.Has(r, e) {
			return true
		}
	}
	return false
}

// who says what p is for agreement a.
func (s *Service) who(ctx context.Context, p *authz.Principal, e int64, a Agreement) (Who, error) {
	w := Who{
		Referent: p.Has(authz.RoleReferent, e) && a.ReferentID == p.AccountID,
		Director: p.Has(authz.RoleProgrammeDirector, e),
		Office:   hasAny(p, e, office...),
	}
	if p.Has(authz.RoleStudent, e) {
		mine, err := student.OfAccount(ctx, s.db, p.AccountID)
		if err != nil {
			return w, err
		}
		w.Student = slices.Contains(mine, a.StudentID)
	}
	return w, nil
}

func (w Who) staff() bool { return w.Referent || w.Director || w.Office }

var errNotFound = apperr.NotFound("agreement_not_found", "no such agreement")

const agreementCols = `id, establishment_id, student_id, programme_id, year, step, step_version, kind, status, COALESCE(referent_id, 0), COALESCE(disability_office_id, 0), closed`

func scanAgreement(sc interface{ Scan(...any) error }) (Agreement, error) {
	var a Agreement
	err := sc.Scan(&a.ID, &a.EstablishmentID, &a.StudentID, &a.ProgrammeID, &a.Year, &a.Step, &a.StepVersion, &a.Kind, &a.Status, &a.ReferentID, &a.DisabilityOfficeID, &a.Closed)
	return a, err
}

func (s *Service) agreement(ctx context.Context, e int64, id int64) (Agreement, error) {
	a, err := scanAgreement(s.db.QueryRow(ctx, `SELECT `+agreementCols+` FROM agreements WHERE establishment_id = $1 AND id = $2`, e, id))
	if errors.Is(err, store.ErrNotFound) {
		return a, errNotFound
	}
	return a, err
}

// complete fills the student numbers, names and programme codes of agreements.
func (s *Service) complete(ctx context.Context, e int64, list []Agreement) error {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.StudentID
	}
	people, err := student.People(ctx, s.db, ids)
	if err != nil {
		return err
	}
	progs, err := s.highered.ProgrammesOf(ctx, e)
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	for _, pr := range progs {
		codes[pr.ID] = pr.Code
	}
	for i := range list {
		pe := people[list[i].StudentID]
		list[i].StudentNumber = pe.EleveID
		list[i].StudentName = strings.TrimSpace(pe.LastName + " " + pe.FirstName)
		list[i].ProgrammeCode = codes[list[i].ProgrammeID]
	}
	return nil
}

const versionCols = `id, agreement_id, number, uid, state, measures, adjustments, reason, student_signed_at, director_signed_at, updated_at`

func scanVersion(sc interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var m, adj string
	var ss, ds sql.NullTime
	err := sc.Scan(&v.ID, &v.AgreementID, &v.Number, &v.UID, &v.State, &m, &adj, &v.Reason, &ss, &ds, &v.UpdatedAt)
	v.Measures, v.Adjustments = split(m), split(adj)
	v.StudentSignedAt, v.DirectorSignedAt = store.NullTime(ss), store.NullTime(ds)
	v.UpdatedAt = v.UpdatedAt.UTC()
	return v, err
}

func (s *Service) versions(ctx context.Context, agreementID int64) ([]Version, error) {
	var out []Version
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		v, err := scanVersion(rows)
		out = append(out, v)
		return err
	}, `SELECT `+versionCols+` FROM agreement_versions WHERE agreement_id = $1 ORDER BY number DESC`, agreementID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Units, err = s.units(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) units(ctx context.Context, versionID int64) ([]VersionUnit, error) {
	out := []VersionUnit{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var u VersionUnit
		err := rows.Scan(&u.Code, &u.Semester, &u.ECTS, &u.Origin)
		out = append(out, u)
		return err
	}, `SELECT unit_code, semester, ects, origin FROM agreement_version_units WHERE version_id = $1 ORDER BY semester, unit_code`, versionID)
	return out, err
}

// Start opens the agreement of a student for a programme and year, its first version
// (a draft) built from his pedagogical enrolment (IP): every unit of the IP not
// already acquired, with its origin "year". The office, the referent or the student
// himself starts it; starting again returns the existing agreement.
func (s *Service) Start(ctx context.Context, p *authz.Principal, uai string, in StartInput) (Agreement, error) {
	// The office (or an administrator) opens a student's agreement, or the student his
	// own; a referent is given his students by the office (SetPeople), never by
	// starting an agreement: otherwise any referent could make himself the referent of
	// any student and read his adjustments.
	e, err := s.resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleOffice, authz.RoleStudent)
	if err != nil {
		return Agreement{}, err
	}
	if !slices.Contains(Kinds, in.Kind) {
		return Agreement{}, apperr.Invalid("invalid_kind", "kind %q: use standard, adapted or mobility", in.Kind).With("value", in.Kind)
	}
	if (in.Kind == "adapted") != (in.Status != "") || (in.Status != "" && !slices.Contains(Statuses, in.Status)) {
		return Agreement{}, apperr.Invalid("invalid_agreement_status", "status %q: an adapted agreement has one of oui-si, employed, disability, athlete; the others none", in.Status).With("value", in.Status)
	}
	if in.StudentID == 0 && in.StudentNumber != "" {
		want := strings.TrimSpace(in.StudentNumber)
		if err := student.EachStored(ctx, s.db, e.ID, func(x student.Stored) error {
			if x.EleveID == want {
				in.StudentID = x.ID
			}
			return nil
		}); err != nil {
			return Agreement{}, err
		}
		if in.StudentID == 0 {
			return Agreement{}, apperr.NotFound("agreement.error.student", "unknown student number %q", want).With("value", want)
		}
	}
	var a Agreement
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		prog, err := s.programme(ctx, e.ID, in.ProgrammeCode)
		if err != nil {
			return err
		}
		a = Agreement{StudentID: in.StudentID, ProgrammeID: prog.ID, Year: in.Year, Kind: in.Kind, Status: in.Status}
		w, err := s.who(ctx, p, e.ID, a)
		if err != nil {
			return err
		}
		if !w.Student && !w.Office {
			return errNotFound
		}
		ip, err := s.enrolment(ctx, e.ID, in.StudentID, prog.ID, in.Year)
		if err != nil {
			return err
		}
		if len(ip) == 0 {
			return apperr.Invalid("no_enrolment", "no pedagogical enrolment for this student in %s %d: import the IP first", prog.Code, in.Year).
				With("programme", prog.Code).With("year", in.Year)
		}
		a.Step, a.StepVersion = ip[0].Step, ip[0].StepVersion
		now := s.now()
		var referent any // given by the office afterwards
		err = s.db.QueryRow(ctx, `INSERT INTO agreements (establishment_id, student_id, programme_id, year, step, step_version, kind, status,
				referent_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
			ON CONFLICT (student_id, programme_id, year) DO NOTHING RETURNING id`,
			e.ID, a.StudentID, a.ProgrammeID, a.Year, a.Step, a.StepVersion, a.Kind, a.Status, referent, now).Scan(&a.ID)
		if errors.Is(err, store.ErrNotFound) {
			// Already started: return it.
			if err := s.db.QueryRow(ctx, `SELECT id FROM agreements WHERE student_id = $1 AND programme_id = $2 AND year = $3 AND establishment_id = $4`,
				a.StudentID, a.ProgrammeID, a.Year, e.ID).Scan(&a.ID); err != nil {
				return err
			}
			if a, err = s.agreement(ctx, e.ID, a.ID); err != nil {
				return err
			}
			// The same rights as reading it (Get), and the same audit.
			if w, err = s.who(ctx, p, e.ID, a); err != nil {
				return err
			}
			if !w.Student && !w.staff() {
				return errNotFound
			}
			if w.Student {
				return nil
			}
			return s.audit.Record(ctx, audit.Event{Action: audit.AgreementViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
				EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "student_id": a.StudentID}})
		}
		if err != nil {
			return err
		}
		cat, err := s.catalogue(ctx, prog.ID, in.Year)
		if err != nil {
			return err
		}
		var units []VersionUnit
		for _, r := range ip {
			u, ok := cat[r.UnitCode]
			if !ok || r.Result == "acquired" {
				continue
			}
			units = append(units, VersionUnit{Code: u.Code, Semester: u.Semester, ECTS: u.ECTS, Origin: "year"})
		}
		if _, err := s.newVersion(ctx, e.ID, a.ID, 1, Version{Units: units}, p.Actor(), now); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementStarted, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "student_id": a.StudentID, "programme": prog.Code, "year": a.Year}})
	})
	if err != nil {
		return Agreement{}, err
	}
	if a, err = s.agreement(ctx, e.ID, a.ID); err != nil {
		return Agreement{}, err
	}
	list := []Agreement{a}
	err = s.complete(ctx, e.ID, list)
	return list[0], err
}

// StartInput is what Start needs.
type StartInput struct {
	StudentID int64 `json:"student_id"`
	// StudentNumber names the student when StudentID is 0 (the office's form).
	StudentNumber string `json:"student_number,omitempty"`
	ProgrammeCode string `json:"programme"`
	Year          int    `json:"year"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
}

func (s *Service) programme(ctx context.Context, e int64, code string) (highered.Programme, error) {
	progs, err := s.highered.ProgrammesOf(ctx, e)
	if err != nil {
		return highered.Programme{}, err
	}
	for _, pr := range progs {
		if pr.Code == code {
			return pr, nil
		}
	}
	return highered.Programme{}, apperr.NotFound("programme_not_found", "no programme %q", code).With("code", code)
}

// newVersion inserts a draft version with its units and its first event.
func (s *Service) newVersion(ctx context.Context, e, agreementID int64, number int, v Version, actor authz.Actor, now time.Time) (int64, error) {
	var id int64
	if _, err := s.db.Exec(ctx, `UPDATE agreement_versions SET latest = FALSE WHERE agreement_id = $1 AND latest`, agreementID); err != nil {
		return 0, err
	}
	if err := s.db.QueryRow(ctx, `INSERT INTO agreement_versions (establishment_id, agreement_id, number, uid, state, measures, adjustments,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		e, agreementID, number, newUID(), Draft, strings.Join(v.Measures, " "), strings.Join(v.Adjustments, " "), now).Scan(&id); err != nil {
		return 0, err
	}
	if err := s.putUnits(ctx, id, v.Units); err != nil {
		return 0, err
	}
	return id, s.event(ctx, e, id, "", Draft, "create", "", actor, now)
}

func (s *Service) putUnits(ctx context.Context, versionID int64, units []VersionUnit) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM agreement_version_units WHERE version_id = $1`, versionID); err != nil {
		return err
	}
	var sum Tenths
	for _, u := range units {
		if u.Origin != "exemption" {
			sum += u.ECTS
		}
	}
	if _, err := s.db.Exec(ctx, `UPDATE agreement_versions SET ects = $1 WHERE id = $2`, int(sum), versionID); err != nil {
		return err
	}
	if len(units) == 0 {
		return nil
	}
	rows := make([][]any, len(units))
	for i, u := range units {
		rows[i] = []any{versionID, u.Code, u.Semester, int(u.ECTS), u.Origin}
	}
	return s.db.InsertRows(ctx, "agreement_version_units", []string{"version_id", "unit_code", "semester", "ects", "origin"}, rows, "", nil)
}

func (s *Service) event(ctx context.Context, e, versionID int64, from, to State, a Action, reason string, actor authz.Actor, now time.Time) error {
	var id any
	if actor.ID != 0 {
		id = actor.ID
	}
	_, err := s.db.Exec(ctx, `INSERT INTO agreement_events (establishment_id, version_id, from_state, to_state, action, reason, actor_id, actor_login, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e, versionID, from, to, a, reason, id, actor.Login, now)
	return err
}

// Get returns an agreement as its page shows it. The student reads his own; the
// referent his students'; the director and the office every one of the establishment;
// every staff read is audited.
func (s *Service) Get(ctx context.Context, p *authz.Principal, uai string, id int64) (View, error) {
	e, err := s.resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleReferent, authz.RoleStudent)
	if err != nil {
		return View{}, err
	}
	var v View
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		a, err := s.agreement(ctx, e.ID, id)
		if err != nil {
			return err
		}
		w, err := s.who(ctx, p, e.ID, a)
		if err != nil {
			return err
		}
		if !w.Student && !w.staff() {
			return errNotFound
		}
		v, err = s.view(ctx, e.ID, a, w)
		if err != nil || w.Student {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "student_id": a.StudentID}})
	})
	return v, err
}

func (s *Service) view(ctx context.Context, e int64, a Agreement, w Who) (View, error) {
	list := []Agreement{a}
	if err := s.complete(ctx, e, list); err != nil {
		return View{}, err
	}
	v := View{Agreement: list[0], Events: []Event{}, Comments: []Comment{}, Can: []Action{}}
	var err error
	if v.Versions, err = s.versions(ctx, a.ID); err != nil {
		return v, err
	}
	cat, err := s.catalogue(ctx, a.ProgrammeID, a.Year)
	if err != nil {
		return v, err
	}
	numbers := map[int64]int{}
	for i := range v.Versions {
		numbers[v.Versions[i].ID] = v.Versions[i].Number
		for j := range v.Versions[i].Units {
			v.Versions[i].Units[j].Label = cat[v.Versions[i].Units[j].Code].Label
		}
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var ev Event
		var vid int64
		err := rows.Scan(&vid, &ev.From, &ev.To, &ev.Action, &ev.Reason, &ev.ActorLogin, &ev.At)
		ev.Version, ev.At = numbers[vid], ev.At.UTC()
		v.Events = append(v.Events, ev)
		return err
	}, `SELECT v.id, x.from_state, x.to_state, x.action, x.reason, x.actor_login, x.at FROM agreement_events x
		JOIN agreement_versions v ON v.id = x.version_id WHERE v.agreement_id = $1 ORDER BY x.id`, a.ID)
	if err != nil {
		return v, err
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var c Comment
		err := rows.Scan(&c.Version, &c.AuthorLogin, &c.Text, &c.At)
		c.At = c.At.UTC()
		v.Comments = append(v.Comments, c)
		return err
	}, `SELECT version_number, author_login, text, at FROM agreement_comments WHERE agreement_id = $1 ORDER BY id`, a.ID)
	if err != nil {
		return v, err
	}
	if len(v.Versions) > 1 {
		// The newest version against the one before it (the one it amends).
		d := DiffUnits(v.Versions[1].Units, v.Versions[0].Units)
		d.From, d.To = v.Versions[1].Number, v.Versions[0].Number
		v.Diff = &d
	}
	cur := v.Current()
	sig := Signatures{Student: cur.StudentSignedAt != nil, Director: cur.DirectorSignedAt != nil}
	if !a.Closed {
		for _, act := range []Action{Submit, Revise, Validate, Refuse, Sign, Transmit, Retransmit} {
			if _, err := Next(cur.State, act, w, sig, "x"); err == nil {
				v.Can = append(v.Can, act)
			}
		}
		v.CanEdit = cur.State.Editable() && (w.Student || w.Referent || w.Office)
		v.CanAmend = (cur.State.InForce() || cur.State == Refused) && (w.Student || w.Referent || w.Office)
	}
	return v, nil
}

// Diff is what a version changes against the one before it.
type Diff struct {
	From    int           `json:"from"`
	To      int           `json:"to"`
	Added   []VersionUnit `json:"added"`
	Removed []VersionUnit `json:"removed"`
	// Changed holds the new state of units whose semester, ECTS or origin changed.
	Changed []VersionUnit `json:"changed"`
}

// Empty reports a diff without change.
func (d Diff) Empty() bool { return len(d.Added)+len(d.Removed)+len(d.Changed) == 0 }

// DiffUnits compares two lists of units by code.
func DiffUnits(old, cur []VersionUnit) Diff {
	d := Diff{Added: []VersionUnit{}, Removed: []VersionUnit{}, Changed: []VersionUnit{}}
	was := map[string]VersionUnit{}
	for _, u := range old {
		was[u.Code] = u
	}
	is := map[string]bool{}
	for _, u := range cur {
		is[u.Code] = true
		o, ok := was[u.Code]
		switch {
		case !ok:
			d.Added = append(d.Added, u)
		case o.Semester != u.Semester || o.ECTS != u.ECTS || o.Origin != u.Origin:
			d.Changed = append(d.Changed, u)
		}
	}
	for _, u := range old {
		if !is[u.Code] {
			d.Removed = append(d.Removed, u)
		}
	}
	for _, l := range [][]VersionUnit{d.Added, d.Removed, d.Changed} {
		sort.Slice(l, func(i, j int) bool { return l[i].Code < l[j].Code })
	}
	return d
}

// today is the Paris civil date of now.
func (s *Service) today() string { return calendar.Date(s.now()) }
