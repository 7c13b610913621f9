package agreement

import (
	"context"
	"database/sql"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/student"
)

// Unit is a teaching unit (UE/ELP) of a programme's catalogue for a year.
type Unit struct {
	Year          int      `json:"year"`
	Programme     string   `json:"programme"`
	Step          string   `json:"step"`
	StepVersion   string   `json:"step_version"`
	Semester      int      `json:"semester"`
	Code          string   `json:"code"`
	Label         string   `json:"label"`
	ECTS          Tenths   `json:"ects"`
	Kind          string   `json:"kind"`
	Capacity      int      `json:"capacity"`
	Prerequisites []string `json:"prerequisites"`
	programmeID   int64
}

func (u Unit) same(o Unit) bool {
	return u.Step == o.Step && u.StepVersion == o.StepVersion && u.Semester == o.Semester && u.Label == o.Label && u.ECTS == o.ECTS &&
		u.Kind == o.Kind && u.Capacity == o.Capacity && slices.Equal(u.Prerequisites, o.Prerequisites)
}

// UnitKinds are the kinds of units.
var UnitKinds = []string{"mandatory", "optional", "free"}

// The columns of the catalogue file (docs/agreements.md), with the headers recognised.
var catalogueColumns = []column{
	{"year", []string{"annee", "year", "annee universitaire"}, true},
	{"programme", []string{"formation", "programme", "code formation"}, true},
	{"step", []string{"etape", "step", "code etape"}, true},
	{"step_version", []string{"version etape", "vet", "step version", "step_version", "version"}, false},
	{"semester", []string{"semestre", "semester"}, true},
	{"code", []string{"code", "code ue", "code elp", "unit", "unit code"}, true},
	{"label", []string{"libelle", "intitule", "label"}, true},
	{"ects", []string{"ects", "credits"}, true},
	{"kind", []string{"nature", "type", "kind"}, true},
	{"capacity", []string{"capacite", "capacity"}, false},
	{"prerequisites", []string{"prerequis", "prerequisites"}, false},
}

// The columns of the IP file.
var enrolmentColumns = []column{
	{"year", []string{"annee", "year", "annee universitaire"}, true},
	{"student_number", []string{"numero etudiant", "n etudiant", "student number", "student_number", "numero"}, true},
	{"programme", []string{"formation", "programme", "code formation"}, true},
	{"step", []string{"etape", "step", "code etape"}, true},
	{"step_version", []string{"version etape", "vet", "step version", "step_version", "version"}, false},
	{"unit_code", []string{"code ue", "code elp", "unit", "unit code", "unit_code", "code"}, true},
	{"result", []string{"resultat", "result", "acquis"}, false},
}

type column struct {
	field    string
	headers  []string
	required bool
}

// RowError is an error of an imported file: the row (1 is the header) and the field.
type RowError struct {
	Row    int               `json:"row"`
	Field  string            `json:"field"`
	Key    string            `json:"key"`
	Params map[string]string `json:"params,omitempty"`
}

// ImportReport tells what an import did, or would do (dry run): the rows, the diff
// (created, updated, removed, unchanged) and the errors by row and field. A file with
// an error applies nothing.
type ImportReport struct {
	File      string     `json:"file"`
	DryRun    bool       `json:"dry_run"`
	Rows      int        `json:"rows"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Removed   int        `json:"removed"`
	Unchanged int        `json:"unchanged"`
	Errors    []RowError `json:"errors"`
	// Changes lists the first changes ("+ code", "~ code", "- code").
	Changes   []string `json:"changes"`
	Truncated bool     `json:"truncated,omitempty"`
}

func (r *ImportReport) fail(row int, field, key string, params map[string]string) {
	if len(r.Errors) < maxListedChange {
		r.Errors = append(r.Errors, RowError{Row: row, Field: field, Key: key, Params: params})
	}
}

func (r *ImportReport) change(s string) {
	if len(r.Changes) >= maxListedChange {
		r.Truncated = true
		return
	}
	r.Changes = append(r.Changes, s)
}

// errImport is returned with a report that has errors: nothing was applied.
func errImport(r *ImportReport) error {
	return apperr.Invalid("import_errors", "%d error(s) in the file: nothing was applied", len(r.Errors)).With("count", len(r.Errors))
}

// Source is an uploaded file (CSV or XLSX, told from the content).
type Source struct {
	Name string
	R    io.Reader
	Size int64
}

// read reads the table of a source and finds its columns.
func read(src Source, cols []column) ([][]string, map[string]int, error) {
	if src.Size > MaxImportBytes {
		return nil, nil, apperr.TooLarge("too_large", "%s is larger than %d MiB", src.Name, MaxImportBytes>>20)
	}
	table, err := highered.ReadTable(io.LimitReader(src.R, MaxImportBytes+1), src.Size)
	if err != nil {
		return nil, nil, err
	}
	if len(table) == 0 {
		return nil, nil, apperr.Invalid("empty_file", "the file is empty")
	}
	if len(table)-1 > MaxImportRows {
		return nil, nil, apperr.TooManyItems("rows", MaxImportRows)
	}
	idx := map[string]int{}
	for i, h := range table[0] {
		f := fold(h)
		for _, c := range cols {
			if _, done := idx[c.field]; !done && (f == c.field || slices.Contains(c.headers, f)) {
				idx[c.field] = i
				break
			}
		}
	}
	var missing []string
	for _, c := range cols {
		if _, ok := idx[c.field]; !ok && c.required {
			missing = append(missing, c.field)
		}
	}
	if len(missing) > 0 {
		return nil, nil, apperr.Invalid("registrar_columns", "no column for: %s", strings.Join(missing, ", ")).With("fields", strings.Join(missing, ", "))
	}
	return table[1:], idx, nil
}

// fold lowers a header and removes its accents and punctuation.
func fold(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "â", "a", "î", "i", "ô", "o", "û", "u", "ç", "c", "°", "", ".", "", "_", " ", "’", "'")
	return strings.Join(strings.Fields(r.Replace(s)), " ")
}

func cell(rec []string, idx map[string]int, field string) string {
	i, ok := idx[field]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func parseYear(s string) (int, bool) {
	// "2026" or "2026-2027".
	first, _, _ := strings.Cut(s, "-")
	y, err := strconv.Atoi(strings.TrimSpace(first))
	return y, err == nil && y >= 2000 && y <= 2100
}

// ImportCatalogue imports the course catalogue (CSV or XLSX): one row per unit with
// year, programme, step, step version, semester, code, label, ECTS, kind, capacity and
// prerequisites. Each (programme, year) the file names is replaced by the file's units
// (units it no longer lists are removed). Every row is checked first; a file with an
// error applies nothing; a dry run applies nothing and returns the diff; a re-run of
// the same file changes nothing. The office and administrators import.
func (s *Service) ImportCatalogue(ctx context.Context, p *authz.Principal, uai string, src Source, dryRun bool) (ImportReport, error) {
	rep := ImportReport{File: src.Name, DryRun: dryRun, Errors: []RowError{}, Changes: []string{}}
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return rep, err
	}
	rows, idx, err := read(src, catalogueColumns)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(rows)
	progs, err := s.highered.ProgrammesOf(ctx, e.ID)
	if err != nil {
		return rep, err
	}
	progID := map[string]int64{}
	for _, pr := range progs {
		progID[pr.Code] = pr.ID
	}
	type key struct {
		prog int64
		year int
	}
	file := map[key]map[string]Unit{}
	seen := map[string]int{}
	for i, rec := range rows {
		n := i + 2
		u := Unit{Programme: cell(rec, idx, "programme"), Step: cell(rec, idx, "step"), StepVersion: cell(rec, idx, "step_version"),
			Code: cell(rec, idx, "code"), Label: cell(rec, idx, "label"), Kind: cell(rec, idx, "kind"),
			Prerequisites: split(strings.ReplaceAll(cell(rec, idx, "prerequisites"), ",", " "))}
		ok := true
		bad := func(field, k string, params map[string]string) {
			rep.fail(n, field, k, params)
			ok = false
		}
		var y bool
		if u.Year, y = parseYear(cell(rec, idx, "year")); !y {
			bad("year", "agreement.error.year", map[string]string{"value": cell(rec, idx, "year")})
		}
		if u.programmeID = progID[u.Programme]; u.programmeID == 0 {
			bad("programme", "registrar.warning.programme", map[string]string{"value": u.Programme})
		}
		for _, f := range []struct {
			name string
			v    string
			max  int
		}{{"step", u.Step, 40}, {"code", u.Code, 40}, {"label", u.Label, 200}, {"step_version", u.StepVersion, 20}} {
			switch {
			case f.v == "" && f.name != "step_version":
				bad(f.name, "registrar.warning.missing", nil)
			case utf8.RuneCountInString(f.v) > f.max:
				bad(f.name, "registrar.warning.too_long", map[string]string{"max": strconv.Itoa(f.max)})
			case f.name != "label" && !identifier(f.v):
				bad(f.name, "agreement.error.identifier", map[string]string{"value": f.v})
			}
		}
		if sem, err := strconv.Atoi(cell(rec, idx, "semester")); err != nil || sem < 1 || sem > 12 {
			bad("semester", "agreement.error.semester", map[string]string{"value": cell(rec, idx, "semester")})
		} else {
			u.Semester = sem
		}
		if t, y := ParseTenths(cell(rec, idx, "ects")); !y {
			bad("ects", "agreement.error.ects", map[string]string{"value": cell(rec, idx, "ects")})
		} else {
			u.ECTS = t
		}
		u.Kind = kindOf(u.Kind)
		if u.Kind == "" {
			bad("kind", "agreement.error.kind", map[string]string{"value": cell(rec, idx, "kind")})
		}
		if c := cell(rec, idx, "capacity"); c != "" {
			if v, err := strconv.Atoi(c); err != nil || v < 0 || v > 100000 {
				bad("capacity", "agreement.error.capacity", map[string]string{"value": c})
			} else {
				u.Capacity = v
			}
		}
		if !ok {
			continue
		}
		k := key{u.programmeID, u.Year}
		dup := u.Programme + "\x00" + strconv.Itoa(u.Year) + "\x00" + u.Code
		if first, ok := seen[dup]; ok {
			rep.fail(n, "code", "agreement.error.duplicate", map[string]string{"row": strconv.Itoa(first)})
			continue
		}
		seen[dup] = n
		if file[k] == nil {
			file[k] = map[string]Unit{}
		}
		file[k][u.Code] = u
	}
	// Prerequisites name units of the same catalogue.
	for i, rec := range rows {
		y, _ := parseYear(cell(rec, idx, "year"))
		units := file[key{progID[cell(rec, idx, "programme")], y}]
		u, ok := units[cell(rec, idx, "code")]
		if !ok {
			continue
		}
		for _, pre := range u.Prerequisites {
			if _, ok := units[pre]; !ok {
				rep.fail(i+2, "prerequisites", "agreement.error.prerequisite", map[string]string{"value": pre})
			}
		}
	}
	if len(rep.Errors) > 0 {
		return rep, errImport(&rep)
	}
	keys := make([]key, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].prog < keys[j].prog || keys[i].prog == keys[j].prog && keys[i].year < keys[j].year
	})
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		now := s.now()
		for _, k := range keys {
			old, err := s.catalogue(ctx, k.prog, k.year)
			if err != nil {
				return err
			}
			codes := make([]string, 0, len(file[k]))
			for c := range file[k] {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			for _, c := range codes {
				u := file[k][c]
				o, had := old[c]
				switch {
				case !had:
					rep.Created++
					rep.change("+ " + u.Programme + " " + strconv.Itoa(u.Year) + " " + c)
				case !u.same(o):
					rep.Updated++
					rep.change("~ " + u.Programme + " " + strconv.Itoa(u.Year) + " " + c)
				default:
					rep.Unchanged++
					continue
				}
				if dryRun {
					continue
				}
				if _, err := s.db.Exec(ctx, `INSERT INTO agreement_units (establishment_id, programme_id, year, step, step_version, semester, code, label,
						ects, kind, capacity, prerequisites, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
					ON CONFLICT (programme_id, year, code) DO UPDATE SET step = excluded.step, step_version = excluded.step_version,
						semester = excluded.semester, label = excluded.label, ects = excluded.ects, kind = excluded.kind,
						capacity = excluded.capacity, prerequisites = excluded.prerequisites, updated_at = excluded.updated_at`,
					e.ID, k.prog, k.year, u.Step, u.StepVersion, u.Semester, c, u.Label, int(u.ECTS), u.Kind, u.Capacity,
					strings.Join(u.Prerequisites, " "), now); err != nil {
					return err
				}
			}
			for c, o := range old {
				if _, ok := file[k][c]; ok {
					continue
				}
				rep.Removed++
				rep.change("- " + o.Programme + " " + strconv.Itoa(k.year) + " " + c)
				if !dryRun {
					if _, err := s.db.Exec(ctx, `DELETE FROM agreement_units WHERE programme_id = $1 AND year = $2 AND code = $3`, k.prog, k.year, c); err != nil {
						return err
					}
				}
			}
		}
		if dryRun {
			return nil
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementCatalogueImport, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"file": src.Name, "rows": rep.Rows, "created": rep.Created, "updated": rep.Updated, "removed": rep.Removed}})
	})
	return rep, err
}

func kindOf(s string) string {
	switch fold(s) {
	case "mandatory", "obligatoire", "obl", "o":
		return "mandatory"
	case "optional", "optionnelle", "option", "opt", "f", "facultative":
		return "optional"
	case "free", "libre", "choix libre", "free choice", "l":
		return "free"
	}
	return ""
}

// catalogue returns the units of a programme for a year, by code.
func (s *Service) catalogue(ctx context.Context, programmeID int64, year int) (map[string]Unit, error) {
	out := map[string]Unit{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var u Unit
		var pre string
		err := rows.Scan(&u.Year, &u.Step, &u.StepVersion, &u.Semester, &u.Code, &u.Label, &u.ECTS, &u.Kind, &u.Capacity, &pre)
		u.Prerequisites, u.programmeID = split(pre), programmeID
		out[u.Code] = u
		return err
	}, `SELECT year, step, step_version, semester, code, label, ects, kind, capacity, prerequisites FROM agreement_units
		WHERE programme_id = $1 AND year = $2`, programmeID, year)
	return out, err
}

// Catalogue lists the units of a programme for a year, by semester and code: every
// role of the agreements reads it (the student chooses from it).
func (s *Service) Catalogue(ctx context.Context, p *authz.Principal, uai, programme string, year int) ([]Unit, error) {
	e, err := s.resolve(ctx, p, uai, everyone...)
	if err != nil {
		return nil, err
	}
	prog, err := s.programme(ctx, e.ID, programme)
	if err != nil {
		return nil, err
	}
	m, err := s.catalogue(ctx, prog.ID, year)
	if err != nil {
		return nil, err
	}
	out := make([]Unit, 0, len(m))
	for _, u := range m {
		u.Programme = prog.Code
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Semester < out[j].Semester || out[i].Semester == out[j].Semester && out[i].Code < out[j].Code
	})
	return out, nil
}

// ipRow is one unit of a student's pedagogical enrolment.
type ipRow struct {
	Step, StepVersion, UnitCode, Result string
}

func (s *Service) enrolment(ctx context.Context, e, studentID, programmeID int64, year int) ([]ipRow, error) {
	var out []ipRow
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var r ipRow
		err := rows.Scan(&r.Step, &r.StepVersion, &r.UnitCode, &r.Result)
		out = append(out, r)
		return err
	}, `SELECT step, step_version, unit_code, result FROM agreement_enrolments
		WHERE establishment_id = $1 AND student_id = $2 AND programme_id = $3 AND year = $4 ORDER BY unit_code`, e, studentID, programmeID, year)
	return out, err
}

// ImportEnrolments imports the pedagogical enrolments (IP) the registrar exports (CSV or
// XLSX, or the same CSV posted by an automated feed to the API): one row per student,
// year and unit (year, student number, programme, step, step version, unit code,
// result: "acquis"/"acquired" for a unit validated earlier). Each (student, year) the
// file names gets exactly the file's units. The units must be in the programme's
// catalogue of that year; a file with an error applies nothing; a dry run returns the
// diff; a re-run changes nothing.
func (s *Service) ImportEnrolments(ctx context.Context, p *authz.Principal, uai string, src Source, dryRun bool) (ImportReport, error) {
	rep := ImportReport{File: src.Name, DryRun: dryRun, Errors: []RowError{}, Changes: []string{}}
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return rep, err
	}
	rows, idx, err := read(src, enrolmentColumns)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(rows)
	progs, err := s.highered.ProgrammesOf(ctx, e.ID)
	if err != nil {
		return rep, err
	}
	progID := map[string]int64{}
	for _, pr := range progs {
		progID[pr.Code] = pr.ID
	}
	numbers := map[string]int64{}
	if err := student.EachStored(ctx, s.db, e.ID, func(x student.Stored) error {
		numbers[x.EleveID] = x.ID
		return nil
	}); err != nil {
		return rep, err
	}
	type key struct {
		student int64
		year    int
	}
	type ipLine struct {
		prog int64
		ipRow
	}
	cats := map[[2]int64]map[string]Unit{}
	file := map[key]map[string]ipLine{}
	seen := map[string]int{}
	for i, rec := range rows {
		n := i + 2
		ok := true
		bad := func(field, k string, params map[string]string) {
			rep.fail(n, field, k, params)
			ok = false
		}
		year, y := parseYear(cell(rec, idx, "year"))
		if !y {
			bad("year", "agreement.error.year", map[string]string{"value": cell(rec, idx, "year")})
		}
		num := cell(rec, idx, "student_number")
		sid := numbers[num]
		if sid == 0 {
			bad("student_number", "agreement.error.student", map[string]string{"value": num})
		}
		prog := progID[cell(rec, idx, "programme")]
		if prog == 0 {
			bad("programme", "registrar.warning.programme", map[string]string{"value": cell(rec, idx, "programme")})
		}
		r := ipRow{Step: cell(rec, idx, "step"), StepVersion: cell(rec, idx, "step_version"), UnitCode: cell(rec, idx, "unit_code")}
		switch res := fold(cell(rec, idx, "result")); res {
		case "":
		case "acquis", "acquired", "adm", "admis", "validated", "valide":
			r.Result = "acquired"
		default:
			bad("result", "agreement.error.result", map[string]string{"value": cell(rec, idx, "result")})
		}
		if r.Step == "" {
			bad("step", "registrar.warning.missing", nil)
		}
		for _, f := range [][2]string{{"step", r.Step}, {"step_version", r.StepVersion}, {"unit_code", r.UnitCode}} {
			if !identifier(f[1]) {
				bad(f[0], "agreement.error.identifier", map[string]string{"value": f[1]})
			}
		}
		if !ok {
			continue
		}
		ck := [2]int64{prog, int64(year)}
		if cats[ck] == nil {
			if cats[ck], err = s.catalogue(ctx, prog, year); err != nil {
				return rep, err
			}
		}
		if _, ok := cats[ck][r.UnitCode]; !ok {
			rep.fail(n, "unit_code", "agreement.error.unit", map[string]string{"value": r.UnitCode, "programme": cell(rec, idx, "programme"), "year": strconv.Itoa(year)})
			continue
		}
		dup := num + "\x00" + strconv.Itoa(year) + "\x00" + r.UnitCode
		if first, ok := seen[dup]; ok {
			rep.fail(n, "unit_code", "agreement.error.duplicate", map[string]string{"row": strconv.Itoa(first)})
			continue
		}
		seen[dup] = n
		k := key{sid, year}
		if file[k] == nil {
			file[k] = map[string]ipLine{}
		}
		file[k][r.UnitCode] = ipLine{prog, r}
	}
	if len(rep.Errors) > 0 {
		return rep, errImport(&rep)
	}
	keys := make([]key, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].student < keys[j].student || keys[i].student == keys[j].student && keys[i].year < keys[j].year
	})
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		now := s.now()
		for _, k := range keys {
			old := map[string]ipLine{}
			if err := s.db.Each(ctx, func(rows *sql.Rows) error {
				var l ipLine
				err := rows.Scan(&l.prog, &l.Step, &l.StepVersion, &l.UnitCode, &l.Result)
				old[l.UnitCode] = l
				return err
			}, `SELECT programme_id, step, step_version, unit_code, result FROM agreement_enrolments WHERE establishment_id = $1 AND student_id = $2 AND year = $3`,
				e.ID, k.student, k.year); err != nil {
				return err
			}
			codes := make([]string, 0, len(file[k]))
			for c := range file[k] {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			var upserts [][]any
			for _, c := range codes {
				l := file[k][c]
				o, had := old[c]
				switch {
				case !had:
					rep.Created++
					rep.change("+ " + strconv.FormatInt(k.student, 10) + " " + strconv.Itoa(k.year) + " " + c)
				case o != l:
					rep.Updated++
					rep.change("~ " + strconv.FormatInt(k.student, 10) + " " + strconv.Itoa(k.year) + " " + c)
				default:
					rep.Unchanged++
					continue
				}
				upserts = append(upserts, []any{e.ID, k.student, l.prog, k.year, l.Step, l.StepVersion, c, l.Result, now})
			}
			var removed []string
			for c := range old {
				if _, ok := file[k][c]; !ok {
					removed = append(removed, c)
				}
			}
			sort.Strings(removed)
			for _, c := range removed {
				rep.Removed++
				rep.change("- " + strconv.FormatInt(k.student, 10) + " " + strconv.Itoa(k.year) + " " + c)
			}
			if dryRun {
				continue
			}
			for _, c := range removed {
				if _, err := s.db.Exec(ctx, `DELETE FROM agreement_enrolments WHERE student_id = $1 AND year = $2 AND unit_code = $3`, k.student, k.year, c); err != nil {
					return err
				}
			}
			if len(upserts) > 0 {
				if err := s.db.InsertRowsOn(ctx, "agreement_enrolments", []string{"establishment_id", "student_id", "programme_id", "year", "step",
					"step_version", "unit_code", "result", "updated_at"}, upserts,
					`ON CONFLICT (student_id, year, unit_code) DO UPDATE SET programme_id = excluded.programme_id, step = excluded.step,
						step_version = excluded.step_version, result = excluded.result, updated_at = excluded.updated_at`, "", nil); err != nil {
					return err
				}
			}
		}
		if dryRun {
			return nil
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementEnrolmentImport, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"file": src.Name, "rows": rep.Rows, "created": rep.Created, "updated": rep.Updated, "removed": rep.Removed}})
	})
	return rep, err
}

// identifier tells a code the registrar's files can carry as it is: a step, a step
// version, a unit code. It starts with a letter or a digit and holds no control
// character, so the registrar file (read back by the registrar system, and opened in
// spreadsheets) never carries a cell a spreadsheet would run as a formula.
func identifier(v string) bool {
	if v == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(v)
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return false
	}
	for _, c := range v {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}
