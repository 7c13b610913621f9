package blob

import (
	"archive/zip"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decodes the header of attached photos
	_ "image/png"
	"io"
	"io/fs"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The reasons Detect refuses a content. Callers test them with errors.Is; the error's
// text says what is wrong (an entry's name, a limit).
var (
	// ErrUnsupported means the content is neither a PDF nor a ZIP archive.
	ErrUnsupported = errors.New("neither a PDF, a ZIP, a JPEG nor a PNG file")
	// ErrHEIC is a HEIF/HEIC photo (iPhone), which cannot be converted here.
	ErrHEIC = errors.New("a HEIC photo")
	// ErrBadImage is a JPEG or PNG whose header does not decode.
	ErrBadImage = errors.New("an unreadable image")
	// ErrBadArchive means the content starts like a ZIP archive but is not one that
	// can be read and extracted safely.
	ErrBadArchive = errors.New("not a readable ZIP archive")
)

// ArchiveError is why an archive is refused, for a reader: Reason is a stable code
// (directory, unreadable, entries, entry_unnamed, entry_control, entry_backslash,
// entry_absolute, entry_drive, entry_symlink, entry_parent), Entry the entry's name and
// Max the limit, when they apply. It is an ErrBadArchive (errors.Is).
type ArchiveError struct {
	Reason string
	Entry  string
	Max    int
	msg    string // the English explanation, after ErrBadArchive's
}

// ArchiveReasons are the values of ArchiveError.Reason.
var ArchiveReasons = []string{"directory", "unreadable", "entries", "entry_unnamed", "entry_control", "entry_backslash",
	"entry_absolute", "entry_drive", "entry_symlink", "entry_parent"}

func (e *ArchiveError) Error() string { return ErrBadArchive.Error() + ": " + e.msg }

// Is makes errors.Is(err, ErrBadArchive) hold.
func (e *ArchiveError) Is(target error) bool { return target == ErrBadArchive }

// Limits of an attached archive's directory. A student's archive (a report with its
// photos and plans) lists a few dozen files; the limits bound the memory archive/zip
// spends on a hostile one whatever its size (a minimal directory entry is 46 bytes).
const (
	maxZIPEntries   = 10000
	maxZIPDirectory = 1 << 20
	// zipEndSearch is what archive/zip reads, at most, to find the end of the
	// directory: the last 1 KiB, then the last 65 KiB, then the ZIP64 records.
	zipEndSearch = 70 << 10
)

// Detect returns the content type of a whole content of size bytes: Sniff's verdict,
// and for a ZIP, the check that it is an archive (its directory is read, within
// bounded memory, no entry is decompressed) whose entries stay inside the folder it is
// extracted to. It returns ErrUnsupported or ErrBadArchive (wrapped with the reason)
// for a content to refuse, any other error for a failure to read.
func Detect(r io.ReaderAt, size int64) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("blob: negative size %d", size)
	}
	head := make([]byte, min(size, int64(SniffLen)))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return "", fmt.Errorf("blob: read: %w", err)
	}
	typ, ok := Sniff(head)
	if !ok {
		if IsHEIC(head) {
			return "", ErrHEIC
		}
		return "", ErrUnsupported
	}
	if typ == TypeJPEG || typ == TypePNG {
		// The header must decode (dimensions within bounds): a renamed file or a
		// truncated one is refused now, not shown broken later.
		cfg, _, err := image.DecodeConfig(io.NewSectionReader(r, 0, size))
		if err != nil || !saneImage(cfg) {
			return "", ErrBadImage
		}
	}
	if typ == TypeZIP {
		if err := checkZIP(r, size); err != nil {
			return "", err
		}
	}
	return typ, nil
}

func checkZIP(r io.ReaderAt, size int64) error {
	br := &budgetReader{r: r, left: maxZIPDirectory + zipEndSearch}
	zr, err := zip.NewReader(br, size)
	if br.exceeded {
		return &ArchiveError{Reason: "directory", Max: maxZIPDirectory >> 10, msg: fmt.Sprintf("its directory is larger than %d KiB", maxZIPDirectory>>10)}
	}
	if err != nil {
		return &ArchiveError{Reason: "unreadable", msg: err.Error()}
	}
	if len(zr.File) > maxZIPEntries {
		return &ArchiveError{Reason: "entries", Max: maxZIPEntries, msg: fmt.Sprintf("more than %d entries", maxZIPEntries)}
	}
	for _, f := range zr.File {
		if reason, why := unsafeEntry(f); why != "" {
			name := f.Name
			if len(name) > 100 {
				name = name[:100] + "…"
			}
			return &ArchiveError{Reason: reason, Entry: name, msg: fmt.Sprintf("entry %q %s", name, why)}
		}
	}
	return nil
}

// unsafeEntry says why an entry could be extracted outside the archive's folder (or
// somewhere else than its name shows), as a reason code (ArchiveError.Reason) and in
// words, "" when it cannot. Extraction tools differ on these cases; a student's archive
// never needs them, so the archive is refused rather than repaired.
func unsafeEntry(f *zip.File) (reason, why string) {
	name := f.Name
	switch {
	case name == "":
		return "entry_unnamed", "has no name"
	case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "entry_control", "has a control character in its name"
	case strings.Contains(name, "\\"):
		return "entry_backslash", "uses backslashes, which Windows tools read as folders"
	case strings.HasPrefix(name, "/"):
		return "entry_absolute", "is an absolute path"
	case len(name) >= 2 && name[1] == ':' && unicode.IsLetter(rune(name[0])):
		return "entry_drive", "names a drive"
	case f.Mode()&fs.ModeSymlink != 0:
		return "entry_symlink", "is a symbolic link"
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return "entry_parent", "leaves its folder (..)"
		}
	}
	return "", ""
}

// budgetReader reads through r until it has read left bytes, then fails: archive/zip
// reads a directory until its entries stop, whatever the archive's end record says.
type budgetReader struct {
	r        io.ReaderAt
	left     int64
	exceeded bool
}

var errBudget = errors.New("blob: directory read budget spent")

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > b.left {
		b.exceeded = true
		n, _ := b.r.ReadAt(p[:b.left], off)
		b.left -= int64(n)
		return n, errBudget
	}
	n, err := b.r.ReadAt(p, off)
	b.left -= int64(n)
	return n, err
}

// MaxFileName is the longest name FileName returns, in characters.
const MaxFileName = 200

// extensions are the extensions FileName gives each type.
var extensions = map[string]string{TypePDF: ".pdf", TypeZIP: ".zip", TypeJPEG: ".jpg", TypePNG: ".png"}

// The bounds of an accepted image, photo of a situation or scanned proof alike: a
// 200-megapixel phone photo is 16,320 × 12,240 pixels. A decoder handed a forged header
// would otherwise allocate for what it claims.
const (
	maxImageSide   = 20000
	maxImagePixels = 200_000_000
)

// saneImage tells whether an image header's dimensions are within the bounds.
func saneImage(cfg image.Config) bool {
	return cfg.Width > 0 && cfg.Height > 0 && cfg.Width <= maxImageSide && cfg.Height <= maxImageSide &&
		int64(cfg.Width)*int64(cfg.Height) <= maxImagePixels
}

// FileName returns the name under which a content of type contentType is stored,
// listed, downloaded and put in a passport ZIP, from the name a client gave:
//   - its last component (after "/" or "\");
//   - without control characters, format characters (Unicode Cf: bidi overrides such
//     as U+202E, zero-width characters, BOM), line and paragraph separators or invalid
//     UTF-8, and with the characters Windows refuses in names (: * ? " < > |) as "_";
//   - without dots or spaces at either end (a leading dot hides a file, Windows drops
//     trailing ones), and a Windows device name (CON, NUL, COM1…) followed by "_";
//   - with the extension of its type: "evil.html" holding a PDF is "evil.pdf", and
//     "rapport" is "rapport.pdf"; an extension already right is kept in its case (a
//     type FileName does not know, such as "", keeps the name's own extension, for
//     messages about a file being refused);
//   - at most MaxFileName characters (the base is cut, never the extension), and
//     "fichier" when nothing is left of the base.
//
// FileName is idempotent, so that names stored before it existed can be passed
// through it again when they are read.
func FileName(name, contentType string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.TrimRight(strings.ReplaceAll(name, "\\", "/"), "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.In(r, unicode.Zl, unicode.Zp):
			return -1
		case strings.ContainsRune(`:*?"<>|`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	ext := path.Ext(name)
	if !isExtension(ext) {
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	if want, known := extensions[contentType]; known && !strings.EqualFold(ext, want) {
		ext = want
	}
	base = strings.Trim(base, ". ")
	if n := MaxFileName - utf8.RuneCountInString(ext); utf8.RuneCountInString(base) > n {
		base = strings.Trim(string([]rune(base)[:n]), ". ")
	}
	if base == "" {
		base = "fichier"
	}
	first, rest, _ := strings.Cut(base, ".")
	if windowsDevice(first) {
		base = first + "_"
		if rest != "" {
			base += "." + rest
		}
	}
	return base + ext
}

// isExtension reports whether ext (with its dot) looks like a file type's extension:
// up to 10 ASCII letters and digits, at least one letter. "rapport v1.2" has none.
func isExtension(ext string) bool {
	if len(ext) < 2 || len(ext) > 11 {
		return false
	}
	letter := false
	for _, c := range ext[1:] {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return letter
}

// windowsDevice reports the names Windows keeps for devices, whatever the extension.
func windowsDevice(s string) bool {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return true
	}
	return false
}
