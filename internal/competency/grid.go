package competency

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A grid CSV holds a class's results for one evaluation, one student per
// line, so that teachers can fill it in a spreadsheet:
//
//	# libellés;;;Analyser les conditions…;Organiser l'opération…;
//	# échelle;NA = Non acquis;EC = En cours d'acquisition;A = Acquis;M = Maîtrisé
//	eleve_id;nom;prenom;C1;C2;commentaire
//	123456;DUPONT;Léa;A;EC;Bon travail
//
// Lines starting with # are for people and skipped by the parser.

// Column names of a grid, as WriteGridCSV writes them.
const (
	colEleveID   = "eleve_id"
	colLastName  = "nom"
	colFirstName = "prenom"
	colComment   = "commentaire"
)

// GridStudent is a student of the class a grid is for.
type GridStudent struct {
	// ID is the student's id in the database: results are keyed by it.
	ID int64
	// EleveID is SIECLE's ELEVE_ID, the identifier the grid file carries:
	// stable, known to the school and meaningless outside it.
	EleveID   string
	LastName  string
	FirstName string
}

// Grid is a class's results for one evaluation.
type Grid struct {
	Referential *Referential
	// Students are written in this order.
	Students []GridStudent
	// Values maps a student's ID to competency codes to scale values; a
	// missing or empty value is written as an empty cell.
	Values map[int64]map[string]string
	// Comments maps a student's ID to the evaluation's comment for him.
	Comments map[int64]string
}

// maxGridProblems bounds the problems of one file: a class's grid has at
// most a few hundred cells, so more problems than that mean the file is
// not this evaluation's grid, and listing them all would only cost memory.
const maxGridProblems = 1000

// maxGridColumns bounds the columns of a grid header (a referential has
// at most 500 competencies): every accepted line is read column by column.
const maxGridColumns = 1000

// GridProblem is a cell or line of a grid file that was not taken. The rest
// of the file is.
type GridProblem struct {
	// Line is the line in the file, from 1.
	Line int
	// Column is the competency code, "eleve_id" or "commentaire", or the
	// spreadsheet column letter for a cell outside the named columns.
	Column string
	// Key says what is wrong: a message of the catalogue (internal/i18n,
	// "grid.problem.…"), written in the reader's language with Params.
	Key    string
	Params map[string]string
}

// WriteGridCSV writes a grid: a comment line with the competency labels
// above their columns and one with the scale, for the people who fill it;
// the header eleve_id;nom;prenom;<competency codes in referential
// order>;commentaire; one line per student. The file has the BOM,
// semicolons and CRLF line ends that Excel expects, and cells a spreadsheet
// would run as formulas are defused (see defuse).
func WriteGridCSV(w io.Writer, g *Grid) error {
	if g == nil || g.Referential == nil {
		return invalidf("grille sans référentiel")
	}
	ref := g.Referential
	cw := newCSVWriter(w)
	labels := []string{"", ""}
	header := []string{colEleveID, colLastName, colFirstName}
	for _, c := range ref.Competencies {
		labels = append(labels, c.Label)
		header = append(header, c.Code)
	}
	labels = append(labels, "")
	header = append(header, colComment)
	if err := cw.comment("# libellés", labels...); err != nil {
		return err
	}
	scale := make([]string, len(ref.Scale))
	for i, s := range ref.Scale {
		scale[i] = s.Value + " = " + s.Label
	}
	if err := cw.comment("# échelle", scale...); err != nil {
		return err
	}
	cw.record(header...)
	for _, st := range g.Students {
		row := []string{st.EleveID, st.LastName, st.FirstName}
		values := g.Values[st.ID]
		for _, c := range ref.Competencies {
			row = append(row, values[c.Code])
		}
		row = append(row, g.Comments[st.ID])
		cw.record(row...)
	}
	return cw.flush()
}

// gridColumn is what a column of a grid file holds.
type gridColumn struct {
	kind     int    // one of the colKind* kinds below
	code     string // competency code, for colKindCompetency
	name     string // what GridProblem.Column says
	untitled bool   // the header cell is empty
}

const (
	colKindIgnored    = iota // nom, prenom, and columns without a title
	colKindEleveID           // the first column
	colKindCompetency        // a competency of the referential
	colKindComment           // commentaire
)

// ParseGridCSV reads a grid file filled in a spreadsheet, for the class of
// students and the referential ref.
//
// The first line that is neither blank nor a comment is the header: its
// first column must be eleve_id; the others are nom and prenom (ignored:
// students are matched by eleve_id), commentaire, and competency codes of
// ref (any subset, in any order). Each following line is one student's: its
// values are scale values (see Referential.LookupValue: the value in any
// case, or its label), an empty cell meaning no value.
//
// values maps the ID of each student present in the file to the codes of
// the competency columns to the scale value, "" for an empty cell (the
// result is cleared); comments has an entry for each student present when
// the file has a commentaire column. Competencies without a column and
// students without a line are left out: they keep what they had.
//
// A line whose eleve_id is missing or not a student of the class is skipped
// with a problem; a cell that is not on the scale is skipped with a problem
// and the rest of its line is taken; a student present twice is taken from
// his last line, with a problem. err is set, and nothing is taken, when the
// file cannot be used at all: not a CSV file, no eleve_id first column, an
// unknown or repeated column, no competency column, or more than 1000
// problems.
//
// The file may be in any of the encodings and separators ParseCSV accepts.
func ParseGridCSV(rd io.Reader, ref *Referential, students []GridStudent) (values map[int64]map[string]string, comments map[int64]string, problems []GridProblem, err error) {
	if ref == nil {
		return nil, nil, nil, invalidf("grille sans référentiel")
	}
	data, err := readAll(rd)
	if err != nil {
		return nil, nil, nil, err
	}
	cr, err := newCSVReader(data)
	if err != nil {
		return nil, nil, nil, err
	}
	header, headerLine, err := readRecord(cr)
	if err == io.EOF {
		return nil, nil, nil, gridError("grid.error.empty", nil)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	cols, err := gridColumns(header, headerLine, ref)
	if err != nil {
		return nil, nil, nil, err
	}
	hasComment := false
	for _, c := range cols {
		hasComment = hasComment || c.kind == colKindComment
	}

	byEleveID, byTrimmed := studentIndex(students)
	values = map[int64]map[string]string{}
	comments = map[int64]string{}
	seen := map[int64]int{} // student ID -> line
	gridProblem := func(line int, col, key string, params map[string]string) {
		problems = append(problems, GridProblem{Line: line, Column: col, Key: key, Params: params})
	}
	for {
		rec, line, err := readRecord(cr)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if len(problems) > maxGridProblems {
			return nil, nil, nil, gridError("grid.error.too_many_problems", map[string]string{"line": strconv.Itoa(line), "max": strconv.Itoa(maxGridProblems)})
		}
		id := rec[0]
		if id == "" {
			gridProblem(line, colEleveID, "grid.problem.no_eleve_id", nil)
			continue
		}
		st, ok := lookupStudent(byEleveID, byTrimmed, id)
		if !ok {
			gridProblem(line, colEleveID, "grid.problem.unknown_student", map[string]string{"id": cut(id)})
			continue
		}
		if first, ok := seen[st]; ok {
			gridProblem(line, colEleveID, "grid.problem.duplicate_student", map[string]string{"id": cut(id), "first": strconv.Itoa(first)})
		}
		seen[st] = line
		row := map[string]string{}
		comment, commentOK := "", true
		for i, col := range cols {
			cell := ""
			if i < len(rec) {
				cell = rec[i]
			}
			switch col.kind {
			case colKindCompetency:
				if cell == "" {
					row[col.code] = ""
					continue
				}
				v, ok := ref.LookupValue(cell)
				if !ok {
					gridProblem(line, col.name, "grid.problem.off_scale", map[string]string{"value": cut(cell), "scale": scaleValues(ref)})
					continue
				}
				row[col.code] = v.Value
			case colKindComment:
				if n := utf8.RuneCountInString(cell); n > MaxComment {
					// Not cut: the teacher shortens it; his stored comment stays.
					gridProblem(line, col.name, "grid.problem.long_comment", map[string]string{"n": strconv.Itoa(n), "max": strconv.Itoa(MaxComment)})
					commentOK = false
					continue
				}
				comment = cell
			case colKindIgnored:
				if col.untitled && cell != "" {
					gridProblem(line, col.name, "grid.problem.untitled_column", nil)
				}
			}
		}
		for i := len(cols); i < len(rec); i++ {
			if rec[i] != "" {
				gridProblem(line, columnLetter(i), "grid.problem.beyond_last_column", nil)
				break
			}
		}
		// The last line of a student wins whole, not cell by cell: it is
		// what the teacher sees last in the spreadsheet.
		values[st] = row
		if hasComment && commentOK {
			comments[st] = comment
		}
	}
	return values, comments, problems, nil
}

// gridColumns reads a grid header.
func gridColumns(header []string, line int, ref *Referential) ([]gridColumn, error) {
	if normalizeColumn(header[0]) != "eleveid" {
		return nil, gridError("grid.error.first_column", map[string]string{"line": strconv.Itoa(line), "found": cut(header[0])})
	}
	if len(header) > maxGridColumns {
		return nil, gridError("grid.error.too_many_columns", map[string]string{"line": strconv.Itoa(line), "n": strconv.Itoa(len(header)), "max": strconv.Itoa(maxGridColumns)})
	}
	exact, upper := map[string]string{}, map[string]string{}
	for _, c := range ref.Competencies {
		exact[c.Code] = c.Code
		if _, ok := upper[strings.ToUpper(c.Code)]; !ok {
			upper[strings.ToUpper(c.Code)] = c.Code
		}
	}
	cols := []gridColumn{{kind: colKindEleveID, name: colEleveID}}
	taken := map[string]string{} // column identity -> letter of its first use
	competencies := 0
	for i := 1; i < len(header); i++ {
		name, letter := header[i], columnLetter(i)
		if normalizeColumn(name) == "eleveid" {
			return nil, gridError("grid.error.eleve_id_twice", map[string]string{"line": strconv.Itoa(line), "column": letter})
		}
		col, ok := gridColumnFor(name, exact, upper)
		if !ok {
			return nil, gridError("grid.error.unknown_column", map[string]string{"line": strconv.Itoa(line), "column": letter, "name": cut(name), "ref": ref.Code})
		}
		if col.untitled {
			// Spreadsheets keep empty columns between filled ones: they
			// are ignored, and so is what was typed under them.
			col.name = letter
			cols = append(cols, col)
			continue
		}
		key := fmt.Sprint(col.kind, col.name)
		if first, dup := taken[key]; dup {
			return nil, gridError("grid.error.column_twice", map[string]string{"line": strconv.Itoa(line), "column": letter, "name": cut(name), "first": first})
		}
		taken[key] = letter
		if col.kind == colKindCompetency {
			competencies++
		}
		cols = append(cols, col)
	}
	if competencies == 0 {
		return nil, gridError("grid.error.no_competency", map[string]string{"line": strconv.Itoa(line), "ref": ref.Code, "codes": codeList(ref)})
	}
	return cols, nil
}

// gridColumnFor says what a header cell names, given the competency codes
// of the referential (exact, and by upper-case spelling). A competency's
// exact code comes first, so that a referential may use a code such as
// "nom"; then the fixed columns; then codes in another case, as
// spreadsheets and people may change it.
func gridColumnFor(name string, exact, upper map[string]string) (gridColumn, bool) {
	if code, ok := exact[name]; ok {
		return gridColumn{kind: colKindCompetency, code: code, name: code}, true
	}
	switch normalizeColumn(name) {
	case "":
		return gridColumn{kind: colKindIgnored, untitled: true}, true
	case "nom", "lastname":
		return gridColumn{kind: colKindIgnored, name: colLastName}, true
	case "prenom", "firstname":
		return gridColumn{kind: colKindIgnored, name: colFirstName}, true
	case "commentaire", "commentaires", "comment":
		return gridColumn{kind: colKindComment, name: colComment}, true
	}
	if code, ok := upper[strings.ToUpper(name)]; ok {
		return gridColumn{kind: colKindCompetency, code: code, name: code}, true
	}
	return gridColumn{}, false
}

// normalizeColumn folds a column title so that "ELEVE_ID", "Élève id" and
// "eleve-id" compare alike.
func normalizeColumn(s string) string {
	return strings.NewReplacer("_", "", " ", "", "-", "").Replace(fold(s))
}

// studentIndex indexes students by ELEVE_ID, and by ELEVE_ID without
// leading zeros because spreadsheets turn "0123" into the number 123. An
// ELEVE_ID shared by two students maps to -1: a line for it is ambiguous.
func studentIndex(students []GridStudent) (exact, trimmed map[string]int64) {
	exact, trimmed = map[string]int64{}, map[string]int64{}
	add := func(m map[string]int64, key string, id int64) {
		if old, ok := m[key]; ok && old != id {
			m[key] = -1
			return
		}
		m[key] = id
	}
	for _, s := range students {
		key := strings.TrimSpace(s.EleveID)
		if key == "" {
			continue
		}
		add(exact, key, s.ID)
		add(trimmed, trimZeros(key), s.ID)
	}
	return exact, trimmed
}

// lookupStudent finds the student of an eleve_id cell.
func lookupStudent(exact, trimmed map[string]int64, id string) (int64, bool) {
	if st, ok := exact[id]; ok {
		return st, st != -1
	}
	if st, ok := trimmed[trimZeros(id)]; ok {
		return st, st != -1
	}
	return 0, false
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" && s != "" {
		return "0"
	}
	return t
}

// columnLetter returns a spreadsheet's name of the 0-based column i: A, …,
// Z, AA, …
func columnLetter(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// scaleList lists the scale values for a message: "NA, EC, A ou M".
// cut is s shortened for a message: a cell may be long.
func cut(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		return string([]rune(s)[:max]) + "…"
	}
	return s
}

func scaleList(ref *Referential) string {
	v := make([]string, len(ref.Scale))
	for i, s := range ref.Scale {
		v[i] = s.Value
	}
	return frenchList(v)
}

// codeList lists competency codes for a message, cut after a few.
func codeList(ref *Referential) string {
	const max = 8
	var v []string
	for i, c := range ref.Competencies {
		if i == max {
			v = append(v, "…")
			break
		}
		v = append(v, c.Code)
	}
	return strings.Join(v, ", ")
}

// frenchList joins words as French does: "a, b ou c".
func frenchList(v []string) string {
	if len(v) < 2 {
		return strings.Join(v, "")
	}
	return strings.Join(v[:len(v)-1], ", ") + " ou " + v[len(v)-1]
}
