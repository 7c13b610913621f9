package siecle

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// This file holds the streaming XML tokenizer the readers are built on. It
// replaces encoding/xml's Decoder, whose byte-at-a-time reading capped the
// reader at about 17,000 students/s, with a tokenizer that scans a buffer
// in bulk and allocates nothing per token.
//
// It is specialised for what SIECLE exports contain, not a general XML
// parser:
//
//   - input is UTF-8 or one of the single-byte charsets of charsetFor; text
//     and attribute values are decoded only when the caller keeps them (the
//     bytes of a skipped element are checked, never copied);
//   - it checks what encoding/xml checks (nesting, names, attribute syntax,
//     references, characters, UTF-8), so that a broken or truncated file is
//     refused as before, and is stricter where encoding/xml is lax and a
//     real export never goes: an XML declaration that does not come first
//     (after at most 64 KiB of white space), a directive other than
//     <!DOCTYPE, a DOCTYPE after the root has started, and entity
//     declarations (whose expansion nothing here would perform) are refused;
//   - name spaces are not interpreted: a prefixed name is known by its local
//     part, as the encoding/xml reader knew it;
//   - like encoding/xml, it accepts a sequence of top-level elements; the
//     reader checks that there is a single root;
//   - names containing non-ASCII letters follow the rules of XML 1.0 fifth
//     edition (encoding/xml follows the older tables of the fourth);
//   - its memory is bounded whatever the document (docs/limits.md): elements
//     nest at most maxDepth levels, a piece of markup (a tag with its
//     attributes, a reference, the XML declaration) holds at most maxMarkup
//     bytes, and the character data kept for a value stops at keepMax bytes
//     (the rest is checked, not kept). Documents beyond the first two limits
//     are refused; encoding/xml would read them, holding all of it.
//
// xmltoken_test.go compares it with encoding/xml, and FuzzTokenizer keeps
// comparing on random inputs.

// readMode says what next does with character data.
type readMode uint8

const (
	skipText   readMode = iota // check it and drop it
	reportText                 // keep it and report it as a tokText
	keepText                   // keep it, without tokText (the caller only wants tags)
)

// tokKind is the kind of token next returned.
type tokKind uint8

const (
	tokEOF   tokKind = iota // end of input, outside any element
	tokStart                // start tag: name, attributes
	tokEnd                  // end tag (or the end of a self-closing tag): name
	tokText                 // character data, appended to text (kept only)
)

// initialBuf is the size of the input window; it grows only for a token
// (tag, reference) longer than the window, up to about twice maxMarkup.
const initialBuf = 64 << 10

// Limits that keep the tokenizer's memory bounded whatever the document. A
// SIECLE export nests 6 levels (BEE_ELEVES, DONNEES, ELEVES, ELEVE,
// SCOLARITE_AN_DERNIER, CODE_RNE) and its longest tag is an ELEVE start
// tag of about 40 bytes: the limits leave a wide margin and stop a document
// of nested elements (each open element costs memory) or of one huge tag.
const (
	// maxDepth is the deepest nesting accepted: the root is at depth 1.
	maxDepth = 32
	// maxMarkup caps a start tag with its attributes, an end tag, a
	// reference, the XML declaration, and the names of the open elements
	// together, in bytes.
	maxMarkup = 256 << 10
)

// charset decodes one of the single-byte charsets SIECLE declares.
type charset struct {
	dec [256]rune
}

func newCharset(cm *charmap.Charmap) *charset {
	cs := &charset{}
	for i := range cs.dec {
		cs.dec[i] = cm.DecodeByte(byte(i))
	}
	return cs
}

// The decoding tables are built once and never written again. ISO-8859-1
// (and ASCII) are decoded as windows-1252, as browsers do, because files
// labelled latin-1 are often produced on Windows and use its extra
// characters (œ, ’, €) in the 0x80–0x9F range.
var (
	charsetLatin9  = newCharset(charmap.ISO8859_15)
	charsetWin1252 = newCharset(charmap.Windows1252)
)

// Byte classes of character data (text, CDATA, attribute values). Zero is
// a byte copied as is; the others need a look.
const (
	cPlain   uint8 = iota
	cNL            // \n: copied as is, counts a line
	cLT            // <
	cAmp           // &
	cCR            // \r: normalised to \n
	cBracket       // ]: may start ]]>
	cHigh          // non-ASCII: decoded or checked as UTF-8
	cBad           // control character, not allowed in XML
)

// Character data classes: textClass looks at non-ASCII bytes (to check
// UTF-8, or to decode a single-byte charset); textClassLatin does not, for
// single-byte text that is only checked (every byte of 0x80–0xFF is a valid
// character there).
var (
	textClass      = makeTextClass(cHigh)
	textClassLatin = makeTextClass(cPlain)
)

func makeTextClass(high uint8) *[256]uint8 {
	var c [256]uint8
	for i := range 0x20 {
		c[i] = cBad
	}
	c['\t'] = cPlain
	c['\n'] = cNL
	c['\r'] = cCR
	c['<'] = cLT
	c['&'] = cAmp
	c[']'] = cBracket
	for i := 0x80; i < 0x100; i++ {
		c[i] = high
	}
	return &c
}

// Name byte classes: zero ends a name. encoding/xml delimits names the same
// way (any non-ASCII byte belongs to the name) and then checks them.
const (
	nName  uint8 = 1
	nColon uint8 = 2
	nHigh  uint8 = 4
)

var nameClass = func() *[256]uint8 {
	var c [256]uint8
	for i := range 256 {
		b := byte(i)
		switch {
		case 'A' <= b && b <= 'Z', 'a' <= b && b <= 'z', '0' <= b && b <= '9', b == '_', b == '.', b == '-':
			c[i] = nName
		case b == ':':
			c[i] = nName | nColon
		case b >= 0x80:
			c[i] = nName | nHigh
		}
	}
	return &c
}()

// The scanning loops look at 8 bytes at a time (SWAR: SIMD within a
// register). A mask has the high bit of each byte that matters set; the
// first such byte is at bits.TrailingZeros64(mask)/8 (little endian). The
// arithmetic works on bytes below 0x80, where adding 0x80-lo sets the high
// bit exactly when the byte is ≥ lo, without carrying into the next byte.
const (
	ones8  = 0x0101010101010101
	highs8 = 0x8080808080808080
	lows8  = 0x7F7F7F7F7F7F7F7F
)

// zeroBytes marks the zero bytes of y, whose bytes are below 0x80.
func zeroBytes(y uint64) uint64 { return ^((y + lows8) | y) & highs8 }

// textStop marks the bytes of x that can end a run of plain character data:
// controls (\n among them), '<', '&', ']' and non-ASCII bytes. It may mark
// a byte that is plain after all (\t): the caller looks at marked bytes
// one by one.
func textStop(x uint64) uint64 {
	y := x & lows8
	return (x | ^(y + (0x80-0x20)*ones8) | zeroBytes(y^'<'*ones8) | zeroBytes(y^'&'*ones8) | zeroBytes(y^']'*ones8)) & highs8
}

// nameStop marks the bytes of x that are not upper-case letters, digits or
// '_', the bytes of SIECLE names (others, like lower-case letters, are then
// looked at one by one).
func nameStop(x uint64) uint64 {
	y := x & lows8
	upper := (y + (0x80-'A')*ones8) &^ (y + (0x80-'Z'-1)*ones8)
	digit := (y + (0x80-'0')*ones8) &^ (y + (0x80-'9'-1)*ones8)
	under := zeroBytes(y ^ '_'*ones8)
	return (x | ^(upper | digit | under)) & highs8
}

// isNameStartASCII reports whether the ASCII byte b may start a name.
func isNameStartASCII(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || b == '_' || b == ':'
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// inCharRange reports whether r is allowed in an XML document (production
// Char of XML 1.0).
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// isNameStartRune and isNameRune are the NameStartChar and NameChar
// productions of XML 1.0 fifth edition.
func isNameStartRune(r rune) bool {
	switch {
	case r < 0x80:
		return r < utf8.RuneSelf && isNameStartASCII(byte(r))
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func isNameRune(r rune) bool {
	if r < 0x80 {
		return nameClass[byte(r)]&nName != 0
	}
	return isNameStartRune(r) || r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

// isUnicodeName checks a UTF-8 name with non-ASCII characters.
func isUnicodeName(s []byte) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			return false
		}
		if i == 0 && !isNameStartRune(r) || !isNameRune(r) {
			return false
		}
		i += n
	}
	return len(s) > 0
}

// syntaxError is a well-formedness error at a line of the document.
type syntaxError struct {
	line int
	msg  string
	eof  bool // the document ends before the construct does (truncated file)
	// strict marks the refusals encoding/xml would not make (see the top
	// of this file); the differential tests rely on it.
	strict bool
}

func (e *syntaxError) Error() string { return fmt.Sprintf("ligne %d : %s", e.line, e.msg) }

// openElem is an open element: where its name starts in names, and whether
// the name has non-ASCII characters.
type openElem struct {
	off  int
	high bool
}

// attrRef locates one attribute of the current start tag in abuf.
type attrRef struct {
	name, local, value, end int32
}

// tokenizer reads an XML document as a stream of tokens. Byte slices it
// exposes (name, attribute values) are valid until the next call of next.
type tokenizer struct {
	r    io.Reader
	rerr error // error of r (io.EOF included), reported once the data is used up
	buf  []byte
	pos  int // next byte to read
	end  int // end of the data in buf
	line int // line of pos, 1-based

	cs *charset // declared single-byte charset, nil for UTF-8

	prolog   bool // nothing read yet: BOM and XML declaration allowed
	rootSeen bool // an element was started: DOCTYPE no longer allowed

	// Open elements: their names (UTF-8) concatenated in names.
	names     []byte
	open      []openElem
	needClose bool // the last start tag was self-closing

	// Current token.
	name    []byte    // start or end tag: the name (UTF-8)
	nlocal  int       // start tag: where the local part of name starts
	attrs   []attrRef // start tag: attributes
	abuf    []byte    // attribute names and decoded values
	text    []byte    // kept character data, appended; the caller truncates it
	ename   []byte    // element name decoded to UTF-8
	scratch []byte    // name decoded to UTF-8 for a check

	// keepMax caps text (newTokenizer leaves it unlimited): white space
	// before the value is not kept, and what comes after keepMax bytes is
	// checked but dropped; textOver is then set if anything but white space
	// was dropped, so that bytes.TrimSpace(text) is the whole trimmed value
	// unless textOver. The caller resets text and textOver before each value.
	keepMax  int
	textOver bool

	err error // first error, returned again by every later call
}

func newTokenizer(r io.Reader) *tokenizer {
	return &tokenizer{
		r:       r,
		keepMax: math.MaxInt,
		buf:     make([]byte, initialBuf),
		line:    1,
		prolog:  true,
		names:   make([]byte, 0, 256),
		open:    make([]openElem, 0, 16),
		attrs:   make([]attrRef, 0, 8),
		abuf:    make([]byte, 0, 256),
		text:    make([]byte, 0, 256),
	}
}

// depth returns the number of open elements (the element of a self-closing
// tag stays open until its end token).
func (t *tokenizer) depth() int { return len(t.open) }

// local returns the local part of a name: "b" for "a:b".
func local(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i > 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return name
}

// currentLocal returns the local name of the innermost open element, or nil.
func (t *tokenizer) currentLocal() []byte {
	if len(t.open) == 0 {
		return nil
	}
	return local(t.names[t.open[len(t.open)-1].off:])
}

// attr returns the decoded value of the first attribute of the current start
// tag whose local name is name, or nil.
func (t *tokenizer) attr(name string) []byte {
	for _, a := range t.attrs {
		if string(t.abuf[a.local:a.value]) == name {
			return t.abuf[a.value:a.end]
		}
	}
	return nil
}

// push opens an element; the caller checks canPush first.
func (t *tokenizer) push(name []byte, high bool) {
	off := len(t.names)
	t.open = append(t.open, openElem{off: off, high: high})
	t.names = append(t.names, name...)
	t.name = t.names[off:]
}

// canPush reports whether an element named name (n bytes) may open: the
// limits on depth and on the names of the open elements.
func (t *tokenizer) canPush(n int) bool {
	return len(t.open) < maxDepth && len(t.names)+n <= maxMarkup
}

// pushError explains why canPush refused.
func (t *tokenizer) pushError() error {
	if len(t.open) >= maxDepth {
		return t.strictErr("éléments imbriqués sur plus de %d niveaux (un export SIECLE en compte moins de 10)", maxDepth)
	}
	return t.strictErr("noms des éléments ouverts trop longs (plus de %d Kio en tout)", maxMarkup>>10)
}

// pop closes the innermost element; t.name keeps its name until the next push.
func (t *tokenizer) pop() {
	off := t.open[len(t.open)-1].off
	t.name = t.names[off:len(t.names):len(t.names)]
	t.open = t.open[:len(t.open)-1]
	t.names = t.names[:off]
}

// fill reads more input, keeping buf[pos:end] (moved to the front). It
// reports false when nothing more can be read; rerr then says why.
func (t *tokenizer) fill() bool {
	if t.rerr != nil {
		return false
	}
	if t.pos > 0 {
		t.end = copy(t.buf, t.buf[t.pos:t.end])
		t.pos = 0
	}
	if t.end == len(t.buf) {
		nb := make([]byte, 2*len(t.buf))
		copy(nb, t.buf[:t.end])
		t.buf = nb
	}
	for range 100 {
		n, err := t.r.Read(t.buf[t.end:])
		t.end += n
		if err != nil {
			t.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	t.rerr = io.ErrNoProgress
	return false
}

// more reads until the data buffered from pos has doubled (at least 4 KiB
// more), or the input ends; it reports whether it read anything. Loops that
// parse a token again from its start after reading more use it, so that a
// reader handing out a few bytes at a time does not make them quadratic.
func (t *tokenizer) more() bool {
	have := t.end - t.pos
	want := have + max(have, 4096)
	read := false
	for t.end-t.pos < want && t.fill() {
		read = true
	}
	return read
}

// ensure tries to have n bytes available from pos.
func (t *tokenizer) ensure(n int) bool {
	for t.end-t.pos < n {
		if !t.fill() {
			return false
		}
	}
	return true
}

// markupCap refuses a piece of markup (what) of n bytes over maxMarkup. The
// loops that read more for a piece of markup check what they hold so far
// (from pos to the end of the buffered data), which bounds the buffer, and
// check the piece once read, which makes the limit exact.
func (t *tokenizer) markupCap(n int, what string) error {
	if n > maxMarkup {
		return t.strictErr("%s de plus de %d Kio", what, maxMarkup>>10)
	}
	return nil
}

// errAt returns a syntax error nl lines below the current line.
func (t *tokenizer) errAt(nl int, format string, args ...any) error {
	return &syntaxError{line: t.line + nl, msg: fmt.Sprintf(format, args...)}
}

// strictErr is errAt(0, …) for a refusal encoding/xml would not make.
func (t *tokenizer) strictErr(format string, args ...any) error {
	return &syntaxError{line: t.line, msg: fmt.Sprintf(format, args...), strict: true}
}

// truncated reports the end of the input in the middle of a construct: a
// read error as is, or a syntax error at the last line.
func (t *tokenizer) truncated() error {
	if t.rerr != nil && t.rerr != io.EOF {
		return t.rerr
	}
	line := t.line + bytes.Count(t.buf[t.pos:t.end], []byte{'\n'})
	return &syntaxError{line: line, msg: "fin de fichier inattendue", eof: true}
}

// quote shows s between guillemets for a message.
func (t *tokenizer) quote(s []byte) string { return "«" + t.show(s) + "»" }

// show shortens s for a message, in UTF-8.
func (t *tokenizer) show(s []byte) string {
	const max = 40
	cut := len(s) > max
	if cut {
		s = s[:max]
	}
	var u []byte
	if t.cs != nil {
		for _, c := range s {
			u = utf8.AppendRune(u, t.cs.dec[c])
		}
	} else {
		u = bytes.ToValidUTF8(s, []byte("\uFFFD"))
	}
	if cut {
		u = append(u, "…"...)
	}
	return string(u)
}

// next reads the next token. Character data is always checked; with
// reportText and keepText it is decoded and appended to text, and with
// reportText it is reported as a tokText before the markup that ends it.
// Comments and processing instructions are skipped, CDATA sections are
// character data. After an error, next returns it again.
func (t *tokenizer) next(mode readMode) (tokKind, error) {
	if t.err == nil {
		k, err := t.read(mode)
		if err == nil {
			return k, nil
		}
		t.err = err
	}
	return tokEOF, t.err
}

func (t *tokenizer) read(mode readMode) (tokKind, error) {
	if t.needClose {
		t.needClose = false
		t.pop()
		return tokEnd, nil
	}
	keep := mode != skipText
	mark := len(t.text)
	if t.prolog {
		if err := t.start(keep); err != nil {
			return tokEOF, err
		}
	}
	for {
		if t.pos == t.end || t.buf[t.pos] != '<' {
			if err := t.chars(keep, false); err != nil {
				return tokEOF, err
			}
			if t.pos == t.end { // end of input
				if mode == reportText && len(t.text) > mark {
					return tokText, nil
				}
				if len(t.open) > 0 {
					return tokEOF, t.truncated()
				}
				return tokEOF, nil
			}
		}
		// At '<'.
		if t.end-t.pos < 2 && !t.ensure(2) {
			return tokEOF, t.truncated()
		}
		var err error
		switch t.buf[t.pos+1] {
		case '/':
			if mode == reportText && len(t.text) > mark {
				return tokText, nil
			}
			return tokEnd, t.endTag()
		case '?':
			err = t.procInst(false)
		case '!':
			err = t.bang(keep)
		default:
			if mode == reportText && len(t.text) > mark {
				return tokText, nil
			}
			return tokStart, t.startTag()
		}
		if err != nil {
			return tokEOF, err
		}
	}
}

// start reads what may only come first: a UTF-8 byte order mark (which
// Windows editors add) and the XML declaration, possibly after white space.
func (t *tokenizer) start(keep bool) error {
	t.prolog = false
	t.ensure(3)
	if bytes.HasPrefix(t.buf[t.pos:t.end], []byte{0xEF, 0xBB, 0xBF}) {
		t.pos += 3
	}
	// Look past the white space without consuming it (up to a window, to
	// keep memory flat).
	k := 0
	for {
		for t.pos+k < t.end && isSpace(t.buf[t.pos+k]) {
			k++
		}
		if t.pos+k < t.end || k >= initialBuf || !t.more() {
			break
		}
	}
	if !t.ensure(k+2) || t.buf[t.pos+k] != '<' || t.buf[t.pos+k+1] != '?' {
		return nil
	}
	if err := t.chars(keep, false); err != nil {
		return err
	}
	return t.procInst(true)
}

// chars consumes character data up to the next '<' (text) or past the
// closing "]]>" (cdata), checking every character; when keep is true it
// appends the decoded data to text. In text it stops at the end of input.
func (t *tokenizer) chars(keep, cdata bool) error {
	cls := textClass
	if t.cs != nil && !keep {
		cls = textClassLatin
	}
	for {
		buf := t.buf[:t.end]
		i := t.pos
		for i < len(buf) {
			if i+8 <= len(buf) {
				stop := textStop(binary.LittleEndian.Uint64(buf[i:]))
				if stop == 0 {
					i += 8
					continue
				}
				i += bits.TrailingZeros64(stop) >> 3
			}
			if c := cls[buf[i]]; c != cPlain {
				if c != cNL {
					break
				}
				t.line++
			}
			i++
		}
		if keep && i > t.pos {
			if len(t.text)+i-t.pos <= t.keepMax {
				t.text = append(t.text, buf[t.pos:i]...)
			} else {
				t.keepCapped(buf[t.pos:i])
			}
		}
		t.pos = i
		if i == len(buf) {
			if t.fill() {
				continue
			}
			if cdata || t.rerr != io.EOF {
				return t.truncated()
			}
			return nil
		}
		c := buf[i]
		switch cls[c] {
		case cLT:
			if !cdata {
				return nil
			}
			t.plain(keep, c)
		case cCR:
			t.plain(keep, '\n')
			if t.ensure(1) && t.buf[t.pos] == '\n' {
				t.pos++
				t.line++
			}
		case cAmp:
			if cdata {
				t.plain(keep, c)
				break
			}
			if err := t.charRef(keep); err != nil {
				return err
			}
		case cBracket:
			if t.ensure(3) && t.buf[t.pos+1] == ']' && t.buf[t.pos+2] == '>' {
				if cdata {
					t.pos += 3
					return nil
				}
				return t.errAt(0, "la séquence «]]>» n'est permise que pour fermer une section CDATA")
			}
			t.plain(keep, c)
		case cHigh:
			if err := t.high(keep); err != nil {
				return err
			}
		default:
			return t.errAt(0, "caractère interdit U+%04X", c)
		}
	}
}

// plain consumes one byte of character data and keeps c for it.
func (t *tokenizer) plain(keep bool, c byte) {
	if keep {
		if len(t.text) < t.keepMax {
			t.text = append(t.text, c)
		} else {
			t.keepCapped([]byte{c})
		}
	}
	t.pos++
}

// keepCapped keeps what fits of b under keepMax (see tokenizer.keepMax).
// It is called only when b does not fit whole.
func (t *tokenizer) keepCapped(b []byte) {
	const space = " \t\r\n"
	// White space before the value is not part of it.
	if n := len(t.text) - len(bytes.TrimLeft(t.text, space)); n > 0 {
		t.text = t.text[:copy(t.text, t.text[n:])]
	}
	if len(t.text) == 0 {
		b = bytes.TrimLeft(b, space)
	}
	room := max(t.keepMax-len(t.text), 0)
	if len(b) <= room {
		t.text = append(t.text, b...)
		return
	}
	t.text = append(t.text, b[:room]...)
	if len(bytes.TrimLeft(b[room:], space)) > 0 {
		t.textOver = true
	}
}

// high consumes a non-ASCII character of character data.
func (t *tokenizer) high(keep bool) error {
	if t.cs != nil {
		if keep {
			if len(t.text)+utf8.UTFMax <= t.keepMax {
				t.text = utf8.AppendRune(t.text, t.cs.dec[t.buf[t.pos]])
			} else {
				var u [utf8.UTFMax]byte
				t.keepCapped(utf8.AppendRune(u[:0], t.cs.dec[t.buf[t.pos]]))
			}
		}
		t.pos++
		return nil
	}
	for !utf8.FullRune(t.buf[t.pos:t.end]) && t.fill() {
	}
	r, n := utf8.DecodeRune(t.buf[t.pos:t.end])
	if r == utf8.RuneError && n == 1 {
		return t.errAt(0, "UTF-8 invalide (le fichier est-il bien encodé comme il le déclare ?)")
	}
	if !inCharRange(r) {
		return t.errAt(0, "caractère interdit %U", r)
	}
	if keep {
		if len(t.text)+n <= t.keepMax {
			t.text = append(t.text, t.buf[t.pos:t.pos+n]...)
		} else {
			t.keepCapped(t.buf[t.pos : t.pos+n])
		}
	}
	t.pos += n
	return nil
}

// refStatus is the outcome of parseRef.
type refStatus uint8

const (
	refOK   refStatus = iota
	refMore           // the data ends inside the reference
	refBad            // not a reference encoding/xml or this reader knows
)

// parseRef decodes the reference at the start of s (s[0] == '&') as
// encoding/xml does: &#NNN; and &#xHHH; character references, the five
// predefined entities, and the entities of HTML (&eacute;), which appear in
// files edited by hand. It returns the rune (when repl is "") or the
// replacement text, and the length n of the reference (on refBad, of the
// text to quote).
func parseRef(s []byte) (r rune, repl string, n int, st refStatus) {
	if len(s) < 2 {
		return 0, "", 0, refMore
	}
	if s[1] == '#' {
		i := 2
		base := rune(10)
		if i < len(s) && s[i] == 'x' {
			base = 16
			i++
		}
		j := i
		var v rune
		for ; j < len(s); j++ {
			var d rune
			switch c := s[j]; {
			case '0' <= c && c <= '9':
				d = rune(c - '0')
			case base == 16 && 'a' <= c && c <= 'f':
				d = rune(c-'a') + 10
			case base == 16 && 'A' <= c && c <= 'F':
				d = rune(c-'A') + 10
			default:
				d = -1
			}
			if d < 0 {
				break
			}
			if v <= utf8.MaxRune {
				v = v*base + d
			}
		}
		switch {
		case j == len(s):
			return 0, "", 0, refMore
		case s[j] != ';':
			return 0, "", j, refBad
		case j == i || v > utf8.MaxRune:
			return 0, "", j + 1, refBad
		case v >= 0xD800 && v <= 0xDFFF:
			v = utf8.RuneError // as string(rune(v)) does in encoding/xml
		}
		return v, "", j + 1, refOK
	}
	j := 1
	for j < len(s) && nameClass[s[j]] != 0 {
		j++
	}
	switch {
	case j == len(s):
		return 0, "", 0, refMore
	case s[j] != ';':
		return 0, "", j, refBad
	}
	switch name := s[1:j]; string(name) {
	case "lt":
		return '<', "", j + 1, refOK
	case "gt":
		return '>', "", j + 1, refOK
	case "amp":
		return '&', "", j + 1, refOK
	case "apos":
		return '\'', "", j + 1, refOK
	case "quot":
		return '"', "", j + 1, refOK
	default:
		if v, ok := xml.HTMLEntity[string(name)]; ok {
			return 0, v, j + 1, refOK
		}
	}
	return 0, "", j + 1, refBad
}

// refError explains a reference parseRef refused.
func (t *tokenizer) refError(nl int, s []byte, n int) error {
	if n > 0 && s[n-1] == ';' {
		return t.errAt(nl, "référence %s inconnue ou invalide (pour écrire &, écrire &amp;)", t.quote(s[:n]))
	}
	return t.errAt(nl, "référence %s sans point-virgule final (pour écrire &, écrire &amp;)", t.quote(s[:n]))
}

// appendRef appends the replacement of a reference, which must be a valid
// character.
func (t *tokenizer) appendRef(dst []byte, nl int, r rune, repl string) ([]byte, error) {
	if repl != "" {
		return append(dst, repl...), nil
	}
	if !inCharRange(r) {
		return dst, t.errAt(nl, "caractère interdit %U", r)
	}
	return utf8.AppendRune(dst, r), nil
}

// charRef consumes the reference at pos in character data.
func (t *tokenizer) charRef(keep bool) error {
	for {
		s := t.buf[t.pos:t.end]
		r, repl, n, st := parseRef(s)
		switch st {
		case refMore:
			if err := t.markupCap(t.end-t.pos, "référence"); err != nil {
				return err
			}
			if !t.more() {
				return t.truncated()
			}
			continue
		case refBad:
			return t.refError(0, s, n)
		}
		if err := t.markupCap(n, "référence"); err != nil {
			return err
		}
		if repl == "" && !inCharRange(r) {
			return t.errAt(0, "caractère interdit %U", r)
		}
		if keep {
			var u [32]byte
			v, _ := t.appendRef(u[:0], 0, r, repl)
			if len(t.text)+len(v) <= t.keepMax {
				t.text = append(t.text, v...)
			} else {
				t.keepCapped(v)
			}
		}
		t.pos += n
		return nil
	}
}

// bang reads the markup starting with "<!": comment, CDATA section or
// DOCTYPE.
func (t *tokenizer) bang(keep bool) error {
	t.ensure(9)
	s := t.buf[t.pos:t.end]
	switch {
	case len(s) >= 3 && s[2] == '-':
		if len(s) < 4 {
			return t.truncated()
		}
		if s[3] != '-' {
			return t.errAt(0, "«<!-» ne commence pas un commentaire «<!--»")
		}
		t.pos += 4
		return t.comment()
	case len(s) >= 3 && s[2] == '[':
		if !bytes.HasPrefix(s[2:], []byte("[CDATA[")[:min(7, len(s)-2)]) {
			return t.errAt(0, "«<![» ne commence pas une section «<![CDATA[»")
		}
		if len(s) < 9 {
			return t.truncated()
		}
		t.pos += 9
		return t.chars(keep, true)
	}
	if !bytes.HasPrefix(s, []byte("<!DOCTYPE")[:min(9, len(s))]) {
		return t.strictErr("directive %s inattendue (seul <!DOCTYPE est permis, avant l'élément racine)", t.quote(s[:min(len(s), 9)]))
	}
	if len(s) < 9 {
		return t.truncated()
	}
	if t.rootSeen {
		return t.strictErr("<!DOCTYPE n'est permis qu'avant l'élément racine")
	}
	t.pos += 9
	return t.doctype()
}

// comment skips a comment, after "<!--".
func (t *tokenizer) comment() error {
	for {
		s := t.buf[t.pos:t.end]
		if k := bytes.Index(s, []byte("--")); k >= 0 {
			t.line += bytes.Count(s[:k], []byte{'\n'})
			t.pos += k + 2
			if !t.ensure(1) {
				return t.truncated()
			}
			if t.buf[t.pos] != '>' {
				return t.errAt(0, "«--» est interdit dans un commentaire")
			}
			t.pos++
			return nil
		}
		t.skipAllBut(1)
		if !t.fill() {
			return t.truncated()
		}
	}
}

// skipAllBut consumes the buffered data except its last keep bytes.
func (t *tokenizer) skipAllBut(keep int) {
	if n := t.end - t.pos - keep; n > 0 {
		t.line += bytes.Count(t.buf[t.pos:t.pos+n], []byte{'\n'})
		t.pos += n
	}
}

// skipUntil consumes the data up to and including the first sep.
func (t *tokenizer) skipUntil(sep string) error {
	for {
		s := t.buf[t.pos:t.end]
		if k := bytes.Index(s, []byte(sep)); k >= 0 {
			t.line += bytes.Count(s[:k+len(sep)], []byte{'\n'})
			t.pos += k + len(sep)
			return nil
		}
		t.skipAllBut(len(sep) - 1)
		if !t.fill() {
			return t.truncated()
		}
	}
}

// getc consumes one byte (cold paths only).
func (t *tokenizer) getc() (byte, bool) {
	if t.pos == t.end && !t.fill() {
		return 0, false
	}
	c := t.buf[t.pos]
	t.pos++
	if c == '\n' {
		t.line++
	}
	return c, true
}

// doctype skips a document type declaration, after "<!DOCTYPE", as
// encoding/xml delimits it: up to the '>' at depth 0 outside quotes. An
// internal subset that declares entities is refused: their replacement
// text would silently be lost (and entity expansion is a classic attack).
func (t *tokenizer) doctype() error {
	var quote byte
	depth := 0
	for {
		c, ok := t.getc()
		if !ok {
			return t.truncated()
		}
		switch {
		case quote == 0 && c == '>' && depth == 0:
			return nil
		case c == quote:
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case c == '>':
			depth--
		case c == '<':
			t.ensure(7)
			s := t.buf[t.pos:t.end]
			switch {
			case bytes.HasPrefix(s, []byte("!--")):
				t.pos += 3
				if err := t.skipUntil("-->"); err != nil {
					return err
				}
			case bytes.HasPrefix(s, []byte("!ENTITY")):
				return t.strictErr("déclaration d'entité <!ENTITY refusée (le lecteur ne les applique pas)")
			default:
				depth++
			}
		}
	}
}

// procInst reads a processing instruction, after "<?". The XML declaration
// (target xml) is only allowed at the start (decl); it sets the charset.
func (t *tokenizer) procInst(decl bool) error {
	n, acc, err := t.nameAt(2)
	if err != nil {
		return err
	}
	if n == 0 {
		return t.errAt(0, "nom attendu après «<?»")
	}
	target := t.buf[t.pos+2 : t.pos+2+n]
	if msg := t.checkName(target, acc); msg != "" {
		return t.errAt(0, "%s", msg)
	}
	isDecl := string(target) == "xml"
	if isDecl && !decl {
		return t.strictErr("la déclaration <?xml … ?> n'est permise qu'au tout début du fichier")
	}
	t.pos += 2 + n
	var content []byte
	for {
		s := t.buf[t.pos:t.end]
		if k := bytes.Index(s, []byte("?>")); k >= 0 {
			if isDecl {
				content = append(content, s[:k]...)
			}
			t.line += bytes.Count(s[:k+2], []byte{'\n'})
			t.pos += k + 2
			break
		}
		if isDecl && len(s) > 1 {
			if err := t.markupCap(len(content), "déclaration <?xml … ?>"); err != nil {
				return err
			}
			content = append(content, s[:len(s)-1]...)
		}
		t.skipAllBut(1)
		if !t.fill() {
			return t.truncated()
		}
	}
	if !isDecl {
		return nil
	}
	if err := t.markupCap(len(content), "déclaration <?xml … ?>"); err != nil {
		return err
	}
	if v := procInstParam("version", content); v != "" && v != "1.0" {
		return t.errAt(0, "version XML %s non prise en charge (1.0 attendue)", t.quote([]byte(v)))
	}
	enc := procInstParam("encoding", content)
	if enc == "" {
		return nil
	}
	cs, err := charsetFor(enc)
	if err != nil {
		return err
	}
	t.cs = cs
	return nil
}

// procInstParam returns the value of param in the content of a processing
// instruction, with the same (lax) parsing as encoding/xml: the name must be
// followed by '=' and a quote, without spaces.
func procInstParam(param string, content []byte) string {
	s := string(content)
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// nameAt scans the name starting off bytes after pos, reading more input
// until the byte after it is buffered. It returns the length of the name
// and the classes of its bytes.
func (t *tokenizer) nameAt(off int) (int, uint8, error) {
	for {
		s := t.buf[t.pos+off : t.end]
		i, acc := scanName(s, 0)
		if i < len(s) {
			return i, acc, t.markupCap(i, "nom")
		}
		if err := t.markupCap(t.end-t.pos, "nom"); err != nil {
			return 0, 0, err
		}
		if !t.more() {
			return 0, 0, t.truncated()
		}
	}
}

// scanName returns the end of the name starting at s[i] and the classes of
// its bytes.
func scanName(s []byte, i int) (int, uint8) {
	var acc uint8
	for i+8 <= len(s) {
		stop := nameStop(binary.LittleEndian.Uint64(s[i:]))
		if stop == 0 {
			acc = nName
			i += 8
			continue
		}
		if k := bits.TrailingZeros64(stop) >> 3; k > 0 {
			acc = nName
			i += k
		}
		break
	}
	for i < len(s) {
		c := nameClass[s[i]]
		if c == 0 {
			break
		}
		acc |= c
		i++
	}
	return i, acc
}

// checkName checks a non-empty name in the document's charset and returns
// "" or the reason it is invalid.
func (t *tokenizer) checkName(s []byte, acc uint8) string {
	if acc&nHigh == 0 {
		if !isNameStartASCII(s[0]) {
			return "nom XML invalide " + t.quote(s)
		}
		return ""
	}
	u := s
	if t.cs != nil {
		t.scratch = t.appendDecoded(t.scratch[:0], s)
		u = t.scratch
	}
	if !isUnicodeName(u) {
		return "nom XML invalide " + t.quote(s)
	}
	return ""
}

// appendDecoded appends s, in the document's single-byte charset, to dst
// in UTF-8.
func (t *tokenizer) appendDecoded(dst, s []byte) []byte {
	for _, c := range s {
		dst = utf8.AppendRune(dst, t.cs.dec[c])
	}
	return dst
}

// checkQName checks an element or attribute name: a valid name with at
// most one colon, as encoding/xml's name-space-aware reading requires.
func (t *tokenizer) checkQName(s []byte, acc uint8) string {
	if msg := t.checkName(s, acc); msg != "" {
		return msg
	}
	if acc&nColon != 0 && bytes.Count(s, []byte{':'}) > 1 {
		return "nom XML invalide " + t.quote(s) + " (plusieurs «:»)"
	}
	return ""
}

// appendName appends the name s to dst in UTF-8.
func (t *tokenizer) appendName(dst, s []byte, acc uint8) []byte {
	if acc&nHigh != 0 && t.cs != nil {
		return t.appendDecoded(dst, s)
	}
	return append(dst, s...)
}

// startTag reads a start tag at pos ('<' and a byte that is not '/', '?'
// or '!'). The tag is parsed in the buffer, read again when it is longer.
func (t *tokenizer) startTag() error {
	for {
		done, err := t.tryStartTag()
		if done || err != nil {
			return err
		}
		// The tag runs to the end of the buffered data.
		if err := t.markupCap(t.end-t.pos, "balise"); err != nil {
			return err
		}
		if !t.more() {
			return t.truncated()
		}
	}
}

// tryStartTag parses the start tag in the buffered data, or reports that
// it needs more (done false, nil error).
func (t *tokenizer) tryStartTag() (done bool, err error) {
	s := t.buf[t.pos:t.end]
	i, acc := scanName(s, 1)
	if i == len(s) {
		return false, nil
	}
	t.attrs = t.attrs[:0]
	t.nlocal = 0
	if acc == nName && s[i] == '>' && isNameStartASCII(s[1]) {
		// Fast path: <NAME>, the shape of nearly every tag of an export.
		if !t.canPush(i-1) || i >= maxMarkup {
			if i >= maxMarkup {
				return false, t.markupCap(i+1, "balise")
			}
			return false, t.pushError()
		}
		t.push(s[1:i], false)
		t.pos += i + 1
		t.rootSeen = true
		return true, nil
	}
	nl := 0
	if i == 1 {
		return false, t.errAt(0, "nom d'élément attendu après «<»")
	}
	if msg := t.checkQName(s[1:i], acc); msg != "" {
		return false, t.errAt(0, "%s", msg)
	}
	name := s[1:i]
	if acc&nHigh != 0 && t.cs != nil {
		t.ename = t.appendDecoded(t.ename[:0], name)
		name = t.ename
	}
	t.abuf = t.abuf[:0]
	empty := false
	for {
		for i < len(s) && isSpace(s[i]) {
			if s[i] == '\n' {
				nl++
			}
			i++
		}
		if i == len(s) {
			return false, nil
		}
		if c := s[i]; c == '>' {
			i++
			break
		} else if c == '/' {
			if i+1 == len(s) {
				return false, nil
			}
			if s[i+1] != '>' {
				return false, t.errAt(nl, "«/>» attendu dans la balise de %s", t.quote(name))
			}
			i += 2
			empty = true
			break
		}
		// Attribute.
		ns := i
		var aacc uint8
		i, aacc = scanName(s, i)
		if i == len(s) {
			return false, nil
		}
		if i == ns {
			return false, t.errAt(nl, "nom d'attribut attendu dans la balise de %s", t.quote(name))
		}
		if msg := t.checkQName(s[ns:i], aacc); msg != "" {
			return false, t.errAt(nl, "%s", msg)
		}
		var a attrRef
		a.name = int32(len(t.abuf))
		t.abuf = t.appendName(t.abuf, s[ns:i], aacc)
		aname := t.abuf[a.name:]
		a.local = a.name + int32(len(aname)-len(local(aname)))
		a.value = int32(len(t.abuf))
		for i < len(s) && isSpace(s[i]) {
			if s[i] == '\n' {
				nl++
			}
			i++
		}
		if i == len(s) {
			return false, nil
		}
		if s[i] != '=' {
			return false, t.errAt(nl, "«=» attendu après l'attribut %s", t.quote(aname))
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			if s[i] == '\n' {
				nl++
			}
			i++
		}
		if i == len(s) {
			return false, nil
		}
		q := s[i]
		if q != '"' && q != '\'' {
			return false, t.errAt(nl, "valeur de l'attribut %s sans guillemets", t.quote(aname))
		}
		i++
		v := s[i:]
		end := bytes.IndexByte(v, q)
		if end >= 0 {
			v = v[:end]
		}
		if lt := bytes.IndexByte(v, '<'); lt >= 0 {
			if err := t.value(v[:lt], &nl); err != nil {
				return false, err
			}
			return false, t.errAt(nl, "«<» interdit dans la valeur de l'attribut %s (écrire &lt;)", t.quote(aname))
		}
		if end < 0 {
			return false, nil // more input, or a truncated file
		}
		if err := t.value(v, &nl); err != nil {
			return false, err
		}
		a.end = int32(len(t.abuf))
		t.attrs = append(t.attrs, a)
		i += end + 1
	}
	if err := t.markupCap(i, "balise"); err != nil {
		return false, err
	}
	if !t.canPush(len(name)) {
		return false, t.pushError()
	}
	t.push(name, acc&nHigh != 0)
	t.pos += i
	t.line += nl
	if acc&nColon != 0 {
		t.nlocal = len(name) - len(local(name))
	}
	t.needClose = empty
	t.rootSeen = true
	return true, nil
}

// value decodes the attribute value v (without its quotes) onto abuf,
// counting its lines in nl.
func (t *tokenizer) value(v []byte, nl *int) error {
	cls := textClass
	for i := 0; i < len(v); {
		j := i
		for j < len(v) {
			if c := cls[v[j]]; c != cPlain {
				if c != cNL {
					break
				}
				*nl++
			}
			j++
		}
		t.abuf = append(t.abuf, v[i:j]...)
		if i = j; i == len(v) {
			break
		}
		switch c := v[i]; cls[c] {
		case cCR:
			t.abuf = append(t.abuf, '\n')
			i++
			if i < len(v) && v[i] == '\n' {
				*nl++
				i++
			}
		case cBracket:
			t.abuf = append(t.abuf, c)
			i++
		case cAmp:
			r, repl, n, st := parseRef(v[i:])
			if st != refOK {
				if st == refMore {
					n = len(v) - i
				}
				return t.refError(*nl, v[i:], n)
			}
			var err error
			if t.abuf, err = t.appendRef(t.abuf, *nl, r, repl); err != nil {
				return err
			}
			i += n
		case cHigh:
			if t.cs != nil {
				t.abuf = utf8.AppendRune(t.abuf, t.cs.dec[c])
				i++
				break
			}
			r, n := utf8.DecodeRune(v[i:])
			if r == utf8.RuneError && n == 1 {
				return t.errAt(*nl, "UTF-8 invalide dans une valeur d'attribut (le fichier est-il bien encodé comme il le déclare ?)")
			}
			if !inCharRange(r) {
				return t.errAt(*nl, "caractère interdit %U", r)
			}
			t.abuf = append(t.abuf, v[i:i+n]...)
			i += n
		default:
			return t.errAt(*nl, "caractère interdit U+%04X", c)
		}
	}
	return nil
}

// endTag reads an end tag at pos ("</") and closes the innermost element,
// which it must name.
func (t *tokenizer) endTag() error {
	// Fast path: the expected name, then '>'. Raw bytes equal the stored
	// UTF-8 name only for the same name when it is ASCII or the document
	// is in UTF-8.
	if n := len(t.open); n > 0 && (!t.open[n-1].high || t.cs == nil) {
		top := t.names[t.open[n-1].off:]
		if t.end-t.pos >= len(top)+3 || t.ensure(len(top)+3) {
			s := t.buf[t.pos:t.end]
			if s[2+len(top)] == '>' && string(s[2:2+len(top)]) == string(top) {
				t.pos += len(top) + 3
				t.pop()
				return nil
			}
		}
	}
	n, acc, err := t.nameAt(2)
	if err != nil {
		return err
	}
	if n == 0 {
		return t.errAt(0, "nom d'élément attendu après «</»")
	}
	raw := t.buf[t.pos+2 : t.pos+2+n]
	if msg := t.checkQName(raw, acc); msg != "" {
		return t.errAt(0, "%s", msg)
	}
	shown := t.show(raw)
	t.ename = t.appendName(t.ename[:0], raw, acc)
	t.pos += 2 + n
	for {
		c, ok := t.getc()
		if !ok {
			return t.truncated()
		}
		if c == '>' {
			break
		}
		if !isSpace(c) {
			return t.errAt(0, "caractères inattendus dans la balise de fin </%s>", shown)
		}
	}
	if len(t.open) == 0 {
		return t.errAt(0, "balise de fin </%s> sans élément ouvert", shown)
	}
	if top := t.names[t.open[len(t.open)-1].off:]; string(top) != string(t.ename) {
		return t.errAt(0, "l'élément <%s> est fermé par </%s>", top, shown)
	}
	t.pop()
	return nil
}
