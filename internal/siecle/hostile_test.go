package siecle

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// Hostile documents: deep nesting, huge values, huge tags. They are streamed
// (generated as they are read, never held whole) through a reader that
// watches the heap, so that a reader holding what it reads fails the test
// long before it exhausts the machine.

// repeatReader yields unit over and over, size bytes in all.
type repeatReader struct {
	unit []byte
	off  int
	left int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:min(len(p), n+int(min(r.left, int64(len(p)))))], r.unit[r.off:])
		n += c
		r.left -= int64(c)
		r.off = (r.off + c) % len(r.unit)
	}
	return n, nil
}

// hostileDoc streams head, then size bytes of unit repeated, then tail.
func hostileDoc(head, unit, tail string, size int64) io.Reader {
	// A block of whole units of about 64 KiB, copied at once.
	block := strings.Repeat(unit, max(1, (64<<10)/len(unit)))
	return io.MultiReader(strings.NewReader(head), &repeatReader{unit: []byte(block), left: size}, strings.NewReader(tail))
}

// maxHeapGrowth is the most the live heap may grow while a hostile document
// is read.
const maxHeapGrowth = 64 << 20

// errHeap stops a reading whose heap grew beyond maxHeapGrowth.
var errHeap = errors.New("heap growth over the limit")

// heapWatch measures the live heap every 4 MiB read and fails the reading
// once it has grown by more than maxHeapGrowth since the start.
type heapWatch struct {
	r          io.Reader
	base, peak uint64
	read, next int64
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func newHeapWatch(r io.Reader) *heapWatch {
	return &heapWatch{r: r, base: liveHeap()}
}

func (h *heapWatch) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.read += int64(n)
	if h.read >= h.next {
		h.next = h.read + 4<<20
		if err := h.check(); err != nil {
			return n, err
		}
	}
	return n, err
}

func (h *heapWatch) check() error {
	if now := liveHeap(); now > h.base && now-h.base > h.peak {
		h.peak = now - h.base
	}
	if h.peak > maxHeapGrowth {
		return fmt.Errorf("%w: %d MiB after reading %d MiB", errHeap, h.peak>>20, h.read>>20)
	}
	return nil
}

const (
	hostileSize = 100 << 20 // 100 MiB
	elevesHead  = `<?xml version="1.0" encoding="ISO-8859-15"?>` + "\n<BEE_ELEVES VERSION=\"2.1\">\n<PARAMETRES><UAJ>0691234S</UAJ></PARAMETRES>\n<DONNEES><ELEVES>\n"
	elevesTail  = "\n</ELEVES></DONNEES></BEE_ELEVES>\n"
	nomenHead   = `<?xml version="1.0" encoding="ISO-8859-15"?>` + "\n<BEE_NOMENCLATURES>\n<DONNEES><MEFS>\n"
	nomenTail   = "\n</MEFS></DONNEES></BEE_NOMENCLATURES>\n"
)

// TestHostileDocumentsMemory reads 100 MiB hostile documents, student
// exports and nomenclatures alike: the heap must not grow by more than
// 64 MiB, and the refusal must say what and where.
func TestHostileDocumentsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100 MiB documents")
	}
	nomen := func(r io.Reader) error { return ReadNomenclature(r, func(MEFLabel) error { return nil }) }
	eleves := func(r io.Reader) error { return Read(r, nil) }
	var warned []Warning
	elevesWarn := func(r io.Reader) error {
		return Read(r, HandlerFuncs{OnStudent: func(s Student) error { warned = append(warned, s.Warnings...); return nil }})
	}
	for _, tt := range []struct {
		name       string
		read       func(io.Reader) error
		doc        io.Reader
		line       int
		msg        string // "" means accepted
		whole      bool   // the document must be read to its end
		wantWarned string
	}{
		{"nested elements", eleves, hostileDoc(elevesHead, "<a>", "", hostileSize), 5, "32 niveaux", false, ""},
		{"nested elements in a nomenclature", nomen, hostileDoc(nomenHead, "<MEF>", "", hostileSize), 4, "32 niveaux", false, ""},
		{"nested elements on many lines", eleves, hostileDoc(elevesHead, "<a>\n", "", hostileSize), 34, "32 niveaux", false, ""},
		{"a 100 MiB name", elevesWarn, hostileDoc(elevesHead+`<ELEVE ELEVE_ID="1"><PRENOM>Léa</PRENOM><DATE_NAISS>01/01/2009</DATE_NAISS><NOM_DE_FAMILLE>`, "DURAND ",
			"</NOM_DE_FAMILLE></ELEVE>"+elevesTail, hostileSize), 0, "", true, "NOM_DE_FAMILLE"},
		{"a 100 MiB label", nomen, hostileDoc(nomenHead+`<MEF CODE_MEF="24720002310"><LIBELLE_LONG><![CDATA[METIERS]]>`, "METIERS ",
			"</LIBELLE_LONG></MEF>"+nomenTail, hostileSize), 4, "LIBELLE_LONG", true, ""},
		{"a 100 MiB attribute", eleves, hostileDoc(elevesHead+`<ELEVE ELEVE_ID="`, "1", `"/>`+elevesTail, hostileSize), 5, "balise de plus de 256 Kio", false, ""},
		{"a 100 MiB element name", nomen, hostileDoc(nomenHead+"<MEF", "F", "/>"+nomenTail, hostileSize), 4, "balise de plus de 256 Kio", false, ""},
		{"a 100 MiB reference", eleves, hostileDoc(elevesHead+`<ELEVE ELEVE_ID="1"><PRENOM>&#`, "0", "65;</PRENOM></ELEVE>"+elevesTail, hostileSize), 5, "référence", false, ""},
		{"100 MiB of text before the root", eleves, hostileDoc("", "x", "<BEE_ELEVES/>", hostileSize), 1, "du texte précède", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			warned = nil
			h := newHeapWatch(tt.doc)
			err := tt.read(h)
			if errors.Is(err, errHeap) {
				t.Fatalf("%v", err)
			}
			if cerr := h.check(); cerr != nil {
				t.Fatalf("%v", cerr)
			}
			if tt.whole {
				if _, rerr := h.Read(make([]byte, 1)); rerr != io.EOF {
					t.Errorf("the reading stopped before the end: %v", rerr)
				}
			}
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				found := false
				for _, w := range warned {
					if w.Code == WarnTooLong && w.Field == tt.wantWarned {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s warning on %s: %v", WarnTooLong, tt.wantWarned, warned)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.msg) || fe.Line != tt.line {
				t.Fatalf("err = %v, want a FileError at line %d saying %q", err, tt.line, tt.msg)
			}
			t.Logf("%v (heap +%d KiB)", err, h.peak>>10)
		})
	}
}

// TestDepthLimit accepts documents nested exactly maxDepth levels deep and
// refuses one more, in the tokenizer and in both readers.
func TestDepthLimit(t *testing.T) {
	nest := func(n int) string {
		return strings.Repeat("<a>", n) + strings.Repeat("</a>", n)
	}
	if _, err := ourEvents(strings.NewReader(nest(maxDepth))); err != nil {
		t.Errorf("%d levels: %v", maxDepth, err)
	}
	_, err := ourEvents(strings.NewReader(nest(maxDepth + 1)))
	var se *syntaxError
	if !errors.As(err, &se) || !se.strict || se.line != 1 || !strings.Contains(se.msg, "32 niveaux") {
		t.Errorf("%d levels: %v", maxDepth+1, err)
	}
	// Self-closing elements count too.
	if _, err := ourEvents(strings.NewReader(strings.Repeat("<a>", maxDepth) + "<b/>" + strings.Repeat("</a>", maxDepth))); err == nil {
		t.Errorf("a self-closing element at level %d accepted", maxDepth+1)
	}
	// In a student export, an unknown element nested too deep is refused
	// with the line and the element that holds it.
	doc := withEleves("<ELEVE ELEVE_ID=\"1\"><X>\n" + nest(maxDepth) + "</X></ELEVE>")
	_, err = readAll(t, doc)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 7 || fe.Element != "a" || !strings.Contains(err.Error(), "XML invalide : éléments imbriqués sur plus de 32 niveaux") {
		t.Errorf("student export: %v", err)
	}
}

// TestMarkupLimit: a tag, a reference, a name or a declaration of exactly
// maxMarkup bytes is read, one byte more is refused, whatever the reads.
func TestMarkupLimit(t *testing.T) {
	for _, tt := range []struct {
		what string
		doc  func(n int) string // markup of n bytes
	}{
		{"balise", func(n int) string {
			return "<" + strings.Repeat("a", n-2) + ">" + "</" + strings.Repeat("a", n-2) + ">"
		}},
		{"balise", func(n int) string { return `<a x="` + strings.Repeat("1", n-9) + `"/>` }},
		{"référence", func(n int) string { return "<a>&#" + strings.Repeat("0", n-5) + "65;</a>" }},
		{"nom", func(n int) string { return "<?" + strings.Repeat("p", n) + " ?><a/>" }},
		{"déclaration <?xml … ?>", func(n int) string { return "<?xml" + strings.Repeat(" ", n) + "?><a/>" }},
	} {
		for _, one := range []bool{false, true} {
			read := func(doc string) error {
				var r io.Reader = strings.NewReader(doc)
				if one {
					r = iotest.OneByteReader(r)
				}
				_, err := ourEvents(r)
				return err
			}
			if err := read(tt.doc(maxMarkup)); err != nil {
				t.Errorf("%s of %d bytes (one byte at a time: %v): %v", tt.what, maxMarkup, one, err)
			}
			err := read(tt.doc(maxMarkup + 1))
			var se *syntaxError
			if !errors.As(err, &se) || !se.strict || !strings.Contains(se.msg, tt.what+" de plus de 256 Kio") {
				t.Errorf("%s of %d bytes (one byte at a time: %v): %v", tt.what, maxMarkup+1, one, err)
			}
		}
	}
}
