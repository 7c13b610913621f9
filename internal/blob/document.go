package blob

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG proofs
	_ "image/png"  // DecodeConfig of PNG proofs
	"io"
)

// DetectDocument returns the content type of a proof (a scanned certificate, an
// attestation): a PDF as Detect tells it, or a PNG or JPEG image whose header decodes
// with sane dimensions. The type comes from the content, never from the name; a ZIP, a
// page or anything else returns ErrUnsupported.
func DetectDocument(r io.ReaderAt, size int64) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("blob: negative size %d", size)
	}
	head := make([]byte, min(size, int64(SniffLen)))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return "", fmt.Errorf("blob: read: %w", err)
	}
	if typ, ok := Sniff(head); ok && typ != TypeJPEG && typ != TypePNG {
		if typ == TypePDF {
			return typ, nil
		}
		return "", ErrUnsupported
	}
	var typ string
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		typ = TypePNG
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		typ = TypeJPEG
	default:
		return "", ErrUnsupported
	}
	cfg, format, err := image.DecodeConfig(io.NewSectionReader(r, 0, size))
	if err != nil || !saneImage(cfg) || (typ == TypePNG) != (format == "png") {
		return "", ErrUnsupported
	}
	return typ, nil
}
