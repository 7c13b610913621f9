package siecle

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// The reference: encoding/xml configured as the reader used it before the
// tokenizer replaced it (BOM skipped, the same charsets, HTML entities).

func refDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(&bomSkipper{r: r})
	d.CharsetReader = refCharsetReader
	d.Entity = xml.HTMLEntity
	return d
}

func refCharsetReader(label string, input io.Reader) (io.Reader, error) {
	cs, err := charsetFor(label)
	switch {
	case err != nil:
		return nil, err
	case cs == charsetLatin9:
		return charmap.ISO8859_15.NewDecoder().Reader(input), nil
	case cs == charsetWin1252:
		return charmap.Windows1252.NewDecoder().Reader(input), nil
	}
	return input, nil
}

// bomSkipper drops a leading UTF-8 byte order mark, which encoding/xml
// rejects as text before the root.
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

// Events are compared as strings: "S name", "A name=value" for each
// attribute, "E name", and "T text" for the character data between two
// tags (merged across comments, processing instructions and CDATA
// sections). Names are local names: neither reader uses name spaces.

// refEvents returns what encoding/xml reads from data.
func refEvents(data []byte) ([]string, error) {
	d := refDecoder(bytes.NewReader(data))
	var ev []string
	var text []byte
	flush := func() {
		if len(text) > 0 {
			ev = append(ev, "T "+string(text))
			text = text[:0]
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			flush()
			if err == io.EOF {
				return ev, nil
			}
			return ev, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			flush()
			ev = append(ev, "S "+t.Name.Local)
			for _, a := range t.Attr {
				ev = append(ev, "A "+a.Name.Local+"="+a.Value)
			}
		case xml.EndElement:
			flush()
			ev = append(ev, "E "+t.Name.Local)
		case xml.CharData:
			text = append(text, t...)
		}
	}
}

// ourEvents returns what the tokenizer reads from r.
func ourEvents(r io.Reader) ([]string, error) {
	t := newTokenizer(r)
	var ev []string
	for {
		t.text = t.text[:0]
		k, err := t.next(reportText)
		if err != nil {
			return ev, err
		}
		switch k {
		case tokEOF:
			return ev, nil
		case tokText:
			ev = append(ev, "T "+string(t.text))
		case tokStart:
			ev = append(ev, "S "+string(local(t.name)))
			for _, a := range t.attrs {
				ev = append(ev, "A "+string(t.abuf[a.local:a.value])+"="+string(t.abuf[a.value:a.end]))
			}
		case tokEnd:
			ev = append(ev, "E "+string(local(t.name)))
		}
	}
}

// tagEvents keeps the start and end events.
func tagEvents(ev []string) []string {
	var out []string
	for _, e := range ev {
		if e[0] == 'S' || e[0] == 'E' {
			out = append(out, e)
		}
	}
	return out
}

// lenientName reports whether err is encoding/xml refusing a name with
// non-ASCII characters: the tokenizer follows the rules of XML 1.0 fifth
// edition for those, which accept more than encoding/xml's older tables.
func lenientName(err error) bool {
	var se *xml.SyntaxError
	const prefix = "invalid XML name: "
	if !errors.As(err, &se) || !strings.HasPrefix(se.Msg, prefix) {
		return false
	}
	for _, c := range []byte(se.Msg[len(prefix):]) {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// compareWithXML checks that the tokenizer reads data as encoding/xml does:
// the same events when both accept it; a refusal when encoding/xml refuses
// it, except for the documented leniency on non-ASCII names; an acceptance
// when encoding/xml accepts it, except for the documented strictness
// (syntaxError.strict). It returns the tokenizer's result.
func compareWithXML(t *testing.T, data []byte) ([]string, error) {
	t.Helper()
	want, werr := refEvents(data)
	got, gerr := ourEvents(bytes.NewReader(data))
	var se *syntaxError
	switch {
	case werr == nil && gerr == nil:
		if !slices.Equal(got, want) {
			t.Errorf("%q:\ntokenizer    %q\nencoding/xml %q", clip(data), got, want)
		}
	case werr == nil:
		if !errors.As(gerr, &se) || !se.strict {
			t.Errorf("%q: encoding/xml accepts it, the tokenizer refuses it: %v", clip(data), gerr)
		}
	case gerr == nil:
		if !lenientName(werr) {
			t.Errorf("%q: encoding/xml refuses it (%v), the tokenizer accepts it", clip(data), werr)
		}
	default:
		g, w := tagEvents(got), tagEvents(want)
		if n := min(len(g), len(w)); !slices.Equal(g[:n], w[:n]) {
			t.Errorf("%q: both refuse it (%v; %v) but read different elements before:\ntokenizer    %q\nencoding/xml %q", clip(data), gerr, werr, g, w)
		}
	}
	return got, gerr
}

// compareChunked checks that reading data in pieces of one byte, which puts
// every buffer boundary everywhere, gives what one read gives.
func compareChunked(t *testing.T, data []byte, want []string, werr error) {
	t.Helper()
	got, gerr := ourEvents(iotest.OneByteReader(bytes.NewReader(data)))
	if !slices.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Errorf("%q read byte by byte:\n%q, %v\nread at once:\n%q, %v", clip(data), got, gerr, want, werr)
	}
}

func clip(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}

// xmlCases are documents (or fragments) the tokenizer must read as
// encoding/xml does, well-formed or not.
var xmlCases = []string{
	// Well-formed.
	``,
	`   `,
	`<a/>`,
	`<a></a>`,
	"<?xml version=\"1.0\"?>\n<a>\n  <b>x</b>\n</a>\n",
	"\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8'?><a>é</a>",
	"  \n<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><a b='\xa4'>\xbc\xbd\xe9</a>",
	"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x80\x8c\x92\x81</a>",
	"<?xml version=\"1.0\" encoding=\"latin1\"?><\xe9l\xe8ve \xe9=\"\xe9\">\xe9</\xe9l\xe8ve>",
	`<?xml version="1.0" encoding = "EBCDIC"?><a/>`, // not parsed as a declaration of encoding: UTF-8
	`<a x='1 &amp; 2' y="&#233;&#xE9;&eacute;&quot;&apos;" z="a>b" w="]]>">t&lt;&gt;&#x41;<![CDATA[<&>]]]]><!-- c --><?pi x?>u</a>`,
	`<a b="1"c='2'/>`,
	"<a\n  b = \"1\"\r\n  c\t=\t'2'\n/>",
	"<a>\r\n\rx\r</a>",
	"<a b=\"\r\n\rx\r\t\"/>",
	`<p:a xmlns:p="urn:x" p:b="1" xmlns="urn:y"><p:c/></p:a>`,
	`<:a a:="1"/>`,
	`<a.b-c_d1 E.F-G_h2="x"/>`,
	`<a>&#xD800;&#x10FFFF;&#1114111;&#0065;</a>`,
	`<a><![CDATA[]]><![CDATA[]]]]></a>`,
	`<a><!----><!-- - --></a>`,
	`<!DOCTYPE a SYSTEM "a.dtd"><a/>`,
	`<!DOCTYPE a [<!ELEMENT a ANY><!-- <!ENTITY x 'y'> --><!ATTLIST a b CDATA "<>">]><a/>`,
	`<a/><b/>text<c/>`,
	`<?target?><?x-y data?><a/>`,
	"<a>\t</a>",
	"<a>\u00a0\ufeff\U0001F600</a>",
	`<?xml version="1.0" encoding="utf8"?><a/>`,
	`<?xml version=""?><a/>`,
	// Broken.
	`<`,
	`<a`,
	`<a>`,
	`<a><b></a>`,
	`</a>`,
	`<a></b>`,
	`<a></a >x</b>`,
	`<a x="1></a>`,
	`<a x='1"/>`,
	`<a x="<"/>`,
	`<a x=1/>`,
	`<a x/>`,
	`<a x="1" / >`,
	`<1a/>`,
	`<a 1x="1"/>`,
	`<a:b:c/>`,
	`<a x:y:z="1"/>`,
	`< a/>`,
	`</ a>`,
	`<a></a b>`,
	`<a>&foo;</a>`,
	`<a>&amp</a>`,
	`<a>& </a>`,
	`<a>&;</a>`,
	`<a>&#;</a>`,
	`<a>&#x;</a>`,
	`<a>&#X41;</a>`,
	`<a>&#12a;</a>`,
	`<a>&#0;</a>`,
	`<a>&#xFFFE;</a>`,
	`<a>&#x110000;</a>`,
	`<a>&#99999999999999999999999;</a>`,
	`<a>&1;</a>`,
	`<a x="&foo;"/>`,
	`<a x="&amp"/>`,
	`<a x="&"/>`,
	`<a>]]></a>`,
	"<a>\x01</a>",
	"<a x=\"\x00\"/>",
	"<a>\xff</a>",
	"<a x=\"\xc3\"/>",
	"<a>\xef\xbf\xbe</a>",
	"<a\xff/>",
	`<a><!-x --></a>`,
	`<a><!-- a -- b --></a>`,
	`<a><!-- x`,
	`<a><![CDATA[x`,
	`<a><![CDATX[x]]></a>`,
	`<a><?pi x`,
	`<?`,
	`<? x?>`,
	`<?1x?>`,
	`<!`,
	`<!-`,
	`<!DOCTYPE a`,
	`<?xml version="1.1"?><a/>`,
	`<?xml version="1.0" encoding="UTF-16"?><a/>`,
	`<?xml version="1.0" encoding="EBCDIC-FR"?><a/>`,
	"<a>\xe9</a>",
	// Refused by the tokenizer only (documented strictness).
	`<a/><?xml version="1.0"?>`,
	`<!-- c --><?xml version="1.0"?><a/>`,
	`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
	`<a><!DOCTYPE a></a>`,
	`<a/><!DOCTYPE a>`,
	`<!ELEMENT a ANY><a/>`,
	`<!><a/>`,
	// Accepted by the tokenizer only (documented leniency).
	"<a\u00b7b/>",
	"<a\ufeff/>",
}

func TestTokenizerMatchesEncodingXML(t *testing.T) {
	for _, c := range xmlCases {
		got, err := compareWithXML(t, []byte(c))
		compareChunked(t, []byte(c), got, err)
	}
}

// TestTokenizerMatchesEncodingXMLOnFiles compares the readers on real-sized
// documents: the sample, generated exports in both encodings, the generated
// nomenclature and the fuzz corpora.
func TestTokenizerMatchesEncodingXMLOnFiles(t *testing.T) {
	docs := map[string][]byte{"sample": sample(t), "sample UTF-8": toUTF8(t, sample(t))}
	var buf bytes.Buffer
	if err := Generate(&buf, GenOptions{Students: 300, Seed: 5, LeftPercent: 10}); err != nil {
		t.Fatal(err)
	}
	docs["generated"] = bytes.Clone(buf.Bytes())
	docs["generated UTF-8"] = toUTF8(t, buf.Bytes())
	buf.Reset()
	if err := GenerateNomenclature(&buf); err != nil {
		t.Fatal(err)
	}
	docs["nomenclature"] = buf.Bytes()
	for _, dir := range []string{"testdata/fuzz/FuzzRead", "testdata/fuzz/FuzzTokenizer"} {
		for name, data := range readFuzzCorpus(t, dir) {
			docs[name] = data
		}
	}
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			got, err := compareWithXML(t, data)
			if len(data) < 20_000 {
				compareChunked(t, data, got, err)
			}
		})
	}
}

// readFuzzCorpus reads the []byte inputs of a go test fuzz corpus.
func readFuzzCorpus(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.TrimSpace(string(b))
		i := strings.Index(s, "[]byte(")
		if !strings.HasPrefix(s, "go test fuzz v1\n") || i < 0 || !strings.HasSuffix(s, ")") {
			t.Fatalf("%s: not a []byte fuzz input", f)
		}
		v, err := strconv.Unquote(s[i+len("[]byte(") : len(s)-1])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(dir)+"/"+filepath.Base(f)] = []byte(v)
	}
	return out
}

// FuzzTokenizer compares the tokenizer with encoding/xml on random inputs,
// read at once and byte by byte.
func FuzzTokenizer(f *testing.F) {
	for _, c := range xmlCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := compareWithXML(t, data)
		compareChunked(t, data, got, err)
	})
}

func TestTokenizerErrors(t *testing.T) {
	tests := []struct {
		doc    string
		line   int
		msg    string
		eof    bool
		strict bool
	}{
		{"<a>\n<b>\n</c>", 3, "l'élément <b> est fermé par </c>", false, false},
		{"<a>\n<b>\n", 3, "fin de fichier", true, false},
		{"<a>\n<b x=\"1\n\n", 4, "fin de fichier", true, false},
		{"<a><!-- x\n\n", 3, "fin de fichier", true, false},
		{"<a><![CDATA[x\n", 2, "fin de fichier", true, false},
		{"<a>\n<1b/>", 2, "nom XML invalide «1b»", false, false},
		{"<a>\n\n<b\n\nx>", 5, "«=» attendu après l'attribut «x»", false, false},
		{"<a>\n&foo;</a>", 2, "référence «&foo;» inconnue", false, false},
		{"<a>&amp</a>", 1, "référence «&amp» sans point-virgule", false, false},
		{"<a>\n\n&#0;</a>", 3, "caractère interdit U+0000", false, false},
		{"<a>\n]]></a>", 2, "«]]>»", false, false},
		{"<a>\n\x01</a>", 2, "caractère interdit U+0001", false, false},
		{"<a>\n\xff</a>", 2, "UTF-8 invalide", false, false},
		{"<a\nx=\"<\"/>", 2, "«<» interdit", false, false},
		{"<a x=1/>", 1, "sans guillemets", false, false},
		{"<a>\n</a x>", 2, "caractères inattendus dans la balise de fin </a>", false, false},
		{"\n</a>", 2, "sans élément ouvert", false, false},
		{"<a>\n<!-- a -- b --></a>", 2, "«--» est interdit", false, false},
		{"<a><![CDATX[", 1, "<![CDATA[", false, false},
		{"<a:b:c/>", 1, "plusieurs «:»", false, false},
		{"<?xml version=\"1.1\"?><a/>", 1, "version XML «1.1»", false, false},
		{"<a/>\n<?xml version=\"1.0\"?>", 2, "déclaration <?xml", false, true},
		{"<!DOCTYPE a [\n<!ENTITY x \"y\">]><a/>", 2, "<!ENTITY", false, true},
		{"<a>\n<!DOCTYPE a></a>", 2, "DOCTYPE", false, true},
		{"<!ELEMENT a ANY><a/>", 1, "directive «<!ELEMENT»", false, true},
	}
	for _, tt := range tests {
		_, err := ourEvents(strings.NewReader(tt.doc))
		var se *syntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v, want a syntax error", tt.doc, err)
			continue
		}
		if se.line != tt.line || !strings.Contains(se.msg, tt.msg) || se.eof != tt.eof || se.strict != tt.strict {
			t.Errorf("%q: error %+v, want line %d, %q, eof %v, strict %v", tt.doc, *se, tt.line, tt.msg, tt.eof, tt.strict)
		}
	}
	// An error is returned again by every later call.
	tk := newTokenizer(strings.NewReader("<a></b><c/>"))
	_, _ = tk.next(skipText)
	_, err1 := tk.next(skipText)
	_, err2 := tk.next(skipText)
	if err1 == nil || err2 != err1 {
		t.Errorf("errors %v then %v", err1, err2)
	}
	// A read error is returned as is.
	_, err := ourEvents(iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader("<a></a>"))))
	if !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("read error: %v", err)
	}
}

// TestTokenizerLongTokens reads tokens longer than the input window.
func TestTokenizerLongTokens(t *testing.T) {
	long := strings.Repeat("x", 3*initialBuf/2)
	doc := `<a v="` + long + `" w='&#233;'><` + long + `>` + long + `</` + long + `><!--` + long + `--><![CDATA[` + long + `]]>` +
		"<?pi " + long + "?><!DOCTYPE" + long + "></a>"
	want := []string{"S a", "A v=" + long, "A w=é", "S " + long, "T " + long, "E " + long, "T " + long, "E a"}
	got, err := ourEvents(strings.NewReader(doc))
	if err == nil || !strings.Contains(err.Error(), "DOCTYPE") {
		t.Errorf("DOCTYPE inside the root: %v", err)
	}
	if !slices.Equal(got, want[:len(want)-2]) {
		t.Errorf("long tokens: %d events", len(got))
	}
	doc = strings.Replace(doc, "<!DOCTYPE"+long+">", "", 1)
	got, err = ourEvents(strings.NewReader(doc))
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("long tokens: %v, %d events", err, len(got))
	}
	// White space of any length before the declaration, or as text.
	ws := strings.Repeat(" \n", initialBuf)
	got, err = ourEvents(strings.NewReader(ws + `<a>` + ws + `</a>`))
	if err != nil || len(got) != 4 || got[2] != "T "+ws {
		t.Errorf("long white space: %v, %d events", err, len(got))
	}
}

func TestTokenizerAttr(t *testing.T) {
	tk := newTokenizer(strings.NewReader(`<p:E p:ID=" 1 " ID="2" X:Y="3" Z="&#233;"/>`))
	if k, err := tk.next(skipText); k != tokStart || err != nil {
		t.Fatal(k, err)
	}
	if got := string(tk.attr("ID")); got != " 1 " {
		t.Errorf("ID = %q (the first with that local name)", got)
	}
	if got := string(tk.attr("Y")); got != "3" {
		t.Errorf("Y = %q", got)
	}
	if got := string(tk.attr("Z")); got != "é" {
		t.Errorf("Z = %q", got)
	}
	if tk.attr("W") != nil || string(tk.name) != "p:E" || string(local(tk.name)) != "E" || tk.depth() != 1 {
		t.Errorf("W = %q, name %q, depth %d", tk.attr("W"), tk.name, tk.depth())
	}
	if k, err := tk.next(skipText); k != tokEnd || err != nil || string(tk.name) != "p:E" || tk.depth() != 0 {
		t.Errorf("end: %v %v %q", k, err, tk.name)
	}
}

func TestSWAR(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			w := []byte("ABCDEFGH")
			w[pos] = byte(c)
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(w[i])
			}
			b := byte(c)
			wantText := b < 0x20 || b >= 0x80 || b == '<' || b == '&' || b == ']'
			if got := textStop(x)&(0x80<<(8*pos)) != 0; got != wantText {
				t.Errorf("textStop(%#x) at %d = %v", c, pos, got)
			}
			wantName := !('A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_')
			if got := nameStop(x)&(0x80<<(8*pos)) != 0; got != wantName {
				t.Errorf("nameStop(%#x) at %d = %v", c, pos, got)
			}
			if textStop(x)&^(0x80<<(8*pos)) != 0 || nameStop(x)&^(0x80<<(8*pos)) != 0 {
				t.Errorf("%#x at %d: other bytes marked", c, pos)
			}
		}
	}
}

// TestTokenizerSlowReader reads long tokens from a reader that hands out
// one byte at a time: the tokenizer must not parse a token again from its
// start after every byte (200,000² steps would not finish). The tokens are
// below maxMarkup.
func TestTokenizerSlowReader(t *testing.T) {
	long := strings.Repeat("a", 200_000)
	for _, doc := range []string{
		`<a x="` + long + `"/>`,
		"<" + long + "/>",
		"<a></" + long + ">",
		"<a>&#" + strings.Repeat("0", 200_000) + "65;</a>",
		strings.Repeat(" ", initialBuf-100) + `<?xml version="1.0"?><a/>`,
	} {
		got, err := ourEvents(iotest.OneByteReader(strings.NewReader(doc)))
		if len(got) == 0 {
			t.Errorf("%.20q…: %v", doc, err)
		}
	}
}
