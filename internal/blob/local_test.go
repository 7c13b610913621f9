package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// newStore returns a Local store in a fresh directory, and that directory.
func newStore(t *testing.T) (*Local, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// content returns n bytes that differ from one seed to another.
func content(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed
	}
	return b
}

// stored lists the content files of the store (relative paths) and the leftovers of
// its tmp directory.
func stored(t *testing.T, dir string) (files, tmp []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
			tmp = append(tmp, rel)
		} else {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, tmp
}

func readAll(t *testing.T, s Store, sum string) ([]byte, error) {
	t.Helper()
	rc, err := s.Open(context.Background(), sum)
	if err != nil {
		t.Fatalf("Open(%s): %v", sum, err)
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestPutOpenRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0}},
		{"text", []byte("Rapport de stage — PFMP n°2\n")},
		{"larger than a copy buffer", content(7, 300_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := newStore(t)
			sum, size, err := s.Put(ctx, bytes.NewReader(tc.data), int64(len(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			if sum != sha(tc.data) || size != int64(len(tc.data)) {
				t.Fatalf("Put = %s, %d; want %s, %d", sum, size, sha(tc.data), len(tc.data))
			}
			got, err := readAll(t, s, sum)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.data) {
				t.Fatal("content read back differs")
			}
			if ok, err := s.Exists(ctx, sum); !ok || err != nil {
				t.Fatalf("Exists = %v, %v", ok, err)
			}
			files, tmp := stored(t, dir)
			want := filepath.Join(sum[:2], sum[2:4], sum)
			if !slices.Equal(files, []string{want}) || len(tmp) != 0 {
				t.Fatalf("files %v, tmp %v; want [%s] and nothing in tmp", files, tmp, want)
			}
			if runtime.GOOS != "windows" {
				for p, mode := range map[string]fs.FileMode{
					filepath.Join(dir, want):              0o600,
					filepath.Join(dir, sum[:2]):           0o700 | fs.ModeDir,
					filepath.Join(dir, sum[:2], sum[2:4]): 0o700 | fs.ModeDir,
					dir:                                   0o700 | fs.ModeDir,
					filepath.Join(dir, "tmp"):             0o700 | fs.ModeDir,
				} {
					fi, err := os.Stat(p)
					if err != nil {
						t.Fatal(err)
					}
					if fi.Mode() != mode {
						t.Errorf("%s: mode %v, want %v", p, fi.Mode(), mode)
					}
				}
			}
		})
	}
}

func TestPutTwiceKeepsOneCopy(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	data := content(1, 5000)
	sum1, _, err := s.Put(ctx, bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, sum1[:2], sum1[2:4], sum1)
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	sum2, size, err := s.Put(ctx, bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if sum2 != sum1 || size != int64(len(data)) {
		t.Fatalf("second Put = %s, %d", sum2, size)
	}
	after, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("the second Put replaced the stored file instead of keeping it")
	}
	other, _, err := s.Put(ctx, bytes.NewReader(content(2, 5000)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if other == sum1 {
		t.Fatal("different contents, same checksum")
	}
	if files, tmp := stored(t, dir); len(files) != 2 || len(tmp) != 0 {
		t.Fatalf("files %v, tmp %v; want 2 files and nothing in tmp", files, tmp)
	}
}

// A file of the wrong size under a checksum (a torn write) is replaced by the next Put
// of the content.
func TestPutRepairsTruncatedCopy(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	data := content(4, 10_000)
	sum, _, err := s.Put(ctx, bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, sum[:2], sum[2:4], sum)
	if err := os.Truncate(p, 100); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Put(ctx, bytes.NewReader(data), 1<<20); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(t, s, sum)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the second Put: %d bytes, %v", len(got), err)
	}
	if _, tmp := stored(t, dir); len(tmp) != 0 {
		t.Fatalf("tmp holds %v", tmp)
	}
}

// infinite yields bytes forever and counts them.
type infinite struct{ n int64 }

func (r *infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

// failAfter returns n bytes then err.
type failAfter struct {
	n   int
	err error
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// cancelAfterFirstRead cancels its context once it has returned data.
type cancelAfterFirstRead struct{ cancel context.CancelFunc }

func (r cancelAfterFirstRead) Read(p []byte) (int, error) {
	r.cancel()
	return len(p), nil
}

func TestNewLocal(t *testing.T) {
	if _, err := NewLocal(""); err == nil {
		t.Error("no error for an empty directory name")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLocal(filepath.Join(file, "blobs")); err == nil {
		t.Error("no error for a directory under a file")
	}
	// Opening an existing store keeps its content.
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err := s.Put(context.Background(), strings.NewReader("kept"), 10)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, s2, sum); err != nil || string(got) != "kept" {
		t.Fatalf("reopened store: %q, %v", got, err)
	}
}

// BenchmarkPut stores 1 MiB documents, each new (the usual upload), with the flushes
// that make them durable.
func BenchmarkPut(b *testing.B) {
	s, err := NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := content(9, 1<<20)
	b.SetBytes(int64(len(data)))
	var i uint32
	for b.Loop() {
		i++
		data[0], data[1], data[2], data[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		if _, _, err := s.Put(context.Background(), bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
