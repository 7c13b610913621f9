package blob

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrRead is a failure to read the uploaded content (a connection cut mid-way): the
// client's, not the server's.
var ErrRead = errors.New("blob: the content could not be read")

// RandomAccess returns the content of r from its current position, readable at any
// offset, and its size: r itself when it can seek and read at an offset, otherwise a
// temporary copy in dir ("" : the system's) of at most max+1 bytes (one more says "too
// large"). done removes the copy. A ZIP's directory and a PDF's header are read from
// it (Detect, DetectDocument) before the content is stored.
func RandomAccess(r io.Reader, dir string, max int64) (content io.ReaderAt, size int64, done func(), err error) {
	type seekReaderAt interface {
		io.ReaderAt
		io.Seeker
	}
	if x, ok := r.(seekReaderAt); ok {
		if start, err := x.Seek(0, io.SeekCurrent); err == nil {
			if end, err := x.Seek(0, io.SeekEnd); err == nil {
				if _, err := x.Seek(start, io.SeekStart); err == nil {
					return io.NewSectionReader(x, start, end-start), end - start, func() {}, nil
				}
			}
		}
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, 0, nil, err
		}
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, 0, nil, err
	}
	done = func() {
		f.Close()
		os.Remove(f.Name())
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err != nil {
		done()
		return nil, 0, nil, fmt.Errorf("%w: %w", ErrRead, err)
	}
	return f, n, done, nil
}
