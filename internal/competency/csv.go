package competency

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The referential CSV has one record per line, its type in the first
// column:
//
//	referentiel;BACPRO-MELEC;Baccalauréat professionnel …;bac pro
//	echelle;NA;Non acquis
//	mef;247255
//	bloc;B1;Préparer une opération
//	competence;C1;Analyser les conditions de l'opération et son contexte
//
// Competencies belong to the last block before them. The English type names
// (referential, scale, mef, block, competency) are accepted too, as are the
// accented French ones, in any case.

// Record types, as WriteCSV writes them.
const (
	recReferential = "referentiel"
	recScale       = "echelle"
	recMEF         = "mef"
	recBlock       = "bloc"
	recCompetency  = "competence"
)

// recordType maps the folded spellings of a record type to its canonical
// name.
func recordType(s string) (string, bool) {
	switch fold(s) {
	case "referentiel", "referential":
		return recReferential, true
	case "echelle", "scale":
		return recScale, true
	case "mef", "mefs":
		return recMEF, true
	case "bloc", "block":
		return recBlock, true
	case "competence", "competency":
		return recCompetency, true
	}
	return "", false
}

// ParseCSV reads a referential CSV and validates it. The file may be
// separated by semicolons (the French spreadsheet default) or, when its
// first line has none, by tabs or commas; encoded in UTF-8 (with or without
// BOM), UTF-16 with BOM (spreadsheets' "Unicode text") or windows-1252 (what
// a French Excel saves when the bytes are not valid UTF-8). Blank lines,
// lines of empty cells and lines starting with # are ignored; cells are
// trimmed. Errors name the line: "ligne 7 : …".
func ParseCSV(rd io.Reader) (Referential, error) {
	data, err := readAll(rd)
	if err != nil {
		return Referential{}, err
	}
	cr, err := newCSVReader(data)
	if err != nil {
		return Referential{}, err
	}
	var r Referential
	// Lines of the entries, so that a validation error names the line that
	// defined what is wrong.
	var (
		headerLine int
		scaleLines []int
		compLines  []int
		mefLines   []int
		blockCode  string // the current block, "" before the first one
		blockLabel string
		blockLine  int
		blockComps int            // competencies in the current block
		blocksSeen map[string]int // block code -> line
		lastLine   int            // the last line read, 0 for an empty file
	)
	blocksSeen = map[string]int{}
	// A block line followed by no competency would vanish from the
	// referential: it is an error rather than a silent loss.
	endBlock := func() error {
		if blockCode != "" && blockComps == 0 {
			return invalidf("ligne %d : le bloc %s n'a aucune compétence", blockLine, show(blockCode))
		}
		return nil
	}
	for {
		rec, line, err := readRecord(cr)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Referential{}, err
		}
		lastLine = line
		typ, ok := recordType(rec[0])
		if !ok {
			return Referential{}, invalidf("ligne %d : type de ligne %s inconnu (referentiel, echelle, mef, bloc ou competence attendu)", line, show(rec[0]))
		}
		args := rec[1:]
		switch typ {
		case recReferential:
			if headerLine != 0 {
				return Referential{}, invalidf("ligne %d : seconde ligne « referentiel » (la première est ligne %d)", line, headerLine)
			}
			if err := wantCells(line, typ, args, 2, 3, "code", "libellé", "type de diplôme"); err != nil {
				return Referential{}, err
			}
			headerLine = line
			r.Code, r.Label = args[0], args[1]
			if len(args) > 2 {
				r.Kind = args[2]
			}
		case recScale:
			if err := wantCells(line, typ, args, 2, 2, "valeur", "libellé"); err != nil {
				return Referential{}, err
			}
			r.Scale = append(r.Scale, ScaleValue{Value: args[0], Label: args[1]})
			scaleLines = append(scaleLines, line)
		case recMEF:
			// Several prefixes may share a line: a spreadsheet user may
			// fill a row rather than a column.
			if len(args) == 0 {
				return Referential{}, invalidf("ligne %d : mef : préfixe MEF manquant", line)
			}
			for _, m := range args {
				if m == "" {
					return Referential{}, invalidf("ligne %d : mef : cellule vide entre deux préfixes MEF", line)
				}
				r.MEFs = append(r.MEFs, m)
				mefLines = append(mefLines, line)
			}
		case recBlock:
			if err := wantCells(line, typ, args, 2, 2, "code", "libellé"); err != nil {
				return Referential{}, err
			}
			if err := endBlock(); err != nil {
				return Referential{}, err
			}
			if first, ok := blocksSeen[args[0]]; ok {
				return Referential{}, invalidf("ligne %d : bloc %s déjà déclaré ligne %d : les compétences d'un bloc doivent se suivre", line, show(args[0]), first)
			}
			blocksSeen[args[0]] = line
			blockCode, blockLabel = args[0], args[1]
			blockLine, blockComps = line, 0
		case recCompetency:
			if err := wantCells(line, typ, args, 2, 2, "code", "libellé"); err != nil {
				return Referential{}, err
			}
			if len(r.Competencies) == maxCompetencies {
				return Referential{}, invalidf("ligne %d : trop de compétences (au plus %d)", line, maxCompetencies)
			}
			r.Competencies = append(r.Competencies, Competency{Code: args[0], Label: args[1], Block: blockCode, BlockLabel: blockLabel})
			compLines = append(compLines, line)
			blockComps++
		}
	}
	if err := endBlock(); err != nil {
		return Referential{}, err
	}
	if headerLine == 0 {
		if lastLine == 0 {
			return Referential{}, invalidf("le fichier est vide")
		}
		return Referential{}, invalidf("ligne « referentiel;CODE;libellé;type » manquante")
	}
	if err := r.Validate(); err != nil {
		var ve *validationError
		if !errors.As(err, &ve) {
			return Referential{}, err
		}
		line := 0
		switch ve.kind {
		case entryHeader:
			line = headerLine
		case entryScale:
			line = lineAt(scaleLines, ve.index)
		case entryComp:
			line = lineAt(compLines, ve.index)
		case entryMEF:
			line = lineAt(mefLines, ve.index)
		}
		if line > 0 {
			return Referential{}, invalidf("ligne %d : %s", line, ve.msg)
		}
		return Referential{}, invalidf("%s", ve.msg)
	}
	return r, nil
}

func lineAt(lines []int, i int) int {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return 0
}

// wantCells checks the number of cells after the record type: at least min
// (named by names), at most max, none empty among the required ones.
func wantCells(line int, typ string, args []string, min, max int, names ...string) error {
	for i := 0; i < min; i++ {
		if i >= len(args) || args[i] == "" {
			return invalidf("ligne %d : %s : %s manquant", line, typ, names[i])
		}
	}
	if len(args) > max {
		return invalidf("ligne %d : %s : trop de colonnes (%d attendues après le type, %d trouvées : %s en trop)",
			line, typ, max, len(args), show(args[max]))
	}
	return nil
}

// WriteCSV writes a referential in the CSV format ParseCSV reads: French
// record types, semicolons, CRLF line ends and UTF-8 with a BOM, which is
// how Excel recognises UTF-8 and shows the accents. The referential is
// validated first: an invalid one (blocks that do not follow each other, for
// instance) could not be read back.
func WriteCSV(w io.Writer, r *Referential) error {
	if err := r.Validate(); err != nil {
		return err
	}
	cw := newCSVWriter(w)
	if err := cw.comment("# Référentiel de compétences — types de ligne : referentiel", "echelle", "mef", "bloc", "competence"); err != nil {
		return err
	}
	cw.record(recReferential, r.Code, r.Label, r.Kind)
	for _, s := range r.Scale {
		cw.record(recScale, s.Value, s.Label)
	}
	for _, m := range r.MEFs {
		cw.record(recMEF, m)
	}
	for _, b := range r.Blocks() {
		if b.Code != "" {
			cw.record(recBlock, b.Code, b.Label)
		}
		for _, c := range b.Competencies {
			cw.record(recCompetency, c.Code, c.Label)
		}
	}
	return cw.flush()
}

// csvWriter writes spreadsheet-friendly CSV: BOM, semicolons, CRLF, and
// cells that a spreadsheet would take for a formula defused.
type csvWriter struct {
	w   *csv.Writer
	err error
}

func newCSVWriter(w io.Writer) *csvWriter {
	cw := &csvWriter{w: csv.NewWriter(w)}
	cw.w.Comma = ';'
	cw.w.UseCRLF = true
	_, cw.err = io.WriteString(w, "\uFEFF")
	return cw
}

// comment writes a line for people that the parsers skip. Its cells must
// not need quoting in the first one (the line must start with #), and line
// breaks are flattened so that the comment stays on one line.
func (cw *csvWriter) comment(first string, cells ...string) error {
	if cw.err != nil {
		return cw.err
	}
	rec := make([]string, 0, len(cells)+1)
	rec = append(rec, oneLine(first))
	for _, c := range cells {
		rec = append(rec, oneLine(c))
	}
	cw.err = cw.w.Write(rec)
	return cw.err
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// record writes one record; the first error is kept for flush.
func (cw *csvWriter) record(cells ...string) {
	if cw.err != nil {
		return
	}
	rec := make([]string, len(cells))
	for i, c := range cells {
		rec[i] = defuse(c)
	}
	cw.err = cw.w.Write(rec)
}

func (cw *csvWriter) flush() error {
	if cw.err != nil {
		return cw.err
	}
	cw.w.Flush()
	return cw.w.Error()
}

// defuse prefixes with an apostrophe a cell that a spreadsheet would run as
// a formula (CSV injection: a comment "=HYPERLINK(…)" written by one user
// would act in another's spreadsheet). Spreadsheets show the apostrophe
// and keep it on save; undefuse removes it on the way back. Cells that
// already start with apostrophes before such a character get one more, so
// that undefuse(defuse(s)) == s for every s.
func defuse(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// SpreadsheetCell returns s as a CSV cell safe to open in a spreadsheet: a value that
// would run as a formula gets an apostrophe before it (see defuse). Other packages'
// CSV exports use it.
func SpreadsheetCell(s string) string { return defuse(s) }

// undefuse reverses defuse.
func undefuse(s string) string {
	if strings.HasPrefix(s, "'") && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

// formulaLike reports whether s, after any leading apostrophes, starts
// with a character that makes a spreadsheet read a formula.
func formulaLike(s string) bool {
	t := strings.TrimLeft(s, "'")
	return t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0]))
}

// newCSVReader decodes a spreadsheet's CSV file to UTF-8 and returns a
// reader set to its separator.
func newCSVReader(data []byte) (*csv.Reader, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = detectSeparator(text)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // lines have as many cells as their type needs
	return cr, nil
}

// readRecord returns the next record that is not blank, its cells trimmed
// and trailing empty cells removed (spreadsheets pad every line to the
// widest one), with its line number. It returns io.EOF at the end.
func readRecord(cr *csv.Reader) ([]string, int, error) {
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = undefuse(strings.TrimSpace(rec[i]))
		}
		n := len(rec)
		for n > 0 && rec[n-1] == "" {
			n--
		}
		// A comment line that a spreadsheet saved with quotes ("# …";…)
		// is not a comment for encoding/csv: skip it here.
		if n > 0 && !strings.HasPrefix(rec[0], "#") {
			return rec[:n], line, nil
		}
	}
}

// csvError turns an encoding/csv error into a French message with its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("lecture du fichier : %w", err)
	}
	what := "erreur de syntaxe CSV"
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		what = "guillemet manquant ou en trop dans une cellule entre guillemets"
	case errors.Is(pe.Err, csv.ErrBareQuote):
		what = "guillemet dans une cellule qui ne commence pas par un guillemet (doublez-le et entourez la cellule de guillemets)"
	}
	return invalidf("ligne %d : %s", pe.Line, what)
}

// detectSeparator returns the separator of the first line that is neither
// blank nor a comment: a semicolon if it has one outside quotes, else a tab,
// else a comma, else a semicolon (a one-column file).
func detectSeparator(text string) rune {
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, `"#`) {
			continue
		}
		var semi, tab, comma bool
		quoted := false
		for _, c := range line {
			switch {
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ';':
				semi = true
			case c == '\t':
				tab = true
			case c == ',':
				comma = true
			}
		}
		switch {
		case semi:
			return ';'
		case tab:
			return '\t'
		case comma:
			return ','
		}
		return ';'
	}
	return ';'
}

// decodeText returns the file as UTF-8 text without BOM. Spreadsheets save
// CSV as UTF-8 with a BOM, UTF-16 with a BOM ("Unicode text") or the
// Windows code page (windows-1252 in France); bytes that are not valid
// UTF-8 are taken as windows-1252, which also reads ISO-8859-1 files.
// Spreadsheet workbooks and other binary files are refused with a hint.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "", invalidf("ce fichier est un classeur (.xlsx ou .ods), pas un fichier CSV : enregistrez-le au format « CSV (séparateur : point-virgule) »")
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return "", invalidf("ce fichier est un classeur Excel 97-2003 (.xls), pas un fichier CSV : enregistrez-le au format « CSV (séparateur : point-virgule) »")
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xFF\xFE")):
		return checkBinary(decodeUTF16(data[2:], false))
	case bytes.HasPrefix(data, []byte("\xFE\xFF")):
		return checkBinary(decodeUTF16(data[2:], true))
	}
	if utf8.Valid(data) {
		return checkBinary(string(data))
	}
	return checkBinary(decodeWindows1252(data))
}

// checkBinary refuses text with NUL characters: no spreadsheet writes them
// in a CSV, so the file is something else (an image, a PDF, …).
func checkBinary(s string) (string, error) {
	if strings.ContainsRune(s, 0) {
		return "", invalidf("ce fichier n'est pas un fichier texte CSV")
	}
	return s, nil
}

// decodeUTF16 decodes UTF-16 without BOM; an odd last byte is dropped.
func decodeUTF16(b []byte, bigEndian bool) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(u))
}

// cp1252High holds the characters of windows-1252 bytes 0x80–0x9F, in
// order; 0xA0–0xFF are the same as Unicode (Latin-1). The five unassigned
// bytes become U+FFFD. A constant string, not a table variable, so that
// nothing at package level can be changed.
const cp1252High = "€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ"

// decodeWindows1252 decodes windows-1252 bytes.
func decodeWindows1252(b []byte) string {
	high := []rune(cp1252High)
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(high[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}
