// Package blob stores the files students attach to their professional situations.
//
// Content is addressed by its SHA-256: the database keeps the checksum (and the name and
// type the student gave), the store keeps the bytes once, however many situations or
// students attach the same file. Addressing by checksum also lets every read check the
// bytes it returns, so that a file damaged on disk is reported rather than handed to a
// student or an inspector as if it were the original.
//
// [Local] keeps the files in a directory; [S3] keeps them in a bucket of an
// S3-compatible object store, so that several instances share them. [Migrate] copies a
// Local store's content into another store.
package blob

import (
	"context"
	"errors"
	"io"
)

// The errors of a Store. Callers test them with errors.Is; the store wraps them with
// detail (never the content).
var (
	// ErrNotFound means no content has the given checksum.
	ErrNotFound = errors.New("blob: not found")
	// ErrTooLarge means the content is longer than the limit given to Put. Nothing was
	// stored.
	ErrTooLarge = errors.New("blob: content too large")
	// ErrCorrupt means the stored bytes no longer have the checksum they were stored
	// under: the file was damaged after it was written.
	ErrCorrupt = errors.New("blob: stored content does not match its checksum")
	// ErrInvalidSum means a checksum is not 64 lower-case hexadecimal digits. It is
	// checked before any file is touched, so that a checksum taken from a request can
	// never name a path outside the store.
	ErrInvalidSum = errors.New("blob: invalid checksum")
)

// Store keeps content addressed by its SHA-256. Implementations are safe for concurrent
// use.
//
// Put and Delete of the same checksum are not ordered with each other: a Delete that
// runs while a Put of the same content is in progress may remove the content the Put
// reports as stored. Callers delete content only once no record refers to it, under
// the same lock (or transaction) as the records.
type Store interface {
	// Put stores the content read from r (at most max bytes, else ErrTooLarge) and
	// returns its SHA-256 (hex) and size. Storing the same content twice keeps one copy.
	Put(ctx context.Context, r io.Reader, max int64) (sum string, size int64, err error)
	// Open returns the content; reading it to EOF verifies the checksum and returns
	// ErrCorrupt on mismatch.
	Open(ctx context.Context, sum string) (io.ReadCloser, error)
	// Exists reports whether content with the checksum is stored.
	Exists(ctx context.Context, sum string) (bool, error)
	// Delete removes the content; missing content is not an error.
	Delete(ctx context.Context, sum string) error
}

// ValidSum reports whether sum is a checksum as a Store writes it: 64 lower-case
// hexadecimal digits. Upper-case digits are refused rather than folded, so that one
// content has exactly one name.
func ValidSum(sum string) bool {
	if len(sum) != 64 {
		return false
	}
	for i := 0; i < len(sum); i++ {
		c := sum[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
