package siecle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// FileError reports a file that cannot be read as a whole: XML syntax error,
// truncated file, wrong root, missing or duplicated key. Its message is in
// French and says where the problem is, because it is shown to the
// establishment administrator who must fix or re-export the file.
//
// A FileError never contains an INE.
type FileError struct {
	// Line is the 1-based line of the problem in the XML document, or 0 when
	// it is not known (for example an archive that holds no XML).
	Line int
	// Element is the name of the XML element being read, or "".
	Element string
	// Msg is the complete explanation in plain French.
	Msg string
	// Err is the underlying error, for errors.Is and errors.As; its text is
	// already summarised in Msg.
	Err error
}

// Error returns "ligne 42, élément ELEVE : <explanation>".
func (e *FileError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "ligne %d", e.Line)
	}
	if e.Element != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("élément ")
		b.WriteString(e.Element)
	}
	if b.Len() > 0 {
		b.WriteString(" : ")
	}
	switch {
	case e.Msg != "":
		b.WriteString(e.Msg)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("fichier illisible")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// ErrEncoding is wrapped (through FileError) when the XML declaration names
// an encoding the reader does not know.
var ErrEncoding = errors.New("encodage non pris en charge")

// isINEElement reports whether name is an element that holds an INE: errors
// raised inside them must not quote their content.
func isINEElement(name string) bool {
	return name == "ID_NATIONAL" || name == "INE_RNIE" || name == "INE_BEA"
}

// charsetFor returns the decoding of an encoding SIECLE is known to declare,
// nil for UTF-8. ISO-8859-1 is decoded as windows-1252 (see charsetWin1252).
func charsetFor(label string) (*charset, error) {
	norm := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '.':
			return -1
		}
		return r
	}, strings.ToLower(label))
	switch norm {
	case "iso885915", "iso885915:1999", "latin9", "l9", "csisolatin9":
		return charsetLatin9, nil
	case "iso88591", "iso885911987", "latin1", "l1", "csisolatin1", "windows1252", "cp1252", "xcp1252",
		"usascii", "ascii":
		// ASCII is a subset of windows-1252; decoding it so tolerates the
		// accented bytes that mislabelled files contain.
		return charsetWin1252, nil
	case "utf8":
		return nil, nil
	}
	return nil, fmt.Errorf("%w : %q (ISO-8859-15, ISO-8859-1, windows-1252 ou UTF-8 attendus)", ErrEncoding, label)
}

// parser reads elements with the tokenizer and turns its errors into
// *FileError naming the line and the element being read.
type parser struct {
	t *tokenizer
}

func newParser(r io.Reader) *parser {
	t := newTokenizer(r)
	t.keepMax = maxValue
	return &parser{t: t}
}

// line returns the current line in the document: after a start tag, the
// line of its '>'.
func (p *parser) line() int { return p.t.line }

// current returns the innermost open element, or "".
func (p *parser) current() string { return string(p.t.currentLocal()) }

// name returns the local name of the element just started. Compare it with
// a switch on string(p.name()), which does not allocate.
func (p *parser) name() []byte { return p.t.name[p.t.nlocal:] }

// attr returns the trimmed value of the attribute named name of the element
// just started, or "".
func (p *parser) attr(name string) string {
	return string(bytes.TrimSpace(p.t.attr(name)))
}

// next returns the next token (see tokenizer.next) and turns errors into
// *FileError.
func (p *parser) next(mode readMode) (tokKind, error) {
	k, err := p.t.next(mode)
	if err != nil {
		return k, p.fail(err)
	}
	return k, nil
}

// fail converts an error of the tokenizer or of the underlying reader.
func (p *parser) fail(err error) error {
	fe := &FileError{Line: p.line(), Element: p.current(), Err: err}
	var se *syntaxError
	switch {
	case errors.As(err, &se):
		fe.Line = se.line
		switch {
		case se.eof:
			fe.Msg = "le fichier est tronqué : il s'arrête avant la fin du document (téléchargement ou copie interrompu ?)"
			if fe.Element != "" {
				fe.Msg = fmt.Sprintf("le fichier est tronqué : il s'arrête avant la fin de l'élément %s (téléchargement ou copie interrompu ?)", fe.Element)
			}
		case isINEElement(fe.Element):
			// The message may quote the text it choked on: never let an INE
			// reach a message.
			fe.Msg = "XML invalide dans l'identifiant national (contenu non reproduit)"
			fe.Err = errors.New("XML invalide")
		default:
			fe.Msg = "XML invalide : " + se.msg
		}
	case errors.Is(err, ErrEncoding):
		fe.Msg = "encodage déclaré non pris en charge : " + encodingLabel(err)
	default:
		fe.Msg = "lecture impossible : " + err.Error()
	}
	return fe
}

// encodingLabel extracts the declared label from a charsetFor error.
func encodingLabel(err error) string {
	s := err.Error()
	if i := strings.Index(s, ErrEncoding.Error()+" : "); i >= 0 {
		return s[i+len(ErrEncoding.Error())+3:]
	}
	return s
}

// root reads up to the root element and checks its name. The message names
// the root found, and the file it belongs to when known, so that a user who
// picked the wrong file learns which file he picked. The root's attributes
// are then available with attr.
func (p *parser) root(want, what string) error {
	for {
		p.t.text, p.t.textOver = p.t.text[:0], false
		k, err := p.next(reportText)
		if err != nil {
			return err
		}
		switch k {
		case tokEOF:
			return &FileError{Line: p.line(), Msg: "le fichier est vide ou ne contient aucun élément XML", Err: io.EOF}
		case tokStart:
			if name := string(p.name()); name != want {
				msg := fmt.Sprintf("ce fichier n'est pas %s : son élément racine est %s, %s attendu", what, name, want)
				if hint := rootHint(name); hint != "" {
					msg += " (" + hint + ")"
				}
				return &FileError{Line: p.line(), Element: name, Msg: msg}
			}
			return nil
		case tokText:
			if len(bytes.TrimSpace(p.t.text)) > 0 || p.t.textOver {
				return &FileError{Line: p.line(), Msg: "ce fichier n'est pas un document XML (du texte précède le premier élément)"}
			}
		}
	}
}

// end checks that nothing but white space, comments and processing
// instructions follows the root element, whose end was just read: text or a
// second element there is a broken or concatenated file.
func (p *parser) end(root string) error {
	for {
		p.t.text, p.t.textOver = p.t.text[:0], false
		k, err := p.next(reportText)
		if err != nil {
			return err
		}
		switch k {
		case tokEOF:
			return nil
		case tokStart:
			return &FileError{Line: p.line(), Element: string(p.name()),
				Msg: fmt.Sprintf("élément %s après la fin de l'élément racine %s : le fichier est incohérent (deux fichiers mis bout à bout ?)", p.name(), root)}
		case tokText:
			if len(bytes.TrimSpace(p.t.text)) > 0 || p.t.textOver {
				return &FileError{Line: p.line(), Msg: fmt.Sprintf("du texte suit la fin de l'élément racine %s : le fichier est incohérent", root)}
			}
		}
	}
}

// rootHint names the known SIECLE / STS files by their root, to help a user
// who uploaded the wrong export.
func rootHint(root string) string {
	switch root {
	case "BEE_ELEVES":
		return "c'est un export élèves de SIECLE"
	case "BEE_NOMENCLATURES":
		return "c'est le fichier des nomenclatures, Nomenclature.xml"
	case "BEE_STRUCTURES":
		return "c'est l'export des structures, pas celui des élèves"
	case "BEE_RESPONSABLES":
		return "c'est l'export des responsables, pas celui des élèves"
	case "STS_EDT":
		return "c'est un export STS-web des enseignants"
	}
	return ""
}

// child reads up to the next child of the current element: it returns true
// with the child just started (name, attr), or false once the current
// element has ended. The caller must consume the child (text, skip or a
// child loop of its own).
func (p *parser) child() (bool, error) {
	for {
		k, err := p.t.next(skipText)
		if err != nil {
			return false, p.fail(err)
		}
		switch k {
		case tokStart:
			return true, nil
		case tokEnd, tokEOF:
			return false, nil
		}
	}
}

// skip consumes the rest of the current element, whose start was just read.
func (p *parser) skip() error {
	depth := p.t.depth()
	for {
		k, err := p.t.next(skipText)
		if err != nil {
			return p.fail(err)
		}
		if k == tokEnd && p.t.depth() < depth || k == tokEOF {
			return nil
		}
	}
}

// span locates a value in a buffer of values; over means that the value
// was longer than the tokenizer keeps (maxValue), and is not all there.
type span struct {
	off, end int
	over     bool
}

func (s span) empty() bool { return s.off == s.end }

// attrTo appends the trimmed value of the attribute name of the element
// just started to *dst and returns where it is.
func (p *parser) attrTo(dst *[]byte, name string) span {
	off := len(*dst)
	*dst = append(*dst, bytes.TrimSpace(p.t.attr(name))...)
	return span{off: off, end: len(*dst)}
}

// maxStudentValues caps the values of one student (ELEVE or STRUCTURES_ELEVE)
// that textTo gathers: a genuine student holds a few hundred bytes, and
// even every field at its limit stays far below; only an element repeated
// over and over (each repetition keeps its value) reaches it.
const maxStudentValues = 64 << 10

// textTo is text appending the value to *dst instead of allocating it. It
// refuses to let *dst grow beyond maxStudentValues.
func (p *parser) textTo(dst *[]byte) (span, error) {
	if len(*dst) > maxStudentValues {
		return span{}, &FileError{Line: p.line(), Element: p.current(),
			Msg: fmt.Sprintf("trop de valeurs pour un même élève (plus de %d Kio : éléments répétés ?)", maxStudentValues>>10)}
	}
	p.t.text, p.t.textOver = p.t.text[:0], false
	for {
		k, err := p.t.next(keepText)
		if err != nil {
			return span{}, p.fail(err)
		}
		switch k {
		case tokStart:
			if err := p.skip(); err != nil {
				return span{}, err
			}
		case tokEnd:
			off := len(*dst)
			*dst = append(*dst, bytes.TrimSpace(p.t.text)...)
			return span{off: off, end: len(*dst), over: p.t.textOver}, nil
		}
	}
}

// text returns the trimmed character data of the current element (whose
// start was just read) and consumes its end. Nested elements are skipped:
// a leaf that unexpectedly grew children still yields its own text. A value
// over max characters is returned as "" with over set.
func (p *parser) text(max int) (v string, over bool, err error) {
	p.t.text, p.t.textOver = p.t.text[:0], false
	for {
		k, err := p.next(keepText)
		if err != nil {
			return "", false, err
		}
		switch k {
		case tokStart:
			if err := p.skip(); err != nil {
				return "", false, err
			}
		case tokEnd:
			b := bytes.TrimSpace(p.t.text)
			if p.t.textOver || len(b) > max && utf8.RuneCount(b) > max {
				return "", true, nil
			}
			return string(b), false, nil
		}
	}
}
