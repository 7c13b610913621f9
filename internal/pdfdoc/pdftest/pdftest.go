// Package pdftest helps tests read the PDFs cartable writes.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"io"
	"strings"
)

// Text returns the document with every compressed stream inflated after it, so that a
// test reads the text that production (compressed) output shows.
func Text(pdf []byte) string {
	var sb strings.Builder
	sb.Write(pdf)
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("\nendstream"))
		if j < 0 {
			break
		}
		if r, err := zlib.NewReader(bytes.NewReader(rest[:j])); err == nil {
			b, _ := io.ReadAll(r)
			sb.Write(b)
		}
		rest = rest[j+len("\nendstream"):]
	}
	return sb.String()
}
