package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// Local is a Store in a directory of the local filesystem.
//
// Content with checksum abcdef… is the file dir/ab/cd/abcdef…: two levels of 256
// directories keep each directory small (a directory of a million entries is slow to
// list and back up) without a lookup table. Files are written to dir/tmp first, on the
// same filesystem, and linked into place only once complete and flushed, so that a
// crash never leaves a partial file under a checksum; an interrupted write leaves at
// worst a file in dir/tmp, which nothing reads and which may be removed when the
// application is stopped.
//
// Files are 0600 and directories 0700: attachments are personal data of minors, and
// only the application's user has any business reading them.
type Local struct {
	dir string
	tmp string
}

var _ Store = (*Local)(nil)

// NewLocal returns a Local store in dir, creating dir (0700) and its tmp directory if
// they do not exist.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: empty directory name")
	}
	dir = filepath.Clean(dir)
	tmp := filepath.Join(dir, "tmp")
	for _, d := range []string{dir, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	return &Local{dir: dir, tmp: tmp}, nil
}

// Put stores the content read from r, at most max bytes, and returns its SHA-256 (hex)
// and size. Content longer than max returns ErrTooLarge and leaves nothing behind.
// When the content is already stored, the existing file is kept and the new copy
// discarded.
func (l *Local) Put(ctx context.Context, r io.Reader, max int64) (string, int64, error) {
	if max < 0 {
		return "", 0, fmt.Errorf("blob: negative size limit %d", max)
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	f, err := os.CreateTemp(l.tmp, "put-*") // mode 0600
	if err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	tmp := f.Name()
	sum, size, err := spool(ctx, f, r, max)
	if err == nil {
		// The data must be on disk before its name is: otherwise a crash after the
		// link could leave an empty or partial file under a valid checksum.
		if serr := f.Sync(); serr != nil {
			err = fmt.Errorf("blob: %w", serr)
		}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("blob: %w", cerr)
	}
	if err == nil {
		err = l.commit(tmp, sum, size)
	}
	if err != nil {
		_ = os.Remove(tmp) // best effort: the error that matters is err
		return "", 0, err
	}
	return sum, size, nil
}

// spool copies at most max bytes from r to f, hashing them.
func spool(ctx context.Context, f io.Writer, r io.Reader, max int64) (string, int64, error) {
	h := sha256.New()
	// One byte more than allowed tells "exactly max" from "too large" without
	// reading the rest of an oversized upload.
	limit := max
	if limit < math.MaxInt64 {
		limit++
	}
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(ctxReader{ctx, r}, limit))
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, ctx.Err()
		}
		return "", 0, fmt.Errorf("blob: copying content: %w", err)
	}
	if n > max {
		return "", 0, fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, max)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// commit gives the complete temporary file tmp its content-addressed name.
func (l *Local) commit(tmp, sum string, size int64) error {
	dir, err := l.mkdirs(sum)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, sum)
	// A hard link, unlike a rename, fails when the name exists: this is how a second
	// Put of the same content learns that it has nothing to do, and concurrent Puts
	// never replace a file a reader has open.
	err = os.Link(tmp, dst)
	switch {
	case err == nil:
		_ = os.Remove(tmp) // the content now lives under dst; a leftover name is harmless
	case errors.Is(err, fs.ErrExist):
		fi, serr := os.Lstat(dst)
		if serr == nil && fi.Mode().IsRegular() && fi.Size() == size {
			_ = os.Remove(tmp) // same content already stored
			break
		}
		// A file of another size under this checksum is damaged (truncated by a
		// crash before this package flushed its writes, or by a disk problem): the
		// fresh copy replaces it. Same size is trusted without reading the file back,
		// which would cost a full read per Put; Open still checks every byte.
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("blob: %w", err)
		}
	default:
		// A filesystem without hard links (some network and FUSE mounts). Renaming over
		// an existing file is safe here: both have the same content.
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("blob: %w", err)
		}
	}
	// The new name is durable only once its directory is flushed.
	return syncDir(dir)
}

// mkdirs creates the two directory levels of sum and returns the inner one. A directory
// it creates is made durable by flushing its parent, so that a flushed file is never
// in a directory that a crash forgets.
func (l *Local) mkdirs(sum string) (string, error) {
	parent := l.dir
	for _, part := range []string{sum[:2], sum[2:4]} {
		d := filepath.Join(parent, part)
		switch err := os.Mkdir(d, 0o700); {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return "", err
			}
		case !errors.Is(err, fs.ErrExist):
			return "", fmt.Errorf("blob: %w", err)
		}
		parent = d
	}
	return parent, nil
}

// Open returns the content with checksum sum. The reader hashes what it returns and,
// at EOF, returns ErrCorrupt instead of io.EOF if the bytes do not match: a caller
// streaming the content (into a download or a ZIP) must read to EOF and treat the
// error as the failure of the whole transfer.
func (l *Local) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	p, err := l.path(ctx, sum)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, sum)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &verifier{f: f, h: sha256.New(), want: sum}, nil
}

// Exists reports whether content with checksum sum is stored.
func (l *Local) Exists(ctx context.Context, sum string) (bool, error) {
	p, err := l.path(ctx, sum)
	if err != nil {
		return false, err
	}
	_, err = os.Lstat(p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("blob: %w", err)
	}
}

// Delete removes the content with checksum sum; missing content is not an error, so
// that a retried clean-up succeeds. The two directory levels are kept: removing them
// would race with a Put creating a file in them, and there are at most 65,536.
func (l *Local) Delete(ctx context.Context, sum string) error {
	p, err := l.path(ctx, sum)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	// Deletion is what a student asks for when he removes a file: it must survive a
	// crash too.
	return syncDir(filepath.Dir(p))
}

// path checks ctx and sum and returns the file name of sum. Nothing touches the
// filesystem before sum is known to be 64 hexadecimal digits.
func (l *Local) path(ctx context.Context, sum string) (string, error) {
	if err := checkSum(ctx, sum); err != nil {
		return "", err
	}
	return filepath.Join(l.dir, sum[:2], sum[2:4], sum), nil
}

// syncDir flushes a directory, making the creation, renaming or removal of its entries
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// ctxReader stops a copy when its context is cancelled, so that a client that goes
// away mid-upload does not keep a disk write going.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// verifier reads stored content and checks its checksum at EOF.
type verifier struct {
	f    io.ReadCloser
	h    hash.Hash
	want string
	err  error // sticky: once EOF or corruption is reported, it is reported again
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if hex.EncodeToString(v.h.Sum(nil)) != v.want {
			err = fmt.Errorf("%w: %s", ErrCorrupt, v.want)
		}
		v.err = err
	}
	return n, err
}

func (v *verifier) Close() error { return v.f.Close() }

// Walk calls fn with the checksum of every content in the store, in no particular
// order, until fn returns an error. Files that are not content (the tmp directory,
// a name that is not a checksum or stands in the wrong directory) are skipped.
func (l *Local) Walk(ctx context.Context, fn func(sum string) error) error {
	return filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("blob: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p == l.tmp {
				return filepath.SkipDir
			}
			return nil
		}
		sum := d.Name()
		if !d.Type().IsRegular() || !ValidSum(sum) || p != filepath.Join(l.dir, sum[:2], sum[2:4], sum) {
			return nil
		}
		return fn(sum)
	})
}
