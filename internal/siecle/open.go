package siecle

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// DefaultMaxSize caps the size of the XML document Open and OpenReader hand
// out (2 GiB), decompressed when it comes from a ZIP. A real export of
// 100,000 students is about 150 MB; the cap only stops zip bombs and
// absurd uploads.
const DefaultMaxSize int64 = 2 << 30

// Errors of Open and OpenReader, wrapped in *FileError.
var (
	// ErrTooLarge means the document exceeds the size cap.
	ErrTooLarge = errors.New("fichier trop volumineux")
	// ErrNotXML means the file is neither XML nor a ZIP archive.
	ErrNotXML = errors.New("ni un fichier XML ni une archive ZIP")
	// ErrZipContent means the archive holds no XML file, or several without
	// a way to choose.
	ErrZipContent = errors.New("contenu de l'archive ZIP inattendu")
)

// Open opens a SIECLE export from the file system, plain XML or ZIP, with
// DefaultMaxSize. Closing the result closes the file.
func Open(name string) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	rc, err := OpenReader(f, fi.Size(), 0)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &closeBoth{ReadCloser: rc, file: f}, nil
}

type closeBoth struct {
	io.ReadCloser
	file *os.File
}

func (c *closeBoth) Close() error {
	return errors.Join(c.ReadCloser.Close(), c.file.Close())
}

// OpenReader returns the XML document held by r (size bytes), which is
// either the XML itself or the ZIP archive SIECLE produces
// (ExportXML_ElevesSansAdresses.zip). The kind is decided by the magic bytes,
// not the file name, because browsers and users rename uploads.
//
// In an archive, the single .xml entry is chosen (macOS metadata ignored);
// when there are several, the one whose name starts with "Eleves" wins if it
// is alone, otherwise the archive is refused as ambiguous. maxSize (≤ 0
// means DefaultMaxSize) caps the document's size: the declared size of a
// ZIP entry is checked first and the decompressed stream is cut if it lies.
//
// Multipart uploads (multipart.File) implement io.ReaderAt and fit directly.
func OpenReader(r io.ReaderAt, size, maxSize int64) (io.ReadCloser, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &FileError{Msg: "lecture impossible : " + err.Error(), Err: err}
	}
	head = head[:n]
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return openZip(r, size, maxSize)
	}
	if msg := notXML(head); msg != "" {
		return nil, &FileError{Msg: msg, Err: ErrNotXML}
	}
	if size > maxSize {
		return nil, &FileError{Msg: fmt.Sprintf("le fichier fait %s, au-delà de la limite de %s", humanSize(size), humanSize(maxSize)), Err: ErrTooLarge}
	}
	return io.NopCloser(io.NewSectionReader(r, 0, size)), nil
}

// notXML explains why head cannot start an XML document, or returns "".
func notXML(head []byte) string {
	switch {
	case len(head) == 0:
		return "le fichier est vide"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return "le fichier est encodé en UTF-16, non pris en charge (ISO-8859-15 ou UTF-8 attendus)"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "le fichier est un PDF : il faut l'export XML de SIECLE (ou l'archive ZIP qui le contient)"
	case bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return "le fichier est compressé en gzip : seules les archives ZIP sont acceptées"
	}
	t := bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	t = bytes.TrimLeft(t, " \t\r\n")
	if len(t) > 0 && t[0] == '<' {
		return ""
	}
	if len(t) == 0 && len(head) < 512 {
		return "le fichier ne contient que des espaces"
	}
	return "ce fichier n'est ni un document XML ni une archive ZIP : il faut l'export XML de SIECLE (ou l'archive ZIP qui le contient)"
}

func openZip(r io.ReaderAt, size, maxSize int64) (io.ReadCloser, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &FileError{Msg: "archive ZIP illisible ou incomplète : " + err.Error(), Err: err}
	}
	var xmls, all, eleves []*zip.File
	var names []string
	for _, f := range zr.File {
		base := path.Base(f.Name)
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") || strings.HasPrefix(base, ".") {
			continue
		}
		all = append(all, f)
		names = append(names, f.Name)
		if strings.EqualFold(path.Ext(base), ".xml") {
			xmls = append(xmls, f)
			if len(base) >= 6 && strings.EqualFold(base[:6], "eleves") {
				eleves = append(eleves, f)
			}
		}
	}
	sort.Strings(names)
	var f *zip.File
	switch {
	case len(xmls) == 1:
		f = xmls[0]
	case len(xmls) > 1 && len(eleves) == 1:
		f = eleves[0]
	case len(xmls) > 1:
		return nil, &FileError{Msg: fmt.Sprintf("l'archive ZIP contient plusieurs fichiers XML (%s) : impossible de savoir lequel importer, déposez le fichier XML seul", list(names)), Err: ErrZipContent}
	case len(all) == 0:
		return nil, &FileError{Msg: "l'archive ZIP est vide", Err: ErrZipContent}
	default:
		return nil, &FileError{Msg: fmt.Sprintf("l'archive ZIP ne contient aucun fichier XML (elle contient : %s)", list(names)), Err: ErrZipContent}
	}
	if f.Flags&0x1 != 0 {
		return nil, &FileError{Msg: fmt.Sprintf("le fichier %s de l'archive est protégé par un mot de passe", f.Name), Err: ErrZipContent}
	}
	if f.UncompressedSize64 > uint64(maxSize) {
		return nil, &FileError{Msg: fmt.Sprintf("le fichier %s de l'archive fait %s une fois décompressé, au-delà de la limite de %s", f.Name, humanSize(int64(min(f.UncompressedSize64, 1<<62))), humanSize(maxSize)), Err: ErrTooLarge}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &FileError{Msg: fmt.Sprintf("le fichier %s de l'archive est illisible : %v", f.Name, err), Err: err}
	}
	return &capped{rc: rc, left: maxSize, name: f.Name, max: maxSize}, nil
}

// capped cuts a decompressed stream at its size cap, whatever the archive
// declared: the declared size is attacker-controlled.
type capped struct {
	rc   io.ReadCloser
	left int64
	max  int64
	name string
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Probe one byte to tell "exactly at the cap" from "beyond it".
		var one [1]byte
		for range 100 {
			n, err := c.rc.Read(one[:])
			if n > 0 {
				return 0, fmt.Errorf("%w : %s dépasse %s une fois décompressé", ErrTooLarge, c.name, humanSize(c.max))
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }

// list joins at most 5 names for a message.
func list(names []string) string {
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + fmt.Sprintf(" et %d autres", len(names)-5)
	}
	return strings.Join(names, ", ")
}

// humanSize writes a byte count in French units.
func humanSize(n int64) string {
	const (
		kio = 1 << 10
		mio = 1 << 20
		gio = 1 << 30
	)
	switch {
	case n >= gio:
		return fmt.Sprintf("%.1f Gio", float64(n)/gio)
	case n >= mio:
		return fmt.Sprintf("%.1f Mio", float64(n)/mio)
	case n >= kio:
		return fmt.Sprintf("%.1f Kio", float64(n)/kio)
	}
	return fmt.Sprintf("%d octets", n)
}
