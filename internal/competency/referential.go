// Package competency holds diplomas' competency referentials and the
// evaluations teachers record against them.
//
// A referential (Referential) is the list of competencies of a diploma,
// grouped in blocks, with the result scale teachers use (for example NA, EC,
// A, M) and the MEF prefixes of the formations that prepare the diploma. It
// travels as JSON (the API, the built-in examples) and as a CSV file that a
// school can edit in a spreadsheet (csv.go). A class's results for one
// evaluation travel as a grid CSV (grid.go), so that teachers can fill them
// in offline.
//
// The parsers take files written by people in spreadsheets: they are liberal
// in encodings and separators, strict about content, never panic, and their
// errors are French sentences that name the line, column or entry at fault,
// shown to the user as they are.
package competency

import (
	"bytes"
	"encoding/json"

	"errors"
	"fmt"
	"github.com/cartable/cartable/internal/i18n"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a referential. They are far above real diplomas (a Bac pro has
// a few dozen competencies) and keep a hostile or broken file from filling
// the database and the pages.
const (
	minScale        = 2
	maxScale        = 10
	maxCompetencies = 500
	maxMEFs         = 100
	maxCodeLen      = 40  // referential code
	maxItemCodeLen  = 20  // competency, block and scale value codes
	maxLabelLen     = 500 // runes, any label
	maxKindLen      = 40  // runes
	// maxInput bounds the files the parsers read (JSON, referential CSV,
	// grid CSV): a referential is a few kilobytes, a grid of a large class
	// a few dozen.
	maxInput = 8 << 20
)

// ErrInvalid is matched (errors.Is) by every error this package returns
// because of the content of a referential or a file, so that callers tell
// a user's mistake (shown as is) from a failure to read.
var ErrInvalid = errors.New("contenu invalide")

// inputError is an error caused by the content given by the user. Its text
// is the French message alone: callers show it verbatim.
type inputError struct {
	msg string
	// key and params, when set, are the message in the catalogue (internal/i18n): a
	// page writes it in the reader's language (ErrorKey).
	key    string
	params map[string]string
}

// gridError is an inputError of a grid file, from the catalogue; its text (Error) is
// the French message.
func gridError(key string, params map[string]string) error {
	args := i18n.Args{}
	for k, v := range params {
		args[k] = v
	}
	return &inputError{msg: i18n.T(i18n.FR, key, args), key: key, params: params}
}

// ErrorKey returns the catalogue key and parameters of an error of this package that
// has them ("" otherwise: its text is French only).
func ErrorKey(err error) (string, map[string]string) {
	var e *inputError
	if errors.As(err, &e) {
		return e.key, e.params
	}
	return "", nil
}

func (e *inputError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *inputError) Is(target error) bool { return target == ErrInvalid }

// invalidf builds an inputError.
func invalidf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// ScaleValue is one value of a result scale, lowest first.
type ScaleValue struct {
	// Value is what is stored and typed in grids ("A").
	Value string `json:"value"`
	// Label is what is shown ("Acquis").
	Label string `json:"label"`
}

// Competency is one competency of a referential, with the block it belongs
// to (blocks are not separate objects: a competency carries its block's code
// and label, which keeps storage and transfers flat).
type Competency struct {
	Code       string `json:"code"`
	Label      string `json:"label"`
	Block      string `json:"block,omitempty"`
	BlockLabel string `json:"block_label,omitempty"`
}

// Referential is a diploma's competency referential.
type Referential struct {
	// ID is the database id; it never leaves the server.
	ID int64 `json:"-"`
	// Code names the diploma, e.g. "BACPRO-MELEC".
	Code string `json:"code"`
	// Label is the diploma's full name, e.g. "Baccalauréat professionnel
	// Métiers de l'électricité et de ses environnements connectés".
	Label string `json:"label"`
	// Kind is the kind of diploma: "bac pro", "cap", "bep", …
	Kind string `json:"kind"`
	// Scale is the result scale, lowest value first.
	Scale []ScaleValue `json:"scale"`
	// Competencies are in display order; those of a block follow each other.
	Competencies []Competency `json:"competencies"`
	// MEFs are MEF prefixes (3 to 11 digits) of the formations that prepare
	// the diploma, e.g. "247255" = Bac pro in 3 years, speciality group 255.
	MEFs []string `json:"mefs"`
}

// Block is a group of competencies of a referential, as Blocks returns it.
type Block struct {
	Code         string       `json:"code"`
	Label        string       `json:"label"`
	Competencies []Competency `json:"competencies"`
}

// entryKind names what a validation error is about, so that the CSV parser
// can point at the line that defined the entry.
type entryKind int

const (
	entryHeader     entryKind = iota // code, label or kind of the referential
	entryScaleCount                  // the scale as a whole
	entryScale                       // one scale value
	entryCompCount                   // the competencies as a whole
	entryComp                        // one competency
	entryMEFCount                    // the MEF list as a whole
	entryMEF                         // one MEF prefix
)

// validationError is an invalid entry of a referential: index is the
// 0-based position of the entry in its list.
type validationError struct {
	kind  entryKind
	index int
	msg   string
}

func (e *validationError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *validationError) Is(target error) bool { return target == ErrInvalid }

// Validate checks a referential: a code of 2 to 40 characters among A–Z, 0–9
// and "-"; a label; a scale of 2 to 10 distinct values, each with a label; at
// least one competency, each with a unique code of 1 to 20 characters among
// letters, digits, ".", "_" and "-" and a label; blocks whose competencies
// follow each other, under one label, and either every competency in a block
// or none; MEF prefixes of 3 to 11 digits. Its error names the entry at
// fault, e.g. "compétence 4 (C1.2) : code en double".
//
// Codes and scale values are compared without regard to case (and scale
// labels also without accents) because grids typed in spreadsheets are
// matched that way: two entries that only differ by case would be
// ambiguous there.
func (r *Referential) Validate() error {
	if err := r.validateHeader(); err != nil {
		return err
	}
	if err := r.validateScale(); err != nil {
		return err
	}
	if err := r.validateCompetencies(); err != nil {
		return err
	}
	return r.validateMEFs()
}

func (r *Referential) validateHeader() error {
	fail := func(format string, args ...any) error {
		return &validationError{kind: entryHeader, msg: fmt.Sprintf(format, args...)}
	}
	if !validReferentialCode(r.Code) {
		if r.Code == "" {
			return fail("code du référentiel manquant")
		}
		return fail("code du référentiel %s invalide : de 2 à %d caractères parmi A-Z, 0-9 et « - » attendus", show(r.Code), maxCodeLen)
	}
	if msg := checkLabel(r.Label, true); msg != "" {
		return fail("libellé du référentiel : %s", msg)
	}
	if msg := checkText(r.Kind, maxKindLen); msg != "" {
		return fail("type de diplôme : %s", msg)
	}
	return nil
}

func (r *Referential) validateScale() error {
	if n := len(r.Scale); n < minScale || n > maxScale {
		return &validationError{kind: entryScaleCount,
			msg: fmt.Sprintf("l'échelle doit compter de %d à %d valeurs (%d trouvée%s)", minScale, maxScale, n, plural(n))}
	}
	// owner maps every folded spelling a grid may use (value or label) to
	// the entry it designates; two entries sharing one are ambiguous.
	owner := map[string]int{}
	for i, s := range r.Scale {
		fail := func(format string, args ...any) error {
			return &validationError{kind: entryScale, index: i,
				msg: fmt.Sprintf("valeur d'échelle %d (%s) : ", i+1, show(s.Value)) + fmt.Sprintf(format, args...)}
		}
		if s.Value == "" {
			return fail("valeur manquante")
		}
		if msg := checkText(s.Value, maxItemCodeLen); msg != "" {
			return fail("valeur : %s", msg)
		}
		if msg := checkLabel(s.Label, true); msg != "" {
			return fail("libellé : %s", msg)
		}
		for _, key := range []string{fold(s.Value), fold(s.Label)} {
			if j, ok := owner[key]; ok && j != i {
				if fold(r.Scale[j].Value) == fold(s.Value) {
					return fail("valeur en double (déjà valeur %d)", j+1)
				}
				return fail("se confond avec la valeur %d (%s) : valeurs et libellés doivent se distinguer sans tenir compte des majuscules ni des accents", j+1, show(r.Scale[j].Value))
			}
			owner[key] = i
		}
	}
	return nil
}

func (r *Referential) validateCompetencies() error {
	switch n := len(r.Competencies); {
	case n == 0:
		return &validationError{kind: entryCompCount, msg: "le référentiel n'a aucune compétence"}
	case n > maxCompetencies:
		return &validationError{kind: entryCompCount, msg: fmt.Sprintf("trop de compétences (%d, au plus %d)", n, maxCompetencies)}
	}
	codes := map[string]int{}
	blockLabel := map[string]string{} // block code -> label
	blockFirst := map[string]int{}    // block code -> first competency
	withBlock := -1                   // a competency that has a block
	without := -1                     // a competency that has none
	for i, c := range r.Competencies {
		fail := func(format string, args ...any) error {
			return &validationError{kind: entryComp, index: i,
				msg: fmt.Sprintf("compétence %d (%s) : ", i+1, show(c.Code)) + fmt.Sprintf(format, args...)}
		}
		if !validItemCode(c.Code) {
			if c.Code == "" {
				return fail("code manquant")
			}
			return fail("code invalide : de 1 à %d caractères parmi lettres, chiffres, « . », « _ » et « - » attendus", maxItemCodeLen)
		}
		key := strings.ToUpper(c.Code)
		if j, ok := codes[key]; ok {
			if r.Competencies[j].Code == c.Code {
				return fail("code en double (déjà compétence %d)", j+1)
			}
			return fail("code en double (déjà compétence %d, %s, à la casse près)", j+1, show(r.Competencies[j].Code))
		}
		codes[key] = i
		if msg := checkLabel(c.Label, true); msg != "" {
			return fail("libellé : %s", msg)
		}
		if c.Block == "" {
			if c.BlockLabel != "" {
				return fail("libellé de bloc sans code de bloc")
			}
			without = i
		} else {
			withBlock = i
			if !validItemCode(c.Block) {
				return fail("code de bloc %s invalide : de 1 à %d caractères parmi lettres, chiffres, « . », « _ » et « - » attendus", show(c.Block), maxItemCodeLen)
			}
			if msg := checkLabel(c.BlockLabel, true); msg != "" {
				return fail("libellé du bloc %s : %s", c.Block, msg)
			}
			if first, ok := blockFirst[c.Block]; !ok {
				blockFirst[c.Block], blockLabel[c.Block] = i, c.BlockLabel
			} else {
				if r.Competencies[i-1].Block != c.Block {
					return fail("le bloc %s reprend après le bloc %s : les compétences d'un bloc doivent se suivre", c.Block, show(r.Competencies[i-1].Block))
				}
				if blockLabel[c.Block] != c.BlockLabel {
					return fail("le bloc %s a un autre libellé qu'à la compétence %d (%s)", c.Block, first+1, r.Competencies[first].Code)
				}
			}
		}
		if withBlock >= 0 && without >= 0 {
			return fail("soit toutes les compétences appartiennent à un bloc, soit aucune (compétence %d sans bloc, compétence %d dans le bloc %s)",
				without+1, withBlock+1, r.Competencies[withBlock].Block)
		}
	}
	return nil
}

func (r *Referential) validateMEFs() error {
	if len(r.MEFs) > maxMEFs {
		return &validationError{kind: entryMEFCount, msg: fmt.Sprintf("trop de préfixes MEF (%d, au plus %d)", len(r.MEFs), maxMEFs)}
	}
	seen := map[string]int{}
	for i, m := range r.MEFs {
		if len(m) < 3 || len(m) > 11 || !allDigits(m) {
			return &validationError{kind: entryMEF, index: i,
				msg: fmt.Sprintf("préfixe MEF %d (%s) : de 3 à 11 chiffres attendus", i+1, show(m))}
		}
		if j, ok := seen[m]; ok {
			return &validationError{kind: entryMEF, index: i,
				msg: fmt.Sprintf("préfixe MEF %d (%s) : en double (déjà préfixe %d)", i+1, m, j+1)}
		}
		seen[m] = i
	}
	return nil
}

// Competency returns the competency with this code (exact match).
func (r *Referential) Competency(code string) (Competency, bool) {
	for _, c := range r.Competencies {
		if c.Code == code {
			return c, true
		}
	}
	return Competency{}, false
}

// Rank returns the position of value on the scale (0 = lowest), matching
// the stored Value exactly.
func (r *Referential) Rank(value string) (int, bool) {
	for i, s := range r.Scale {
		if s.Value == value {
			return i, true
		}
	}
	return 0, false
}

// LookupValue returns the scale value that s designates as people type it:
// the Value itself, the Value in another case ("a"), or the Label without
// regard to case and accents ("acquis", "Maitrisé"). Surrounding spaces are
// ignored. It is how grids and forms accept input; stored values go through
// Rank.
func (r *Referential) LookupValue(s string) (ScaleValue, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return ScaleValue{}, false
	}
	if i, ok := r.Rank(s); ok {
		return r.Scale[i], true
	}
	key := fold(s)
	for _, v := range r.Scale {
		if fold(v.Value) == key {
			return v, true
		}
	}
	for _, v := range r.Scale {
		if fold(v.Label) == key {
			return v, true
		}
	}
	return ScaleValue{}, false
}

// Blocks returns the blocks in order of first appearance, each with its
// competencies in referential order. Competencies without a block form a
// block with an empty code, so a referential without blocks gives one
// unnamed block holding everything: callers iterate blocks either way.
func (r *Referential) Blocks() []Block {
	var out []Block
	index := map[string]int{}
	for _, c := range r.Competencies {
		i, ok := index[c.Block]
		if !ok {
			i = len(out)
			index[c.Block] = i
			out = append(out, Block{Code: c.Block, Label: c.BlockLabel})
		}
		out[i].Competencies = append(out[i].Competencies, c)
	}
	return out
}

// PreparedBy reports whether a formation of this MEF prepares the diploma:
// one of the referential's MEF prefixes is a prefix of mef.
func (r *Referential) PreparedBy(mef string) bool {
	mef = strings.TrimSpace(mef)
	for _, p := range r.MEFs {
		// An empty prefix would match every formation; Validate refuses it,
		// but an unvalidated referential must not claim every student.
		if p != "" && strings.HasPrefix(mef, p) {
			return true
		}
	}
	return false
}

// WriteJSON writes the referential as indented JSON, the format ParseJSON
// reads. Empty lists are written as [] rather than null so that the file is
// valid input for ParseJSON once filled in.
func (r *Referential) WriteJSON(w io.Writer) error {
	out := *r
	if out.Scale == nil {
		out.Scale = []ScaleValue{}
	}
	if out.Competencies == nil {
		out.Competencies = []Competency{}
	}
	if out.MEFs == nil {
		out.MEFs = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Labels hold apostrophes and ampersands that people read in the file.
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// ParseJSON reads a referential written as JSON and validates it. It is
// strict (a leading UTF-8 BOM aside): unknown or repeated fields (names are
// case-sensitive, unlike encoding/json's default), values of the wrong type,
// anything after the object and invalid referentials are refused, with the
// line and column at fault when there is one ("JSON, ligne 5, colonne 12 :
// scale[1].label doit être une chaîne, pas un nombre").
func ParseJSON(rd io.Reader) (Referential, error) {
	data, err := readAll(rd)
	if err != nil {
		return Referential{}, err
	}
	// Windows editors (Notepad) start UTF-8 files with a BOM, which JSON
	// does not allow; it carries no content.
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if err := checkJSON(data); err != nil {
		return Referential{}, err
	}
	var r Referential
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		// checkJSON has seen every field and type: this is unexpected,
		// but still about the content.
		return Referential{}, invalidf("JSON : %v", err)
	}
	if err := r.Validate(); err != nil {
		return Referential{}, err
	}
	return r, nil
}

// jsonKind is the JSON type expected at one place of a document.
type jsonKind int

const (
	jsonString jsonKind = iota
	jsonArray
	jsonObject
)

// jsonShape describes one place of a referential document: its type, an
// object's fields or an array's element.
type jsonShape struct {
	kind   jsonKind
	fields map[string]*jsonShape
	elem   *jsonShape
}

// referentialShape returns the shape of a referential document. It is
// built per call rather than kept in a package variable, which would be
// shared mutable state.
func referentialShape() *jsonShape {
	str := &jsonShape{kind: jsonString}
	object := func(names ...string) *jsonShape {
		s := &jsonShape{kind: jsonObject, fields: map[string]*jsonShape{}}
		for _, n := range names {
			s.fields[n] = str
		}
		return s
	}
	doc := object("code", "label", "kind")
	doc.fields["scale"] = &jsonShape{kind: jsonArray, elem: object("value", "label")}
	doc.fields["competencies"] = &jsonShape{kind: jsonArray, elem: object("code", "label", "block", "block_label")}
	doc.fields["mefs"] = &jsonShape{kind: jsonArray, elem: str}
	return doc
}

// checkJSON walks the document's tokens against the referential's shape and
// refuses syntax errors, unknown and repeated field names and values of the
// wrong type, with their position. encoding/json alone would not do: it
// matches names without regard to case, lets the last repeated field win,
// and reports unknown fields without a position and type errors without
// the index in lists. Every value is typed by the shape, so the walk never
// goes deeper than the shape, whatever the document's nesting.
func checkJSON(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return invalidf("JSON : le document est vide")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // a number is refused by type, never by its size
	if err := walkJSON(dec, data, referentialShape(), ""); err != nil {
		return err
	}
	end := skipJSONSpace(data, dec.InputOffset())
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonSyntaxError(data, err)
		}
		return invalidf("JSON, %s : données après la fin du référentiel", position(data, end))
	}
	return nil
}

// walkJSON checks the value that comes next in dec against s; path names
// it in messages ("scale[1].label").
func walkJSON(dec *json.Decoder, data []byte, s *jsonShape, path string) error {
	start := skipJSONSpace(data, dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return jsonSyntaxError(data, err)
	}
	if tok == nil && path != "" {
		return nil // null: encoding/json leaves the zero value, Validate judges it
	}
	wrong := func(want string) error {
		if path == "" {
			return invalidf("JSON, %s : le document doit être %s, pas %s", position(data, start), want, jsonTokenName(tok))
		}
		return invalidf("JSON, %s : %s doit être %s, pas %s", position(data, start), path, want, jsonTokenName(tok))
	}
	switch s.kind {
	case jsonString:
		if _, ok := tok.(string); !ok {
			return wrong("une chaîne")
		}
	case jsonArray:
		if tok != json.Delim('[') {
			return wrong("une liste [ … ]")
		}
		for i := 0; dec.More(); i++ {
			if err := walkJSON(dec, data, s.elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return jsonSyntaxError(data, err)
		}
	case jsonObject:
		if tok != json.Delim('{') {
			return wrong("un objet { … }")
		}
		seen := map[string]bool{}
		for dec.More() {
			start := skipJSONSpace(data, dec.InputOffset())
			tok, err := dec.Token()
			if err != nil {
				return jsonSyntaxError(data, err)
			}
			name, _ := tok.(string) // keys are strings
			child, ok := s.fields[name]
			if !ok {
				return invalidf("JSON, %s : champ inconnu %s%s (champs attendus : %s)", position(data, start), show(name), where(path), fieldList(s))
			}
			if seen[name] {
				return invalidf("JSON, %s : champ %s%s en double", position(data, start), show(name), where(path))
			}
			seen[name] = true
			field := name
			if path != "" {
				field = path + "." + name
			}
			if err := walkJSON(dec, data, child, field); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return jsonSyntaxError(data, err)
		}
	}
	return nil
}

// jsonTokenName names the type of a token, in French.
func jsonTokenName(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "une chaîne"
	case json.Number, float64:
		return "un nombre"
	case bool:
		return "un booléen"
	case nil:
		return "null"
	}
	if tok == json.Delim('[') {
		return "une liste"
	}
	return "un objet"
}

func where(path string) string {
	if path == "" {
		return ""
	}
	return " dans " + path
}

// fieldList lists the field names of a shape in a stable order.
func fieldList(s *jsonShape) string {
	order := []string{"code", "label", "kind", "value", "block", "block_label", "scale", "competencies", "mefs"}
	var names []string
	for _, n := range order {
		if _, ok := s.fields[n]; ok {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// jsonSyntaxError reports a syntax error of data with its position, in
// French. The decoder's token errors are not used as they are: their
// offsets point at the offending byte or after it depending on where they
// were found, so the document is scanned again by encoding/json's checker,
// whose offsets always follow the offending byte.
func jsonSyntaxError(data []byte, tokenErr error) error {
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn) && strings.Contains(syn.Error(), "unexpected end"):
		return invalidf("JSON : le document s'arrête avant la fin (accolade, crochet ou guillemet non fermé ?)")
	case errors.As(err, &syn):
		at := syn.Offset - 1 // the offending byte
		if strings.Contains(syn.Error(), "max depth") {
			return invalidf("JSON, %s : imbrication trop profonde", position(data, at))
		}
		c, _ := utf8.DecodeRune(data[max(at, 0):])
		return invalidf("JSON, %s : syntaxe invalide (caractère %s inattendu)", position(data, at), showChar(c))
	case errors.Is(tokenErr, io.EOF), errors.Is(tokenErr, io.ErrUnexpectedEOF):
		return invalidf("JSON : le document s'arrête avant la fin (accolade, crochet ou guillemet non fermé ?)")
	}
	return invalidf("JSON : syntaxe invalide")
}

// position returns "ligne L, colonne C" of a byte offset (columns count
// characters, from 1).
func position(data []byte, offset int64) string {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("ligne %d, colonne %d", line, col)
}

// skipJSONSpace returns the offset of the first byte from off that is not
// JSON whitespace or a separator, i.e. where the next token starts.
func skipJSONSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// readAll reads at most maxInput bytes; a larger input is an error rather
// than a truncated file.
func readAll(rd io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(rd, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("lecture du fichier : %w", err)
	}
	if len(data) > maxInput {
		return nil, invalidf("fichier trop volumineux (%d Mo au plus)", maxInput>>20)
	}
	return data, nil
}

// validReferentialCode reports whether s matches [A-Z0-9-]{2,40}.
func validReferentialCode(s string) bool {
	if len(s) < 2 || len(s) > maxCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validItemCode reports whether s matches [A-Za-z0-9._-]{1,20}.
func validItemCode(s string) bool {
	if len(s) < 1 || len(s) > maxItemCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkLabel returns what is wrong with a label, or "".
func checkLabel(s string, required bool) string {
	if required && strings.TrimSpace(s) == "" {
		return "vide"
	}
	return checkText(s, maxLabelLen)
}

// checkText returns what is wrong with a free text of at most max runes, or
// "". Control characters (line breaks included) are refused: labels are
// shown on one line, in CSV cells and in grid headers.
func checkText(s string, max int) string {
	if !utf8.ValidString(s) {
		return "texte mal encodé (UTF-8 attendu)"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("trop long (%d caractères, au plus %d)", n, max)
	}
	if s != strings.TrimSpace(s) {
		return "espaces en début ou en fin"
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return "caractère de contrôle (retour à la ligne, tabulation…) interdit"
		}
	}
	return ""
}

// show prints a user-supplied value in a message: as is when it is a plain
// code, quoted (and cut) otherwise, so that a message never carries
// invisible characters or a whole file.
func show(s string) string {
	if s != "" && validItemCode(s) {
		return s
	}
	const max = 40
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	var b strings.Builder
	b.WriteString("« ")
	for _, c := range s {
		if unicode.IsGraphic(c) {
			b.WriteRune(c)
			continue
		}
		q := strconv.QuoteRune(c) // '\n', '\x00': visible
		b.WriteString(q[1 : len(q)-1])
	}
	b.WriteString(" »")
	return b.String()
}

// showChar prints one character of a file in a message.
func showChar(c rune) string {
	if unicode.IsGraphic(c) && !unicode.IsSpace(c) {
		return "« " + string(c) + " »"
	}
	return strconv.QuoteRuneToGraphic(c)
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

// fold returns s in lower case without the accents of French (and other
// Latin) letters, for comparisons of what people type: "Maitrisé",
// "MAÎTRISÉ" and "maîtrisé" fold alike.
func fold(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(strings.TrimSpace(s)) {
		switch c {
		case 'à', 'á', 'â', 'ã', 'ä', 'å':
			b.WriteByte('a')
		case 'ç':
			b.WriteByte('c')
		case 'è', 'é', 'ê', 'ë':
			b.WriteByte('e')
		case 'ì', 'í', 'î', 'ï':
			b.WriteByte('i')
		case 'ñ':
			b.WriteByte('n')
		case 'ò', 'ó', 'ô', 'õ', 'ö':
			b.WriteByte('o')
		case 'ù', 'ú', 'û', 'ü':
			b.WriteByte('u')
		case 'ý', 'ÿ':
			b.WriteByte('y')
		case 'œ':
			b.WriteString("oe")
		case 'æ':
			b.WriteString("ae")
		case '’':
			b.WriteByte('\'')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
