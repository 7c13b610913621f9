// Package importer applies SIECLE exports to an establishment: the file is read in one
// streaming pass, compared with the database, and the difference applied in one
// transaction (or only reported, for a dry run). A broken file changes nothing and the
// error says where; re-importing the same file changes nothing.
package importer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/siecle"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Service runs imports.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	accounts       *account.Service
	secrets        *secret.Store
	now            func() time.Time
	// MaxSize caps the decompressed size of an imported file.
	MaxSize int64
	// SSO links the external identities a file of them brings (Links).
	SSO *sso.Service
	// MovedAway, when set (app.New: the transfer service), names among students of an
	// establishment those whose records were transferred away, with the destination's
	// UAI: reactivating one is warned about (issue 10).
	MovedAway func(ctx context.Context, establishmentID int64, studentIDs []int64) (map[int64]string, error)
	// Placements, when set (app.New: the school year's Feed), receives in the import's
	// transaction where each student of the file is for the file's school year (0: the
	// current one): the classes and enrolments of that year follow SIECLE.
	Placements func(ctx context.Context, establishmentID int64, startYear int, list []student.Placement) error
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, acc *account.Service, sec *secret.Store, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, accounts: acc, secrets: sec, now: now, MaxSize: siecle.DefaultMaxSize}
}

// Warning is a remark about one student of the file; it never rejects the file.
type Warning struct {
	EleveID string `json:"eleve_id"`
	// Name and Class say who the student is, as the file has him (issue 10: people know
	// their students by name, not by ELEVE_ID); empty when the file does not tell.
	Name  string `json:"name,omitempty"`
	Class string `json:"class,omitempty"`
	// Line is the line of the student (ELEVE or STRUCTURES_ELEVE) in the file.
	Line  int    `json:"line,omitempty"`
	Field string `json:"field"`
	// Message is the remark in French, as the reports always said it.
	Message string `json:"message"`
	// Key and Params are the same remark as a message of the catalogue
	// (internal/i18n) and its parameters, which Text writes in the reader's language;
	// Refused adds that the student was not imported. Reports written before warnings
	// had keys have none: Text gives their Message.
	Key     string            `json:"key,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
	Refused bool              `json:"refused,omitempty"`
}

// Text writes the warning in lang.
func (w Warning) Text(lang string) string {
	if w.Key == "" || !i18n.Has(w.Key) {
		return w.Message
	}
	args := i18n.Args{}
	for k, v := range w.Params {
		args[k] = v
	}
	if check := w.Params["check"]; check != "" {
		// The message of a value check, inside the warning's (siecle.ValueError).
		args["check"] = i18n.T(lang, check, args)
	}
	if w.Key == keyINEShared {
		// "1234:12,5678:40": the other students, each with his line.
		var others []string
		for _, o := range strings.Split(w.Params["others"], ",") {
			id, line, _ := strings.Cut(o, ":")
			others = append(others, i18n.T(lang, keyINEShared+".other", i18n.Args{"eleve_id": id, "line": line}))
		}
		args["others"] = strings.Join(others, ", ")
	}
	s := i18n.T(lang, w.Key, args)
	if w.Refused {
		s += i18n.T(lang, "imports.warning.refused")
	}
	return s
}

// keyINEShared is the warning about an INE several students of the file share.
const keyINEShared = "imports.warning.ine_shared"

// Change is one student the import created, updated, deactivated or reactivated.
type Change struct {
	EleveID string   `json:"eleve_id"`
	Name    string   `json:"name"`
	Class   string   `json:"class,omitempty"`
	Fields  []string `json:"fields,omitempty"`
}

// Report tells what an import did (or would do, for a dry run).
type Report struct {
	ImportID        int64     `json:"import_id,omitempty"`
	UAI             string    `json:"uai"`
	File            string    `json:"file"`
	DryRun          bool      `json:"dry_run"`
	Year            int       `json:"year,omitempty"`
	InFile          int       `json:"in_file"`
	Created         int       `json:"created"`
	Updated         int       `json:"updated"`
	Deactivated     int       `json:"deactivated"`
	Reactivated     int       `json:"reactivated"`
	Unchanged       int       `json:"unchanged"`
	Refused         int       `json:"refused"` // not imported: incomplete identity (see refusal)
	AccountsCreated int       `json:"accounts_created"`
	Warnings        []Warning `json:"warnings"`
	// Absent lists the students of the establishment the file does not mention: they
	// are kept as they are.
	Absent  []Change `json:"absent"`
	Changes struct {
		Created     []Change `json:"created"`
		Updated     []Change `json:"updated"`
		Deactivated []Change `json:"deactivated"`
		Reactivated []Change `json:"reactivated"`
		// Truncated is true when a list was cut at maxListed entries (counts stay exact).
		Truncated bool `json:"truncated,omitempty"`
	} `json:"changes"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	ActorLogin string    `json:"actor_login,omitempty"`
}

// maxListed caps each list of changes kept in a report.
const maxListed = 5000

func (r *Report) list(l *[]Change, c Change) {
	if len(*l) >= maxListed {
		r.Changes.Truncated = true
		return
	}
	*l = append(*l, c)
}

// row is a student as the import compares it: the columns the file sets, and where
// he is in the file.
type row struct {
	student.Record
	Line int // in the file, for warnings
}

// existing is a stored student.
type existing struct {
	student.Stored
	seen bool // the file lists him
}

// parsed is the file, read whole before anything is written, already in the stored
// form (the INE hashed, then dropped).
type parsed struct {
	params   siecle.Params
	rows     []row
	refused  []string       // ELEVE_IDs of the students not imported (refusal)
	index    map[string]int // ELEVE_ID → rows index
	pending  map[string][]siecle.Structure
	warnings []Warning
}

// read parses the file, refusing one of another establishment as soon as its
// PARAMETRES are read. Each student is turned into his row as he is read: the file's own
// records are not kept, which keeps a 100,000-student import small in memory.
func read(r io.Reader, uai string, key []byte, mefs map[string]bool, today string) (*parsed, error) {
	p := &parsed{index: map[string]int{}, pending: map[string][]siecle.Structure{}}
	err := siecle.Read(r, siecle.HandlerFuncs{
		OnParams: func(ps siecle.Params) error {
			p.params = ps
			return siecle.CheckUAI(ps, uai)
		},
		OnStudent: func(st siecle.Student) error {
			refused := refusal(&st)
			for _, w := range st.Warnings {
				x := Warning{EleveID: st.EleveID, Line: st.Line, Field: w.Field, Message: w.Message, Key: w.Key, Params: w.Params,
					Name: strings.TrimSpace(st.FirstName + " " + st.LastName)}
				if refused && identityFields[w.Field] && (w.Code == siecle.WarnMissing || w.Code == siecle.WarnTooLong) {
					x.Message += "\u00a0: élève non importé, à corriger dans SIECLE (déjà importé, il garde ses données)"
					x.Refused = true
				}
				p.warnings = append(p.warnings, x)
			}
			if refused {
				p.refused = append(p.refused, st.EleveID)
				return nil
			}
			p.index[st.EleveID] = len(p.rows)
			p.rows = append(p.rows, toRow(&st, key, today))
			if ss, ok := p.pending[st.EleveID]; ok {
				delete(p.pending, st.EleveID)
				p.structures(st.EleveID, ss)
			}
			if len(mefs) > 0 && st.MEF != "" && !mefs[string(st.MEF)] {
				p.warnings = append(p.warnings, Warning{EleveID: st.EleveID, Line: st.Line, Field: "CODE_MEF",
					Message: fmt.Sprintf("MEF %s inconnu de la nomenclature importée", st.MEF),
					Key:     "imports.warning.mef_unknown", Params: map[string]string{"mef": string(st.MEF)}})
			}
			return nil
		},
		OnStructures: func(ss siecle.StudentStructures) error {
			for _, w := range ss.Warnings {
				p.warnings = append(p.warnings, Warning{EleveID: ss.EleveID, Line: ss.Line, Field: w.Field, Message: w.Message, Key: w.Key, Params: w.Params})
			}
			p.structures(ss.EleveID, ss.List)
			return nil
		},
	})
	if err != nil {
		var fe *siecle.FileError
		switch {
		case errors.Is(err, siecle.ErrOtherEstablishment):
			return nil, explained(apperr.Invalid("other_establishment", "%v", err), err)
		case errors.As(err, &fe):
			return nil, apperr.Invalid("invalid_file", "%v", err).Wrap(err)
		}
		return nil, apperr.Invalid("invalid_file", "%v", err).Wrap(err)
	}
	if p.params.UAI == "" {
		return nil, apperr.Invalid("invalid_file", "the file has no PARAMETRES/UAJ: it is not a complete SIECLE student export").WithKey("invalid_file.no_params")
	}
	for i := range p.warnings {
		if j, ok := p.index[p.warnings[i].EleveID]; ok {
			r := &p.rows[j].Record
			p.warnings[i].Name, p.warnings[i].Class = strings.TrimSpace(r.FirstName+" "+r.LastName), r.Class
		}
	}
	p.index, p.pending = nil, nil
	p.sharedINEs()
	return p, nil
}

// explained gives e the message of the catalogue that says what the SIECLE reader's
// check err says (a siecle.ValueError), so that a page writes it in its reader's
// language.
func explained(e *apperr.Error, err error) *apperr.Error {
	var ve *siecle.ValueError
	if errors.As(err, &ve) {
		e.Key, e.Params = ve.Key, map[string]any{}
		for k, v := range ve.Params {
			e.Params[k] = v
		}
	}
	return e
}

// identityFields are the fields that name a student.
var identityFields = map[string]bool{"NOM_DE_FAMILLE": true, "NOM": true, "NOM_USAGE": true, "PRENOM": true, "PRENOM2": true, "PRENOM3": true}

// refusal reports whether a student of the file is not imported: his last name or first
// name is missing, or a name is over siecle.MaxName (not a name). Lists, letters and his
// account are named after him; a stored student keeps the name he had. An empty birth
// date is only a warning.
func refusal(st *siecle.Student) bool {
	for _, w := range st.Warnings {
		if (w.Code == siecle.WarnMissing || w.Code == siecle.WarnTooLong) && identityFields[w.Field] {
			return true
		}
	}
	return false
}

// sharedINEs makes an INE that several students of the file share unusable for
// transfers: it identifies a student across establishments, so it must name one. They
// are all imported, without unqid and with the status invalid (out of the index of
// deactivated students, never matched by a transfer), and a warning each names the
// others (docs/decisions/0011-duplicate-ine.md).
func (p *parsed) sharedINEs() {
	first := make(map[string]int, len(p.rows))
	var shared map[string][]int // unqid → rows, for the shared ones only
	for i := range p.rows {
		u := p.rows[i].Unqid
		if u == "" {
			continue
		}
		j, seen := first[u]
		if !seen {
			first[u] = i
			continue
		}
		if shared == nil {
			shared = map[string][]int{}
		}
		if len(shared[u]) == 0 {
			shared[u] = []int{j}
		}
		shared[u] = append(shared[u], i)
	}
	if len(shared) == 0 {
		return
	}
	for i := range p.rows {
		r := &p.rows[i]
		rows := shared[r.Unqid]
		if len(rows) == 0 {
			continue
		}
		var others, keyed []string
		for _, j := range rows {
			if j != i {
				others = append(others, fmt.Sprintf("ELEVE_ID %s (ligne %d)", p.rows[j].EleveID, p.rows[j].Line))
				keyed = append(keyed, fmt.Sprintf("%s:%d", p.rows[j].EleveID, p.rows[j].Line))
			}
		}
		p.warnings = append(p.warnings, Warning{EleveID: r.EleveID, Line: r.Line, Field: "ID_NATIONAL",
			Name: strings.TrimSpace(r.FirstName + " " + r.LastName), Class: r.Class,
			Message: "INE partagé avec " + strings.Join(others, ", ") + "\u00a0: inutilisable pour les transferts de ces élèves tant que SIECLE n’est pas corrigé",
			Key:     keyINEShared, Params: map[string]string{"others": strings.Join(keyed, ",")}})
	}
	for i := range p.rows {
		if r := &p.rows[i]; len(shared[r.Unqid]) > 0 {
			r.Unqid, r.INEStatus = "", "invalid"
		}
	}
}

// structures sets the class (the first structure of type D) and the groups of a
// student. Structures come after the students in SIECLE files, but order is not assumed:
// those of a student not read yet are kept until he is.
func (p *parsed) structures(id string, ss []siecle.Structure) {
	i, ok := p.index[id]
	if !ok {
		p.pending[id] = ss // his ELEVE may come later; if never, they are dropped
		return
	}
	r := &p.rows[i]
	var groups []string
	for _, x := range ss {
		switch x.Type {
		case siecle.StructureClass:
			if r.Class == "" {
				r.Class = x.Code
			}
		case siecle.StructureGroup:
			groups = append(groups, x.Code)
		}
	}
	sort.Strings(groups)
	r.Groups = strings.Join(groups, ",")
}

// Source is an uploaded or local file.
type Source struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// Siecle imports a SIECLE student export (XML or the ZIP SIECLE produces) into the
// establishment uai, on behalf of p (an administrator of it, or a platform admin).
func (s *Service) Siecle(ctx context.Context, p *authz.Principal, uai string, src Source, dryRun bool) (Report, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, authz.RoleAdmin)
	if err != nil {
		return Report{}, err
	}
	rep := Report{UAI: e.UAI, File: src.Name, DryRun: dryRun, StartedAt: s.now().UTC(), ActorLogin: p.Login,
		Warnings: []Warning{}, Absent: []Change{}}
	key, err := s.secrets.Get(ctx, secret.Unqid)
	if err != nil {
		return rep, err
	}
	mefs, err := student.MEFCodes(ctx, s.db, e.ID)
	if err != nil {
		return rep, err
	}
	rc, err := siecle.OpenReader(src.R, src.Size, s.MaxSize)
	if err != nil {
		return rep, apperr.Invalid("invalid_file", "%s: %v", src.Name, err)
	}
	defer rc.Close()
	file, err := read(rc, e.UAI, key, mefs, calendar.Date(s.now()))
	if err != nil {
		return rep, err
	}
	rep.Year, rep.InFile, rep.Refused = file.params.Year, len(file.rows)+len(file.refused), len(file.refused)
	rep.Warnings = append(rep.Warnings, file.warnings...)
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.apply(ctx, p, e, file, &rep, dryRun); err != nil {
			return err
		}
		rep.FinishedAt = s.now().UTC()
		if dryRun {
			return nil
		}
		// The history row and the audit event commit with the data, or not at all.
		return s.record(ctx, p, e, &rep)
	})
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}

// toRow turns a file record into the stored form; the INE is hashed here and dropped.
func toRow(st *siecle.Student, key []byte, today string) row {
	r := row{Line: st.Line, Record: student.Record{EleveID: st.EleveID, Elenoet: st.Elenoet, LastName: st.LastName, UsageName: st.UsageName,
		FirstName: st.FirstName, FirstName2: st.FirstName2, FirstName3: st.FirstName3, BirthDate: st.BirthDate.String(),
		Sex: st.Sex, MEF: string(st.MEF), EntryDate: st.EntryDate.String(), ExitDate: st.ExitDate.String(),
		ExitReason: st.MotifSortie, PreviousUAI: st.PreviousUAI, Status: student.StatusActive}}
	switch {
	case st.INE.IsZero():
		r.INEStatus = "missing"
	default:
		r.Unqid = Unqid(key, st.INE)
		switch _, err := siecle.CheckINE(st.INE); {
		case err != nil:
			r.INEStatus = "invalid"
		case st.INEKind == siecle.INEBEA:
			r.INEStatus = "ok"
		default:
			r.INEStatus = "unchecked"
		}
	}
	// A student leaves on his exit date: a date still to come keeps him active until an
	// import after it.
	if r.ExitDate != "" && r.ExitDate <= today {
		r.Status = student.StatusDeactivated
	}
	return r
}

// Unqid is the keyed, irreversible hash of an INE that identifies a student across
// establishments (HMAC-SHA-256 of the normalised INE).
func Unqid(key []byte, ine siecle.INE) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ine.Reveal()))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) load(ctx context.Context, establishmentID int64) (map[string]*existing, error) {
	out := map[string]*existing{}
	err := student.EachStored(ctx, s.db, establishmentID, func(x student.Stored) error {
		out[x.EleveID] = &existing{Stored: x}
		return nil
	})
	return out, err
}

// apply compares the file with the stored students and writes the difference.
func (s *Service) apply(ctx context.Context, p *authz.Principal, e establishment.Establishment, file *parsed, rep *Report, dryRun bool) error {
	stored, err := s.load(ctx, e.ID)
	if err != nil {
		return err
	}
	incoming := file.rows
	for i := range incoming {
		if old, ok := stored[incoming[i].EleveID]; ok {
			old.seen = true
		}
	}
	// A refused student is in the file: he is kept as he is, not listed as absent.
	for _, id := range file.refused {
		if old, ok := stored[id]; ok {
			old.seen = true
		}
	}
	heldINEs(stored, incoming, rep)
	now := s.now()
	var creates []*row
	var updates []student.Update
	var reactivated []reactivation
	for i := range incoming {
		in := &incoming[i]
		old, ok := stored[in.EleveID]
		if ok {
			old.seen = true
		}
		if !ok {
			creates = append(creates, in)
			rep.Created++
			rep.list(&rep.Changes.Created, Change{EleveID: in.EleveID, Name: in.Name(), Class: in.Class})
			continue
		}
		a, b := old.Strings(), in.Strings()
		var changed []string
		for j := range a {
			if a[j] != b[j] {
				changed = append(changed, student.RecordFields[j])
			}
		}
		if len(changed) == 0 {
			rep.Unchanged++
			continue
		}
		c := Change{EleveID: in.EleveID, Name: in.Name(), Class: in.Class, Fields: changed}
		switch {
		case old.Status == student.StatusActive && in.Status == student.StatusDeactivated:
			rep.Deactivated++
			rep.list(&rep.Changes.Deactivated, c)
		case old.Status == student.StatusDeactivated && in.Status == student.StatusActive:
			reactivated = append(reactivated, reactivation{old.ID, in})
			rep.Reactivated++
			rep.list(&rep.Changes.Reactivated, c)
		default:
			rep.Updated++
			rep.list(&rep.Changes.Updated, c)
		}
		updates = append(updates, student.Update{ID: old.ID, Old: &old.Record, New: &in.Record})
	}
	for id, old := range stored {
		if !old.seen {
			rep.Absent = append(rep.Absent, Change{EleveID: id, Name: old.Name(), Class: old.Class})
		}
	}
	if err := s.warnMovedAway(ctx, e.ID, rep, reactivated); err != nil {
		return err
	}
	sort.Slice(rep.Absent, func(i, j int) bool { return rep.Absent[i].EleveID < rep.Absent[j].EleveID })
	if dryRun {
		return nil
	}

	// New students: their accounts first (pending, no link yet), then the rows; the
	// index of deactivated students follows (student.Apply).
	people := make([]account.Person, len(creates))
	for i, c := range creates {
		people[i] = account.Person{FirstName: c.FirstName, LastName: c.LastName}
	}
	accs, err := s.accounts.CreateMany(ctx, p.Actor(), authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID, UAI: e.UAI}, people)
	if err != nil {
		return err
	}
	rep.AccountsCreated = len(accs)
	news := make([]student.Insert, len(creates))
	for i, c := range creates {
		news[i] = student.Insert{Record: &c.Record, AccountID: accs[i].ID, NouvelEleve: student.NouvelRecent}
	}
	ids, err := student.Apply(ctx, s.db, e, news, updates, now)
	if err != nil || s.Placements == nil {
		return err
	}
	// The year's classes and enrolments follow the file (every student of it that was
	// not refused: new, changed or unchanged).
	created := make(map[*row]int64, len(creates))
	for i, c := range creates {
		created[c] = ids[i]
	}
	list := make([]student.Placement, 0, len(incoming))
	for i := range incoming {
		in := &incoming[i]
		id := created[in]
		if old, ok := stored[in.EleveID]; ok {
			id = old.ID
		}
		if id == 0 {
			continue
		}
		list = append(list, student.Placement{StudentID: id, Class: in.Class, Groups: in.Groups, MEF: in.MEF,
			Active: in.Status == student.StatusActive, ExitDate: in.ExitDate, ExitReason: in.ExitReason})
	}
	return s.Placements(ctx, e.ID, file.params.Year, list)
}

// heldINEs makes unusable for transfers the INE of a student of the file that an active
// student of the establishment already holds, stored and absent from the file: the same
// INE would name two people of the establishment. The stored student is not changed (the
// file does not mention him); the warning names him.
func heldINEs(stored map[string]*existing, incoming []row, rep *Report) {
	var held map[string]*existing
	for _, old := range stored {
		if !old.seen && old.Status == student.StatusActive && old.Unqid != "" {
			if held == nil {
				held = map[string]*existing{}
			}
			held[old.Unqid] = old
		}
	}
	if held == nil {
		return
	}
	for i := range incoming {
		in := &incoming[i]
		old, ok := held[in.Unqid]
		if !ok || in.Unqid == "" {
			continue
		}
		rep.Warnings = append(rep.Warnings, Warning{EleveID: in.EleveID, Line: in.Line, Field: "ID_NATIONAL",
			Name: strings.TrimSpace(in.FirstName + " " + in.LastName), Class: in.Class,
			Message: fmt.Sprintf("INE déjà porté par l’élève ELEVE_ID %s (%s), actif dans l’établissement et absent de ce fichier\u00a0: inutilisable pour les transferts tant que SIECLE n’est pas corrigé",
				old.EleveID, old.Name()),
			Key: "imports.warning.ine_taken", Params: map[string]string{"eleve_id": old.EleveID, "name": old.Name()}})
		in.Unqid, in.INEStatus = "", "invalid"
	}
}

// record stores the import in the history and the audit trail.
func (s *Service) record(ctx context.Context, p *authz.Principal, e establishment.Establishment, rep *Report) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	{
		err := s.db.QueryRow(ctx, `INSERT INTO imports (establishment_id, kind, file_name, actor_id, actor_login, started_at, finished_at,
			created, updated, deactivated, reactivated, unchanged, absent, warnings, report)
			VALUES ($1, 'siecle', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			e.ID, rep.File, audit.ID(p.AccountID), p.Login, rep.StartedAt, rep.FinishedAt, rep.Created, rep.Updated, rep.Deactivated,
			rep.Reactivated, rep.Unchanged, len(rep.Absent), len(rep.Warnings), string(b)).Scan(&rep.ImportID)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.ImportRun, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"import_id": rep.ImportID, "kind": "siecle", "file": rep.File,
				"created": rep.Created, "updated": rep.Updated, "deactivated": rep.Deactivated, "reactivated": rep.Reactivated,
				"unchanged": rep.Unchanged, "absent": len(rep.Absent), "warnings": len(rep.Warnings), "accounts_created": rep.AccountsCreated}})
	}
}

// reactivation is a student the file brings back: his stored id and his row.
type reactivation struct {
	id int64
	in *row
}

// warnMovedAway warns, for each student the import reactivates whose records a transfer
// already took to another establishment, that reactivating him does not bring them back.
func (s *Service) warnMovedAway(ctx context.Context, establishmentID int64, rep *Report, reactivated []reactivation) error {
	if s.MovedAway == nil || len(reactivated) == 0 {
		return nil
	}
	ids := make([]int64, len(reactivated))
	for i, r := range reactivated {
		ids[i] = r.id
	}
	moved, err := s.MovedAway(ctx, establishmentID, ids)
	if err != nil {
		return err
	}
	for _, r := range reactivated {
		to, ok := moved[r.id]
		if !ok {
			continue
		}
		rep.Warnings = append(rep.Warnings, Warning{EleveID: r.in.EleveID, Line: r.in.Line, Field: "DATE_SORTIE",
			Name: strings.TrimSpace(r.in.FirstName + " " + r.in.LastName), Class: r.in.Class,
			Message: fmt.Sprintf("élève réactivé alors que son dossier a déjà été transféré à l'établissement %s : ses évaluations et situations n'y reviennent pas ; vérifier SIECLE", to),
			Key:     "imports.warning.reactivated_moved", Params: map[string]string{"uai": to}})
	}
	return nil
}
