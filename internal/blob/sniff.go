package blob

import "bytes"

// The content types Sniff recognises.
const (
	TypePDF  = "application/pdf"
	TypeZIP  = "application/zip"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
)

// SniffLen is how many bytes of the start of a content Sniff needs to decide: the
// longest preamble a PDF may have, then its 5-byte header.
const SniffLen = maxPDFPreamble + len(pdfMagic)

const (
	pdfMagic = "%PDF-"
	// maxPDFPreamble is how many bytes may come before a PDF's header. ISO 32000 puts
	// the header at byte 0, and the readers' "anywhere in the first 1024 bytes"
	// tolerance is what lets a page or an image be a PDF too: an HTML or SVG file with
	// "%PDF-" in a comment opens as a PDF in a reader and runs as a page in a browser.
	// What real producers put before the header is a UTF-8 byte order mark and a blank
	// line or a few spaces (a script that printed a newline before the file): only
	// these are allowed, 16 bytes at most, and never "<", which starts markup.
	maxPDFPreamble = 16
	utf8BOM        = "\xef\xbb\xbf"
)

// Sniff returns the content type of a file from its first bytes (pass at least
// SniffLen of them, or the whole content if it is shorter): "application/pdf",
// "application/zip", "image/jpeg" or "image/png", with ok true. Anything else returns ok
// false.
//
// The type comes from the content only, never from a name or a client's header, which
// a student controls: a PDF renamed "x.zip" is a PDF, and an HTML page named "x.pdf" is
// refused, so that nothing served back from the store can be rendered as a page of
// the site. A ZIP is only recognised here by its signature: Detect also reads its
// directory.
func Sniff(head []byte) (contentType string, ok bool) {
	// ZIP first: its signature must be at offset 0. The end-of-central-directory
	// signature starts an empty archive (22 bytes, no entry), which office suites and
	// zip tools write.
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return TypeZIP, true
	}
	// Photos (issue 10: taken at the work placement). Detect also decodes their header.
	if bytes.HasPrefix(head, []byte("\xff\xd8\xff")) {
		return TypeJPEG, true
	}
	if bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")) {
		return TypePNG, true
	}
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	rest := bytes.TrimPrefix(head, []byte(utf8BOM))
	// The PDF white-space characters (ISO 32000-2, 7.2.3): NUL, tab, line feed, form
	// feed, carriage return and space.
	rest = bytes.TrimLeft(rest, "\x00\t\n\f\r ")
	if len(head)-len(rest) <= maxPDFPreamble && bytes.HasPrefix(rest, []byte(pdfMagic)) {
		return TypePDF, true
	}
	return "", false
}

// IsHEIC reports whether head starts a HEIF/HEIC image (the iPhone's photo format): an
// ISO media file whose "ftyp" box names a HEIF brand. It is refused with its own reason
// (no decoder without cgo), not as an unknown file.
func IsHEIC(head []byte) bool {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return false
	}
	switch string(head[8:12]) {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif":
		return true
	}
	return false
}
