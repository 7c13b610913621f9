package highered

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/student"
)

// The fields of a registrar export, in the order of the template.
var RegistrarFields = []string{"student_number", "last_name", "first_name", "birth_date", "email", "programme", "cohort", "year"}

// defaultHeaders are the headers recognised without a mapping (lower case, accents
// removed), per field.
var defaultHeaders = map[string][]string{
	"student_number": {"numero etudiant", "n etudiant", "numero", "student number", "student_number", "ine"},
	"last_name":      {"nom", "last name", "last_name", "nom de famille"},
	"first_name":     {"prenom", "first name", "first_name"},
	"birth_date":     {"date de naissance", "naissance", "birth date", "birth_date"},
	"email":          {"email", "e-mail", "courriel", "mail"},
	"programme":      {"formation", "programme", "code formation"},
	"cohort":         {"promotion", "cohorte", "cohort", "promo"},
	"year":           {"annee", "annee d'etude", "year", "annee d'etudes", "year of study"},
}

// Limits of a registrar file (docs/limits.md).
const (
	MaxRegistrarRows    = 50000
	MaxRegistrarColumns = 100
	MaxRegistrarCell    = 320
	maxListed           = 500
)

// RegistrarSource is an uploaded registrar export (CSV or XLSX, told from the content).
type RegistrarSource struct {
	Name string
	R    io.Reader
	Size int64
}

// RegistrarOptions say how to read and apply a registrar export.
type RegistrarOptions struct {
	// Mapping gives, per field, the header of its column; nil uses the establishment's
	// remembered mapping, then the usual headers. A mapping used by an applied import is
	// remembered.
	Mapping map[string]string
	// Full says the file lists every student of the establishment: the active students
	// it does not mention are deactivated.
	Full   bool
	DryRun bool
}

// RegistrarWarning is a remark on a cell: the row (1 is the header) and the field.
type RegistrarWarning struct {
	Row    int               `json:"row"`
	Field  string            `json:"field"`
	Key    string            `json:"key"`
	Params map[string]string `json:"params,omitempty"`
}

// RegistrarChange is one student the import creates, updates or deactivates.
type RegistrarChange struct {
	StudentNumber string   `json:"student_number"`
	Name          string   `json:"name"`
	Fields        []string `json:"fields,omitempty"`
}

// RegistrarReport tells what an import did (or would do, for a dry run).
type RegistrarReport struct {
	UAI         string `json:"uai"`
	File        string `json:"file"`
	DryRun      bool   `json:"dry_run"`
	Rows        int    `json:"rows"`
	Created     int    `json:"created"`
	Updated     int    `json:"updated"`
	Unchanged   int    `json:"unchanged"`
	Deactivated int    `json:"deactivated"`
	// Addresses counts the students' e-mail addresses given to notify (new or changed).
	Addresses       int                `json:"addresses"`
	Rejected        int                `json:"rejected"`
	AccountsCreated int                `json:"accounts_created"`
	Mapping         map[string]string  `json:"mapping"`
	Warnings        []RegistrarWarning `json:"warnings"`
	Changes         struct {
		Created     []RegistrarChange `json:"created"`
		Updated     []RegistrarChange `json:"updated"`
		Deactivated []RegistrarChange `json:"deactivated"`
		Truncated   bool              `json:"truncated,omitempty"`
	} `json:"changes"`
}

func (r *RegistrarReport) list(to *[]RegistrarChange, c RegistrarChange) {
	if len(*to) >= maxListed {
		r.Changes.Truncated = true
		return
	}
	*to = append(*to, c)
}

func (r *RegistrarReport) warn(row int, field, key string, params map[string]string) {
	r.Warnings = append(r.Warnings, RegistrarWarning{Row: row, Field: field, Key: key, Params: params})
}

// regRow is a valid row of the file.
type regRow struct {
	row    int
	rec    student.Record
	email  string
	cohort Cohort
	year   int
}

// Registrar imports the registrar's export into the establishment: students (by
// student number), their cohort, year of study and e-mail; new students get their
// account (pending: letters). Rows with an error are reported (row and field) and left
// out; the rest is applied in one transaction (nothing for a dry run); a re-run of the
// same file changes nothing. With Full, the active students the file does not mention
// are deactivated. The office and the establishment's administrators import.
func (s *Service) Registrar(ctx context.Context, p *authz.Principal, uai string, src RegistrarSource, o RegistrarOptions) (RegistrarReport, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return RegistrarReport{}, err
	}
	rep := RegistrarReport{UAI: e.UAI, File: src.Name, DryRun: o.DryRun, Warnings: []RegistrarWarning{}}
	rep.Changes.Created, rep.Changes.Updated, rep.Changes.Deactivated = []RegistrarChange{}, []RegistrarChange{}, []RegistrarChange{}
	table, err := ReadTable(src.R, src.Size)
	if err != nil {
		return rep, err
	}
	if len(table) == 0 {
		return rep, apperr.Invalid("empty_file", "%s is empty", src.Name)
	}
	mapping := o.Mapping
	if mapping == nil {
		if saved, err := s.Mapping(ctx, e.ID); err != nil {
			return rep, err
		} else if saved != "" {
			if err := json.Unmarshal([]byte(saved), &mapping); err != nil {
				mapping = nil
			}
		}
	}
	cols, used, err := columns(table[0], mapping)
	if err != nil {
		return rep, err
	}
	rep.Mapping = used
	cohorts := map[string]*Cohort{}
	progs, err := s.programmes(ctx, e.ID)
	if err != nil {
		return rep, err
	}
	progCodes := map[string]bool{}
	for _, pr := range progs {
		progCodes[pr.Code] = true
	}
	var rows []regRow
	seen := map[string]int{}
	for i, cells := range table[1:] {
		n := i + 2
		get := func(f string) string {
			c, ok := cols[f]
			if !ok || c >= len(cells) {
				return ""
			}
			return strings.TrimSpace(cells[c])
		}
		if strings.TrimSpace(strings.Join(cells, "")) == "" {
			continue
		}
		rep.Rows++
		ok := true
		bad := func(field, key string, params map[string]string) {
			rep.warn(n, field, key, params)
			ok = false
		}
		r := regRow{row: n}
		r.rec.EleveID = get("student_number")
		r.rec.LastName, r.rec.FirstName = get("last_name"), get("first_name")
		for _, f := range []struct{ name, v string }{{"student_number", r.rec.EleveID}, {"last_name", r.rec.LastName}, {"first_name", r.rec.FirstName}} {
			if f.v == "" {
				bad(f.name, "registrar.warning.missing", nil)
			}
		}
		if prev, dup := seen[r.rec.EleveID]; dup && r.rec.EleveID != "" {
			bad("student_number", "registrar.warning.duplicate", map[string]string{"row": strconv.Itoa(prev)})
		}
		seen[r.rec.EleveID] = n
		if b := get("birth_date"); b != "" {
			d, err := parseBirth(b)
			if err != nil {
				bad("birth_date", "registrar.warning.date", map[string]string{"value": b})
			}
			r.rec.BirthDate = d
		}
		if m := get("email"); m != "" {
			a, err := mail.ParseAddress(m)
			if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
				bad("email", "registrar.warning.email", map[string]string{"value": m})
			} else {
				r.email = strings.ToLower(a.Address)
			}
		}
		prog := get("programme")
		if !progCodes[prog] {
			bad("programme", "registrar.warning.programme", map[string]string{"value": prog})
		}
		code := get("cohort")
		c, known := cohorts[code]
		if !known {
			x, err := s.CohortByCode(ctx, e.ID, code)
			switch {
			case err == nil:
				c = &x
			case apperr.KindOf(err) != apperr.KindNotFound:
				return rep, err
			}
			cohorts[code] = c
		}
		switch {
		case c == nil:
			bad("cohort", "registrar.warning.cohort", map[string]string{"value": code})
		case prog != "" && c.ProgrammeCode != prog && progCodes[prog]:
			bad("cohort", "registrar.warning.cohort_programme", map[string]string{"value": code, "programme": prog})
		default:
			r.cohort = *c
		}
		y, err := strconv.Atoi(get("year"))
		if err != nil || y < 1 || y > 10 {
			bad("year", "registrar.warning.year", map[string]string{"value": get("year")})
		}
		r.year = y
		for _, f := range []struct{ name, v string }{{"student_number", r.rec.EleveID}, {"last_name", r.rec.LastName}, {"first_name", r.rec.FirstName}} {
			if utf8.RuneCountInString(f.v) > 100 {
				bad(f.name, "registrar.warning.too_long", map[string]string{"max": "100"})
			}
		}
		if !ok {
			rep.Rejected++
			continue
		}
		r.rec.MEF, r.rec.Class, r.rec.Groups = prog, strconv.Itoa(y)+"A", c.Code
		r.rec.Status, r.rec.INEStatus = student.StatusActive, "missing"
		rows = append(rows, r)
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.applyRegistrar(ctx, p, e, rows, o, &rep); err != nil {
			return err
		}
		if o.DryRun {
			return nil
		}
		b, _ := json.Marshal(used)
		if err := s.SetMapping(ctx, e.ID, string(b)); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.RegistrarImportRun, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"file": src.Name, "rows": rep.Rows, "created": rep.Created, "updated": rep.Updated,
				"deactivated": rep.Deactivated, "rejected": rep.Rejected, "full": o.Full}})
	})
	if err != nil {
		return RegistrarReport{}, err
	}
	return rep, nil
}

func (s *Service) applyRegistrar(ctx context.Context, p *authz.Principal, e establishment.Establishment, rows []regRow, o RegistrarOptions, rep *RegistrarReport) error {
	stored := map[string]student.Stored{}
	if err := student.EachStored(ctx, s.db, e.ID, func(x student.Stored) error {
		stored[x.EleveID] = x
		return nil
	}); err != nil {
		return err
	}
	members, err := s.MembersOf(ctx, e.ID)
	if err != nil {
		return err
	}
	var creates []regRow
	var updates []student.Update
	var moves []Member
	type address struct {
		account int64
		email   string
	}
	var addresses []address
	inFile := map[string]bool{}
	for i := range rows {
		r := &rows[i]
		inFile[r.rec.EleveID] = true
		old, ok := stored[r.rec.EleveID]
		if !ok {
			creates = append(creates, *r)
			rep.Created++
			rep.list(&rep.Changes.Created, RegistrarChange{StudentNumber: r.rec.EleveID, Name: r.rec.Name()})
			continue
		}
		// What the registrar does not give is kept as stored.
		in := old.Record
		in.LastName, in.FirstName, in.MEF, in.Class, in.Groups, in.Status = r.rec.LastName, r.rec.FirstName, r.rec.MEF, r.rec.Class, r.rec.Groups, student.StatusActive
		in.ExitDate, in.ExitReason = "", ""
		if r.rec.BirthDate != "" {
			in.BirthDate = r.rec.BirthDate
		}
		var changed []string
		a, b := old.Record.Strings(), in.Strings()
		for j := range a {
			if a[j] != b[j] {
				changed = append(changed, student.RecordFields[j])
			}
		}
		m, member := members[old.ID]
		if !member || m.CohortID != r.cohort.ID || m.YearOfStudy != r.year || m.Email != r.email {
			changed = append(changed, "cohort")
			moves = append(moves, Member{StudentID: old.ID, CohortID: r.cohort.ID, YearOfStudy: r.year, Email: r.email})
			if r.email != "" && r.email != m.Email && old.AccountID.Valid {
				addresses = append(addresses, address{old.AccountID.Int64, r.email})
			}
		}
		if len(changed) == 0 {
			rep.Unchanged++
			continue
		}
		rep.Updated++
		rep.list(&rep.Changes.Updated, RegistrarChange{StudentNumber: r.rec.EleveID, Name: r.rec.Name(), Fields: changed})
		if len(changed) > 1 || changed[0] != "cohort" {
			rec := in
			o := old.Record
			updates = append(updates, student.Update{ID: old.ID, Old: &o, New: &rec})
		}
	}
	if o.Full {
		today := calendar.Date(s.now())
		numbers := make([]string, 0)
		for id, old := range stored {
			if !inFile[id] && old.Status == student.StatusActive {
				numbers = append(numbers, id)
			}
		}
		sort.Strings(numbers)
		for _, id := range numbers {
			old := stored[id]
			in := old.Record
			in.Status, in.ExitDate, in.ExitReason = student.StatusDeactivated, today, "registrar"
			o := old.Record
			updates = append(updates, student.Update{ID: old.ID, Old: &o, New: &in})
			rep.Deactivated++
			rep.list(&rep.Changes.Deactivated, RegistrarChange{StudentNumber: id, Name: old.Name()})
		}
	}
	if o.DryRun {
		return nil
	}
	people := make([]account.Person, len(creates))
	for i, c := range creates {
		people[i] = account.Person{FirstName: c.rec.FirstName, LastName: c.rec.LastName}
	}
	accs, err := s.Accounts.CreateMany(ctx, p.Actor(), authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID, UAI: e.UAI}, people)
	if err != nil {
		return err
	}
	rep.AccountsCreated = len(accs)
	news := make([]student.Insert, len(creates))
	for i := range creates {
		news[i] = student.Insert{Record: &creates[i].rec, AccountID: accs[i].ID, NouvelEleve: "0"}
	}
	ids, err := student.Apply(ctx, s.db, e, news, updates, s.now())
	if err != nil {
		return err
	}
	for i, c := range creates {
		moves = append(moves, Member{StudentID: ids[i], CohortID: c.cohort.ID, YearOfStudy: c.year, Email: c.email})
		if c.email != "" {
			addresses = append(addresses, address{accs[i].ID, c.email})
		}
	}
	if err := s.SetMembers(ctx, e.ID, moves); err != nil {
		return err
	}
	if s.Addresses != nil {
		for _, a := range addresses {
			if err := s.Addresses.SetAddress(ctx, a.account, a.email); err != nil {
				return err
			}
		}
		rep.Addresses = len(addresses)
	}
	if s.OnJoin != nil {
		byCohort := map[int64][]int64{}
		for _, m := range moves {
			byCohort[m.CohortID] = append(byCohort[m.CohortID], m.StudentID)
		}
		for c, ids := range byCohort {
			if err := s.OnJoin(ctx, e.ID, c, ids); err != nil {
				return err
			}
		}
	}
	return nil
}

// columns finds the column of each field: from the mapping (field -> header), else
// from the usual headers. Every field needs a column; used is the mapping applied.
func columns(header []string, mapping map[string]string) (map[string]int, map[string]string, error) {
	norm := func(s string) string {
		return strings.Join(strings.Fields(fold(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))), " ")
	}
	index := map[string]int{}
	for i, h := range header {
		if _, dup := index[norm(h)]; !dup {
			index[norm(h)] = i
		}
	}
	cols, used := map[string]int{}, map[string]string{}
	var missing []string
	for _, f := range RegistrarFields {
		if h, ok := mapping[f]; ok && h != "" {
			if i, found := index[norm(h)]; found {
				cols[f], used[f] = i, header[i]
				continue
			}
		}
		for _, h := range defaultHeaders[f] {
			if i, found := index[h]; found {
				cols[f], used[f] = i, header[i]
				break
			}
		}
		if _, ok := cols[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, nil, apperr.Invalid("registrar_columns", "no column for %s: map them to the file's headers", strings.Join(missing, ", ")).
			With("fields", strings.Join(missing, ", "))
	}
	return cols, used, nil
}

// fold lowers s and removes the French accents.
func fold(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "î", "i", "ï", "i", "ô", "o", "û", "u", "ù", "u", "ç", "c", "°", "").
		Replace(strings.ToLower(s))
}

// parseBirth reads a birth date written DD/MM/YYYY or YYYY-MM-DD.
func parseBirth(s string) (string, error) {
	for _, layout := range []string{"02/01/2006", "2/1/2006", calendar.DateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(calendar.DateLayout), nil
		}
	}
	return "", fmt.Errorf("date %q", s)
}

// ReadTable reads a CSV (comma or semicolon, UTF-8 with or without BOM) or the first
// sheet of an XLSX workbook (told from the content) into rows of cells, within the
// registrar limits.
func ReadTable(r io.Reader, size int64) ([][]string, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return readXLSX(br)
	}
	return readCSV(br)
}

func readCSV(br *bufio.Reader) ([][]string, error) {
	first, _ := br.Peek(4096)
	line, _, _ := bytes.Cut(first, []byte("\n"))
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		cr.Comma = ';'
	}
	var out [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, apperr.Invalid("invalid_csv", "CSV: %v", err)
		}
		if err := checkRow(len(out)+1, rec); err != nil {
			return nil, err
		}
		if len(out) >= MaxRegistrarRows+1 {
			return nil, apperr.TooManyItems("rows", MaxRegistrarRows)
		}
		out = append(out, rec)
	}
	if len(out) > 0 && len(out[0]) > 0 {
		out[0][0] = strings.TrimPrefix(out[0][0], "\ufeff")
	}
	return out, nil
}

func checkRow(n int, rec []string) error {
	if len(rec) > MaxRegistrarColumns {
		return apperr.TooManyItems("columns", MaxRegistrarColumns)
	}
	for _, c := range rec {
		if len(c) > MaxRegistrarCell*4 || utf8.RuneCountInString(c) > MaxRegistrarCell {
			return apperr.Invalid("cell_too_long", "row %d: a cell is longer than %d characters", n, MaxRegistrarCell).
				With("row", n).With("max", MaxRegistrarCell)
		}
	}
	return nil
}

func readXLSX(r io.Reader) ([][]string, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, apperr.Invalid("invalid_xlsx", "XLSX: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, apperr.Invalid("invalid_xlsx", "XLSX: %v", err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		rec, err := rows.Columns()
		if err != nil {
			return nil, apperr.Invalid("invalid_xlsx", "XLSX: %v", err)
		}
		if err := checkRow(len(out)+1, rec); err != nil {
			return nil, err
		}
		if len(out) >= MaxRegistrarRows+1 {
			return nil, apperr.TooManyItems("rows", MaxRegistrarRows)
		}
		out = append(out, rec)
	}
	return out, rows.Error()
}

// ParseMapping reads a column mapping written "field=header", one a line (or separated
// by semicolons): student_number=N° INE, last_name=NOM… An empty text is no mapping.
func ParseMapping(text string) (map[string]string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	known := map[string]bool{}
	for _, f := range RegistrarFields {
		known[f] = true
	}
	out := map[string]string{}
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ';' }) {
		field, header, ok := strings.Cut(part, "=")
		field, header = strings.TrimSpace(field), strings.TrimSpace(header)
		if field == "" && header == "" {
			continue
		}
		if !ok || !known[field] || header == "" || len(header) > MaxRegistrarCell {
			return nil, apperr.Invalid("invalid_mapping", "mapping %q: write field=header, with a field among %s", part, strings.Join(RegistrarFields, ", ")).
				With("value", strings.TrimSpace(part))
		}
		out[field] = header
	}
	return out, nil
}
