package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options locate a bucket of an S3-compatible object store (Amazon S3, MinIO, Ceph,
// Garage, versitygw…).
type S3Options struct {
	// Endpoint is the server's host and port, without scheme: s3.example.org:9000.
	Endpoint string
	// TLS selects https (false: plain http, for a server on the same host only).
	TLS bool
	// Region is the bucket's region ("" lets the client ask the server).
	Region string
	// Bucket holds the content; it must exist (Check tells).
	Bucket string
	// AccessKey and SecretKey are the credentials (signature V4).
	AccessKey, SecretKey string
	// TempDir receives an upload while it is hashed: its name (the checksum) is known
	// only once it has been read whole, and S3 needs the length before the first byte.
	TempDir string
	// Transport, when not nil, replaces the default HTTP transport (tests).
	Transport http.RoundTripper
}

// S3 is a Store in a bucket of an S3-compatible object store, for instances that share
// their files.
//
// Content with checksum abcdef… is the object ab/cd/abcdef…, as in a Local store, so
// that a bucket mirrored to a filesystem (or a POSIX-backed gateway) has the same
// layout. An upload is spooled to a temporary file (mode 0600) while it is hashed and
// counted, then sent in one PUT with its MD5: S3 makes an object visible only once it
// is whole, so a crash never leaves a partial object under a checksum, and the server
// refuses bytes damaged in transit. Memory stays bounded whatever the content's size.
type S3 struct {
	c      *minio.Client
	bucket string
	tmp    string
}

var _ Store = (*S3)(nil)

// NewS3 returns the store of o. It opens no connection: Check tells whether the bucket
// is reachable.
func NewS3(o S3Options) (*S3, error) {
	switch {
	case o.Endpoint == "":
		return nil, errors.New("blob: S3 endpoint not set")
	case o.Bucket == "":
		return nil, errors.New("blob: S3 bucket not set")
	case o.AccessKey == "" || o.SecretKey == "":
		return nil, errors.New("blob: S3 access key and secret key not set")
	case o.TempDir == "":
		return nil, errors.New("blob: empty temporary directory name")
	}
	if err := os.MkdirAll(o.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	c, err := minio.New(o.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:       o.TLS,
		Region:       o.Region,
		BucketLookup: minio.BucketLookupPath,
		Transport:    o.Transport,
		MaxRetries:   3,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 endpoint %q: %w", o.Endpoint, err)
	}
	return &S3{c: c, bucket: o.Bucket, tmp: o.TempDir}, nil
}

// Check reports an error unless the bucket exists and the credentials may read it.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: S3 bucket %q: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("blob: S3 bucket %q does not exist", s.bucket)
	}
	return nil
}

// Put stores the content read from r, at most max bytes, and returns its SHA-256 (hex)
// and size. Content longer than max returns ErrTooLarge and sends nothing. Content
// already stored with the same size is not sent again (an object of another size under
// the checksum is damaged and replaced); Open checks every byte.
func (s *S3) Put(ctx context.Context, r io.Reader, max int64) (string, int64, error) {
	if max < 0 {
		return "", 0, fmt.Errorf("blob: negative size limit %d", max)
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	f, err := os.CreateTemp(s.tmp, "s3put-*") // mode 0600
	if err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	defer func() {
		f.Close()
		_ = os.Remove(f.Name()) // best effort: the content is sent or refused
	}()
	sum, size, err := spool(ctx, f, r, max)
	if err != nil {
		return "", 0, err
	}
	key := objectKey(sum)
	info, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	switch {
	case err == nil && info.Size == size:
		return sum, size, nil
	case err != nil && !notFound(err):
		return "", 0, s.wrap(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("blob: %w", err)
	}
	_, err = s.c.PutObject(ctx, s.bucket, key, f, size, minio.PutObjectOptions{
		ContentType:    "application/octet-stream",
		SendContentMd5: true,
	})
	if err != nil {
		return "", 0, s.wrap(err)
	}
	return sum, size, nil
}

// Open returns the content with checksum sum. As Local's, the reader returns
// ErrCorrupt instead of io.EOF when the bytes do not match.
func (s *S3) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	if err := checkSum(ctx, sum); err != nil {
		return nil, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, objectKey(sum), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap(err)
	}
	// GetObject sends nothing until the first read; Stat makes the request, so that a
	// missing object is reported here, as by Local.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if notFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, sum)
		}
		return nil, s.wrap(err)
	}
	return &verifier{f: obj, h: sha256.New(), want: sum}, nil
}

// Exists reports whether content with checksum sum is stored.
func (s *S3) Exists(ctx context.Context, sum string) (bool, error) {
	if err := checkSum(ctx, sum); err != nil {
		return false, err
	}
	_, err := s.c.StatObject(ctx, s.bucket, objectKey(sum), minio.StatObjectOptions{})
	switch {
	case err == nil:
		return true, nil
	case notFound(err):
		return false, nil
	default:
		return false, s.wrap(err)
	}
}

// Delete removes the content with checksum sum; missing content is not an error.
func (s *S3) Delete(ctx context.Context, sum string) error {
	if err := checkSum(ctx, sum); err != nil {
		return err
	}
	err := s.c.RemoveObject(ctx, s.bucket, objectKey(sum), minio.RemoveObjectOptions{})
	if err != nil && !notFound(err) {
		return s.wrap(err)
	}
	return nil
}

// checkSum checks ctx and sum before any request.
func checkSum(ctx context.Context, sum string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ValidSum(sum) {
		return ErrInvalidSum
	}
	return nil
}

// objectKey is the object name of sum (ab/cd/abcdef…).
func objectKey(sum string) string { return sum[:2] + "/" + sum[2:4] + "/" + sum }

// notFound tells a missing object from other failures; a missing bucket is a failure
// (a configuration error), not missing content.
func notFound(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == minio.NoSuchKey || (resp.StatusCode == http.StatusNotFound && resp.Code != minio.NoSuchBucket)
}

// wrap gives a request's failure the bucket's name; a cancelled context stays
// recognisable with errors.Is.
func (s *S3) wrap(err error) error {
	return fmt.Errorf("blob: S3 bucket %q: %w", s.bucket, err)
}
