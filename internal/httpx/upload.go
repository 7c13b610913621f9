package httpx

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
)

// Upload is a file received from a client, spooled to a temporary file so that it can
// be read at random (ZIP) and never held in memory whole.
type Upload struct {
	Name string
	File *os.File
	Size int64
	// Form holds the other fields of a multipart form.
	Form map[string]string
}

// Close removes the temporary file.
func (u *Upload) Close() error {
	u.File.Close()
	return os.Remove(u.File.Name())
}

// ReceiveFile reads the file of a request into dir: the multipart field named field, or
// the whole body for any other content type (its name from the "name" query parameter or
// Content-Disposition). It refuses more than max bytes with 413.
func ReceiveFile(r *http.Request, field, dir string, max int64) (*Upload, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, apperr.Internal(err)
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, apperr.Internal(err)
	}
	u := &Upload{File: f, Form: map[string]string{}}
	fail := func(err error) (*Upload, error) {
		u.Close()
		return nil, err
	}
	body := http.MaxBytesReader(nil, r.Body, max+64<<10)
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var src io.Reader
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return fail(uploadError(err, max))
			}
			if part.FormName() != field {
				b, _ := io.ReadAll(io.LimitReader(part, 4096))
				u.Form[part.FormName()] = string(b)
				continue
			}
			u.Name = filepath.Base(part.FileName())
			if err := copyLimited(f, part, max, &u.Size); err != nil {
				return fail(err)
			}
			src = part
		}
		if src == nil {
			return fail(apperr.Invalid("no_file", "the form has no file field %q", field))
		}
	} else {
		u.Name = r.URL.Query().Get("name")
		if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && p["filename"] != "" {
			u.Name = filepath.Base(p["filename"])
		}
		if err := copyLimited(f, body, max, &u.Size); err != nil {
			return fail(err)
		}
	}
	if u.Size == 0 {
		return fail(apperr.Invalid("empty_file", "the file is empty"))
	}
	// A browser on Windows may send the whole path: its last component is the name.
	if i := strings.LastIndexAny(u.Name, "/\\"); i >= 0 {
		u.Name = u.Name[i+1:]
	}
	if u.Name == "" || u.Name == "." || u.Name == ".." {
		u.Name = "upload"
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(apperr.Internal(err))
	}
	return u, nil
}

func copyLimited(dst io.Writer, src io.Reader, max int64, n *int64) error {
	c, err := io.Copy(dst, io.LimitReader(src, max+1))
	*n += c
	if err != nil {
		return uploadError(err, max)
	}
	if *n > max {
		return apperr.TooLarge("too_large", "the file is larger than the limit of %d MiB", max>>20)
	}
	return nil
}

func uploadError(err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.TooLarge("too_large", "the file is larger than the limit of %d MiB", max>>20)
	}
	return apperr.Invalid("bad_upload", "the upload was interrupted or malformed: %s", fmt.Sprint(err))
}

// Attachment makes the answer a download named filename. The name is quoted (and
// encoded per RFC 2231 when it is not ASCII) so that a quote or a non-ASCII letter in
// it cannot break the header.
func Attachment(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
}
