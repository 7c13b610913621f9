package siecle

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
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

// charsetReader converts the encodings SIECLE is known to declare into UTF-8
// for encoding/xml. ISO-8859-1 is decoded as windows-1252, as browsers do,
// because files labelled latin-1 are often produced on Windows and use its
// extra characters (œ, ’, €) in the 0x80–0x9F range.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	norm := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '.':
			return -1
		}
		return r
	}, strings.ToLower(label))
	switch norm {
	case "iso885915", "iso885915:1999", "latin9", "l9", "csisolatin9":
		return charmap.ISO8859_15.NewDecoder().Reader(input), nil
	case "iso88591", "iso885911987", "latin1", "l1", "csisolatin1", "windows1252", "cp1252", "xcp1252",
		"usascii", "ascii":
		// ASCII is a subset of windows-1252; decoding it so tolerates the
		// accented bytes that mislabelled files contain.
		return charmap.Windows1252.NewDecoder().Reader(input), nil
	case "utf8":
		return input, nil
	}
	return nil, fmt.Errorf("%w : %q (ISO-8859-15, ISO-8859-1, windows-1252 ou UTF-8 attendus)", ErrEncoding, label)
}

// bomSkipper drops a leading UTF-8 byte order mark, which Windows editors
// add and encoding/xml rejects as text before the root.
type bomSkipper struct {
	r       io.Reader
	checked bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if b.checked {
		return b.r.Read(p)
	}
	b.checked = true
	var head [3]byte
	n, err := io.ReadFull(b.r, head[:])
	if n == 3 && head == [3]byte{0xEF, 0xBB, 0xBF} {
		return b.r.Read(p)
	}
	b.r = io.MultiReader(bytes.NewReader(head[:n]), b.r)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	return b.r.Read(p)
}

// parser wraps an xml.Decoder with the stack of open elements, so that any
// error can say in which element it happened.
type parser struct {
	d     *xml.Decoder
	stack []string
	buf   []byte
}

func newParser(r io.Reader) *parser {
	d := xml.NewDecoder(&bomSkipper{r: r})
	d.CharsetReader = charsetReader
	// HTML entities (&eacute;) appear in files edited by hand; accepting them
	// costs nothing.
	d.Entity = xml.HTMLEntity
	return &parser{d: d, stack: make([]string, 0, 8)}
}

// line returns the current line in the document.
func (p *parser) line() int {
	l, _ := p.d.InputPos()
	return l
}

// current returns the innermost open element, or "".
func (p *parser) current() string {
	if len(p.stack) == 0 {
		return ""
	}
	return p.stack[len(p.stack)-1]
}

// next returns the next token, keeping the element stack, and turns decoder
// errors into *FileError.
func (p *parser) next() (xml.Token, error) {
	tok, err := p.d.Token()
	if err != nil {
		return nil, p.fail(err)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		p.stack = append(p.stack, t.Name.Local)
	case xml.EndElement:
		if len(p.stack) > 0 {
			p.stack = p.stack[:len(p.stack)-1]
		}
	}
	return tok, nil
}

// fail converts an error of the decoder or of the underlying reader.
func (p *parser) fail(err error) error {
	fe := &FileError{Line: p.line(), Element: p.current(), Err: err}
	var se *xml.SyntaxError
	switch {
	case errors.Is(err, io.EOF) && len(p.stack) == 0:
		fe.Msg = "le fichier est vide ou ne contient aucun élément XML"
	case errors.As(err, &se):
		fe.Line = se.Line
		switch {
		case strings.HasPrefix(se.Msg, "unexpected EOF"):
			fe.Msg = "le fichier est tronqué : il s'arrête avant la fin du document (téléchargement ou copie interrompu ?)"
			if fe.Element != "" {
				fe.Msg = fmt.Sprintf("le fichier est tronqué : il s'arrête avant la fin de l'élément %s (téléchargement ou copie interrompu ?)", fe.Element)
			}
		case isINEElement(fe.Element):
			// The decoder may quote the text it choked on: never let an INE
			// reach a message.
			fe.Msg = "XML invalide dans l'identifiant national (contenu non reproduit)"
			fe.Err = errors.New("XML invalide")
		default:
			fe.Msg = "XML invalide : " + se.Msg
		}
	case errors.Is(err, ErrEncoding):
		fe.Msg = "encodage déclaré non pris en charge : " + encodingLabel(err)
	default:
		fe.Msg = "lecture impossible : " + err.Error()
	}
	return fe
}

// encodingLabel extracts the declared label from a charsetReader error.
func encodingLabel(err error) string {
	s := err.Error()
	if i := strings.Index(s, ErrEncoding.Error()+" : "); i >= 0 {
		return s[i+len(ErrEncoding.Error())+3:]
	}
	return s
}

// root reads up to the root element and checks its name. The message names
// the root found, and the file it belongs to when known, so that a user who
// picked the wrong file learns which file he picked.
func (p *parser) root(want, what string) (xml.StartElement, error) {
	for {
		tok, err := p.next()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != want {
				msg := fmt.Sprintf("ce fichier n'est pas %s : son élément racine est %s, %s attendu", what, t.Name.Local, want)
				if hint := rootHint(t.Name.Local); hint != "" {
					msg += " (" + hint + ")"
				}
				return t, &FileError{Line: p.line(), Element: t.Name.Local, Msg: msg}
			}
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, &FileError{Line: p.line(), Msg: "ce fichier n'est pas un document XML (du texte précède le premier élément)"}
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

// skip consumes the rest of the current element, whose start was just read.
func (p *parser) skip() error {
	depth := 1
	for depth > 0 {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// text returns the trimmed character data of the current element (whose
// start was just read) and consumes its end. Nested elements are skipped:
// a leaf that unexpectedly grew children still yields its own text.
func (p *parser) text() (string, error) {
	p.buf = p.buf[:0]
	for {
		tok, err := p.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			p.buf = append(p.buf, t...)
		case xml.StartElement:
			if err := p.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return string(bytes.TrimSpace(p.buf)), nil
		}
	}
}

// children calls fn for each child element of the current element (whose
// start was just read) and returns at its end. fn must consume the child
// (text, skip or its own children loop).
func (p *parser) children(fn func(xml.StartElement) error) error {
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// attr returns the trimmed value of the attribute named name, or "".
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}
