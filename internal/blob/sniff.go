package blob

import "bytes"

// The content types Sniff recognises.
const (
	TypePDF = "application/pdf"
	TypeZIP = "application/zip"
)

// SniffLen is how many bytes of the start of a content Sniff needs to decide: a PDF
// header may start anywhere in the first 1024 bytes and is 5 bytes long.
const SniffLen = pdfWindow + len(pdfMagic) - 1

const (
	pdfMagic = "%PDF-"
	// pdfWindow is how far into a file a PDF header may start. PDF readers (Acrobat,
	// pdf.js, Poppler) look for the header in the first 1024 bytes, because some
	// producers and mail gateways write junk before it; a file they open must be
	// recognised here too.
	pdfWindow = 1024
)

// Sniff returns the content type of a file from its first bytes (pass at least
// SniffLen of them, or the whole content if it is shorter): "application/pdf" or
// "application/zip", with ok true. Anything else returns ok false.
//
// The type comes from the content only, never from a name or a client's header, which
// a student controls: a PDF renamed "x.zip" is a PDF, and an HTML page named "x.pdf" is
// refused, so that nothing served back from the store can be rendered as a page of
// the site.
func Sniff(head []byte) (contentType string, ok bool) {
	// ZIP first: its signature must be at offset 0, which is the stronger sign, and a
	// ZIP holding an uncompressed PDF has "%PDF-" in its first bytes too. The
	// end-of-central-directory signature starts an empty archive (22 bytes, no entry),
	// which office suites and zip tools write.
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return TypeZIP, true
	}
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if bytes.Contains(head, []byte(pdfMagic)) {
		return TypePDF, true
	}
	return "", false
}
