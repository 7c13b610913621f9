package marks

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/cartable/cartable/internal/apperr"
)

// The marks sheet of a class × subject (docs/school-year.md), in CSV or XLSX:
//
//	# devoirs;;;Contrôle 1 — sur 20, coef. 1;DM — sur 10, coef. 0,5
//	# codes;ABS = absent;DISP = dispensé;NN = non noté
//	eleve_id;nom;prenom;Contrôle 1 [#12];DM [#13]
//	123456;DUPONT;Léa;12,5;ABS
//
// Lines starting with # are for people. Pupils are matched by eleve_id (SIECLE's
// ELEVE_ID; "id-<id>" for a pupil without one), assessments by the "[#id]" at the end of
// their column's title (or by their exact title when it is unique). nom and prenom are
// ignored. A cell is a mark (12,5 or 12.5), ABS, DISP, NN, or empty (no mark: an
// existing mark is removed).

// Limits of a sheet.
const (
	MaxSheetBytes   = 2 << 20 // 2 MiB: a class's sheet is a few kilobytes
	MaxSheetRows    = 2000
	MaxSheetColumns = 200
	MaxSheetCell    = 500
	maxProblems     = 200
)

// SheetStudent is a pupil of the class the sheet is for.
type SheetStudent struct {
	ID        int64
	EleveID   string
	LastName  string
	FirstName string
}

// key is what the eleve_id column holds for the pupil.
func (s SheetStudent) key() string {
	if k := strings.TrimSpace(s.EleveID); k != "" {
		return k
	}
	return "id-" + strconv.FormatInt(s.ID, 10)
}

// SheetAssessment is an assessment of the sheet.
type SheetAssessment struct {
	ID    int64
	Title string
	OutOf int64 // hundredths
	Coef  int64 // hundredths
}

func (a SheetAssessment) header() string { return fmt.Sprintf("%s [#%d]", a.Title, a.ID) }

// Sheet is what a template holds: the assessments, the pupils and their current marks.
type Sheet struct {
	Assessments []SheetAssessment
	Students    []SheetStudent
	Marks       map[int64]map[int64]Mark // student → assessment → mark
}

// SheetProblem is a cell or line of a sheet that cannot be taken. An import with
// problems saves nothing.
type SheetProblem struct {
	Row    int               `json:"row"`    // the line (CSV) or row (XLSX), from 1
	Column string            `json:"column"` // the column's title, or its letter
	Key    string            `json:"key"`    // a message of the catalogue (internal/i18n, "marks.problem.…")
	Params map[string]string `json:"params,omitempty"`
}

// SheetCell is a cell read from a sheet: Set false means the cell was empty (no mark).
type SheetCell struct {
	StudentID    int64
	AssessmentID int64
	Mark         Mark
	Set          bool
	Row          int
}

func (sh Sheet) rows(lang string) [][]string {
	titles := []string{"# devoirs", "", ""}
	header := []string{"eleve_id", "nom", "prenom"}
	for _, a := range sh.Assessments {
		titles = append(titles, fmt.Sprintf("%s — sur %s, coef. %s", a.Title, FormatPoints(a.OutOf, lang), FormatPoints(a.Coef, lang)))
		header = append(header, a.header())
	}
	out := [][]string{titles, {"# codes", "ABS = absent", "DISP = dispensé", "NN = non noté"}, header}
	for _, st := range sh.Students {
		row := []string{st.key(), st.LastName, st.FirstName}
		for _, a := range sh.Assessments {
			if m, ok := sh.Marks[st.ID][a.ID]; ok {
				row = append(row, m.Format(lang))
			} else {
				row = append(row, "")
			}
		}
		out = append(out, row)
	}
	return out
}

// WriteSheetCSV writes the sheet as CSV for a spreadsheet: BOM, semicolons, CRLF,
// marks with a decimal comma; cells a spreadsheet would run as formulas defused.
func WriteSheetCSV(w io.Writer, sh Sheet) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = ';', true
	for _, r := range sh.rows("fr") {
		// Every row, the headers too: an assessment's title is typed by a teacher.
		for j := range r {
			r[j] = defuse(r[j])
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteSheetXLSX writes the sheet as a workbook, cells as text (so that "12,5" stays
// what the teacher typed and eleve_id keeps its leading zeros).
func WriteSheetXLSX(w io.Writer, sh Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	const name = "Notes"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, r := range sh.rows("fr") {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

func defuse(s string) string {
	t := strings.TrimLeft(s, "'")
	if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	return s
}

// ReadSheet reads a CSV (UTF-8 with or without BOM, or windows-1252; semicolons, commas
// or tabs) or the first sheet of an XLSX workbook, told from the content, into rows.
func ReadSheet(r io.Reader) ([][]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSheetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSheetBytes {
		return nil, apperr.TooLarge("sheet_too_large", "the file is larger than 2 MiB")
	}
	var rows [][]string
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		rows, err = readXLSX(data)
	} else {
		rows, err = readCSV(data)
	}
	if err != nil {
		return nil, err
	}
	for i, rec := range rows {
		if len(rec) > MaxSheetColumns {
			return nil, apperr.TooManyItems("columns", MaxSheetColumns)
		}
		for _, c := range rec {
			if utf8.RuneCountInString(c) > MaxSheetCell {
				return nil, apperr.Invalid("cell_too_long", "row %d: a cell is longer than %d characters", i+1, MaxSheetCell).
					With("row", i+1).With("max", MaxSheetCell)
			}
		}
	}
	return rows, nil
}

func readCSV(data []byte) ([][]string, error) {
	if bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")) {
		return nil, apperr.Invalid("invalid_file", "an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV").With("detail", ".xls")
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		d, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, apperr.Invalid("invalid_file", "not a text file").With("detail", "encoding")
		}
		data = d
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, apperr.Invalid("invalid_file", "not a CSV file").With("detail", "binary")
	}
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.Comma = separator(data)
	var out [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			line := len(out) + 1
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, apperr.Invalid("invalid_csv", "CSV line %d: %v", line, err)
		}
		if len(out) >= MaxSheetRows {
			return nil, apperr.TooManyItems("rows", MaxSheetRows)
		}
		out = append(out, rec)
	}
}

// separator is the first line's separator outside comments: semicolon, tab or comma.
func separator(data []byte) rune {
	for _, line := range bytes.Split(data, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || bytes.HasPrefix(t, []byte(`"#`)) {
			continue
		}
		switch {
		case bytes.IndexByte(t, ';') >= 0:
			return ';'
		case bytes.IndexByte(t, '\t') >= 0:
			return '\t'
		case bytes.IndexByte(t, ',') >= 0:
			return ','
		}
		return ';'
	}
	return ';'
}

func readXLSX(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 16 << 20})
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
		if len(out) >= MaxSheetRows {
			return nil, apperr.TooManyItems("rows", MaxSheetRows)
		}
		out = append(out, rec)
	}
	return out, rows.Error()
}

var idSuffix = regexp.MustCompile(`\[#(\d+)\]\s*$`)

// ParseSheet reads the rows of a marks sheet for the assessments and pupils of a class
// × subject. It returns every cell of the sheet's assessment columns (empty cells with
// Set false), or the problems, each naming its row and column; err is set when the
// file is not a marks sheet at all (no eleve_id header, an unknown or repeated column).
func ParseSheet(rows [][]string, assessments []SheetAssessment, students []SheetStudent) (cells []SheetCell, problems []SheetProblem, err error) {
	byID := map[int64]SheetAssessment{}
	byTitle := map[string][]SheetAssessment{}
	for _, a := range assessments {
		byID[a.ID] = a
		t := strings.ToLower(strings.TrimSpace(a.Title))
		byTitle[t] = append(byTitle[t], a)
	}
	pupils := map[string]int64{}
	for _, s := range students {
		pupils[s.key()] = s.ID
		if k := strings.TrimLeft(s.key(), "0"); k != s.key() && k != "" {
			pupils[k] = s.ID
		}
	}
	hi := -1
	for i, r := range rows {
		if first := strings.TrimSpace(cellAt(r, 0)); first != "" && !strings.HasPrefix(first, "#") {
			hi = i
			break
		}
	}
	if hi < 0 {
		return nil, nil, apperr.Invalid("sheet_empty", "the file has no header line").WithKey("marks.error.empty")
	}
	header := rows[hi]
	if !strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(header[0], "\ufeff")), "eleve_id") {
		return nil, nil, apperr.Invalid("sheet_no_eleve_id", "line %d: the first column must be eleve_id", hi+1).With("row", hi+1)
	}
	cols := make([]int64, len(header)) // assessment of each column, 0 for none
	seen := map[int64]bool{}
	for j := 1; j < len(header); j++ {
		h := strings.TrimSpace(header[j])
		lh := strings.ToLower(h)
		if h == "" || lh == "nom" || lh == "prenom" || lh == "prénom" {
			continue
		}
		var a SheetAssessment
		if m := idSuffix.FindStringSubmatch(h); m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			a = byID[id]
		} else if list := byTitle[lh]; len(list) == 1 {
			a = list[0]
		}
		col := columnName(j)
		if a.ID == 0 {
			return nil, nil, apperr.Invalid("sheet_unknown_column", "column %s (%q): not an assessment of this class and subject", col, h).
				With("column", col).With("value", h)
		}
		if seen[a.ID] {
			return nil, nil, apperr.Invalid("sheet_repeated_column", "column %s (%q): the assessment has two columns", col, h).
				With("column", col).With("value", h)
		}
		seen[a.ID] = true
		cols[j] = a.ID
	}
	if len(seen) == 0 {
		return nil, nil, apperr.Invalid("sheet_no_assessment", "line %d: no assessment column", hi+1).With("row", hi+1)
	}
	add := func(row int, col, key string, params map[string]string) {
		problems = append(problems, SheetProblem{Row: row, Column: col, Key: key, Params: params})
	}
	lines := map[int64]int{}
	for i := hi + 1; i < len(rows) && len(problems) < maxProblems; i++ {
		r, row := rows[i], i+1
		first := strings.TrimSpace(cellAt(r, 0))
		if first == "" && blank(r) || strings.HasPrefix(first, "#") {
			continue
		}
		if first == "" {
			add(row, "eleve_id", "marks.problem.no_eleve_id", nil)
			continue
		}
		st, ok := pupils[first]
		if !ok {
			st, ok = pupils[strings.TrimLeft(first, "0")]
		}
		if !ok {
			add(row, "eleve_id", "marks.problem.unknown_student", map[string]string{"id": first})
			continue
		}
		if prev, dup := lines[st]; dup {
			add(row, "eleve_id", "marks.problem.duplicate_student", map[string]string{"id": first, "first": strconv.Itoa(prev)})
			continue
		}
		lines[st] = row
		for j, aid := range cols {
			if aid == 0 {
				continue
			}
			v := cellAt(r, j)
			m, set, err := ParseMark(v, byID[aid].OutOf)
			if err != nil {
				col := strings.TrimSpace(header[j])
				if apperr.CodeOf(err) == "mark_out_of_bounds" {
					add(row, col, "marks.problem.above_max", map[string]string{"value": strings.TrimSpace(v), "max": FormatPoints(byID[aid].OutOf, "fr")})
				} else {
					add(row, col, "marks.problem.invalid", map[string]string{"value": strings.TrimSpace(v)})
				}
				continue
			}
			cells = append(cells, SheetCell{StudentID: st, AssessmentID: aid, Mark: m, Set: set, Row: row})
		}
		for j := len(header); j < len(r); j++ {
			if strings.TrimSpace(r[j]) != "" {
				add(row, columnName(j), "marks.problem.beyond_last_column", nil)
				break
			}
		}
	}
	return cells, problems, nil
}

func cellAt(r []string, j int) string {
	if j < len(r) {
		return r[j]
	}
	return ""
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// columnName is a spreadsheet's column letter: 0 → A, 26 → AA.
func columnName(j int) string {
	s := ""
	for j++; j > 0; j = (j - 1) / 26 {
		s = string(rune('A'+(j-1)%26)) + s
	}
	return s
}
