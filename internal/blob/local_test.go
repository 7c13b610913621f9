package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
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

func TestCorruptionIsDetectedAtEOF(t *testing.T) {
	ctx := context.Background()
	data := content(3, 100_000)
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0x01; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }},
		{"appended", func(b []byte) []byte { return append(b, 0) }},
		{"emptied", func(b []byte) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := newStore(t)
			sum, _, err := s.Put(ctx, bytes.NewReader(data), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, sum[:2], sum[2:4], sum)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tc.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			rc, err := s.Open(ctx, sum)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			_, err = io.ReadAll(rc)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ReadAll: err = %v, want ErrCorrupt", err)
			}
			// The error sticks: a caller that reads again does not get a clean EOF.
			if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Read after the error: %v, want ErrCorrupt again", err)
			}
		})
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

func TestPutTooLarge(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		size    int
		max     int64
		wantErr bool
	}{
		{"exactly the limit", 10, 10, false},
		{"one byte over", 11, 10, true},
		{"far over", 100_000, 1000, true},
		{"empty with no room", 0, 0, false},
		{"one byte with no room", 1, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := newStore(t)
			_, size, err := s.Put(ctx, bytes.NewReader(content(5, tc.size)), tc.max)
			if tc.wantErr != errors.Is(err, ErrTooLarge) || (!tc.wantErr && err != nil) {
				t.Fatalf("err = %v, want ErrTooLarge: %v", err, tc.wantErr)
			}
			files, tmp := stored(t, dir)
			if len(tmp) != 0 {
				t.Errorf("tmp holds %v", tmp)
			}
			if tc.wantErr && (len(files) != 0 || size != 0) {
				t.Errorf("refused content left %v (size %d)", files, size)
			}
		})
	}
	t.Run("endless upload", func(t *testing.T) {
		s, dir := newStore(t)
		r := &infinite{}
		const max = 1 << 20
		if _, _, err := s.Put(ctx, r, max); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		// It stops reading just past the limit.
		if r.n > max+64<<10 {
			t.Errorf("read %d bytes for a limit of %d", r.n, max)
		}
		if files, tmp := stored(t, dir); len(files)+len(tmp) != 0 {
			t.Errorf("left %v %v", files, tmp)
		}
	})
	t.Run("negative limit", func(t *testing.T) {
		s, _ := newStore(t)
		if _, _, err := s.Put(ctx, strings.NewReader(""), -1); err == nil {
			t.Fatal("no error for a negative limit")
		}
	})
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

func TestPutFailureLeavesNothing(t *testing.T) {
	errBroken := errors.New("connection reset")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	midway, cancelMidway := context.WithCancel(context.Background())
	defer cancelMidway()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		r    io.Reader
		want error
	}{
		{"reader fails", context.Background(), &failAfter{n: 70_000, err: errBroken}, errBroken},
		{"context cancelled before", cancelled, strings.NewReader("x"), context.Canceled},
		{"context cancelled midway", midway, cancelAfterFirstRead{cancelMidway}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := newStore(t)
			if _, _, err := s.Put(tc.ctx, tc.r, 1<<30); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if files, tmp := stored(t, dir); len(files)+len(tmp) != 0 {
				t.Errorf("left %v %v", files, tmp)
			}
		})
	}
}

func TestConcurrentPutOfTheSameContent(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	data := content(6, 256<<10)
	sums := make([]string, 10)
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Go(func() {
			sums[i], _, errs[i] = s.Put(ctx, bytes.NewReader(data), int64(len(data)))
		})
	}
	// Readers run while the Puts link the file into place: each sees the whole
	// content or nothing.
	for range 5 {
		wg.Go(func() {
			rc, err := s.Open(ctx, sha(data))
			if errors.Is(err, ErrNotFound) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			defer rc.Close()
			if b, err := io.ReadAll(rc); err != nil || !bytes.Equal(b, data) {
				t.Errorf("concurrent read: %d bytes, %v", len(b), err)
			}
		})
	}
	wg.Wait()
	for i := range sums {
		if errs[i] != nil || sums[i] != sha(data) {
			t.Fatalf("Put %d = %s, %v", i, sums[i], errs[i])
		}
	}
	files, tmp := stored(t, dir)
	if len(files) != 1 || len(tmp) != 0 {
		t.Fatalf("files %v, tmp %v; want one file and nothing in tmp", files, tmp)
	}
	if got, err := readAll(t, s, sums[0]); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
}

func TestInvalidSumsAreRejected(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	// A file next to the store that a crafted checksum might try to reach.
	victim := filepath.Join(filepath.Dir(dir), "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := sha([]byte("x"))
	for _, sum := range []string{
		"",
		"../victim",
		"../../../../../../etc/passwd",
		strings.ToUpper(good),
		good[:63],
		good + "0",
		good[:62] + "/x",
		good[:63] + "g",
		good[:63] + "\x00",
		"ab/cd/" + good[6:],
		strings.Repeat(".", 64),
		"..\\" + good[3:],
	} {
		if ValidSum(sum) {
			t.Errorf("ValidSum(%q) = true", sum)
		}
		if _, err := s.Open(ctx, sum); !errors.Is(err, ErrInvalidSum) {
			t.Errorf("Open(%q): %v, want ErrInvalidSum", sum, err)
		}
		if _, err := s.Exists(ctx, sum); !errors.Is(err, ErrInvalidSum) {
			t.Errorf("Exists(%q): %v, want ErrInvalidSum", sum, err)
		}
		if err := s.Delete(ctx, sum); !errors.Is(err, ErrInvalidSum) {
			t.Errorf("Delete(%q): %v, want ErrInvalidSum", sum, err)
		}
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("the file outside the store is gone: %v", err)
	}
	if files, tmp := stored(t, dir); len(files)+len(tmp) != 0 {
		t.Errorf("store holds %v %v", files, tmp)
	}
	if !ValidSum(good) {
		t.Errorf("ValidSum(%q) = false", good)
	}
}

func TestMissingContent(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	sum := sha([]byte("never stored"))
	if _, err := s.Open(ctx, sum); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open: %v, want ErrNotFound", err)
	}
	if ok, err := s.Exists(ctx, sum); ok || err != nil {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
}

func TestDeleteIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	keep, _, err := s.Put(ctx, strings.NewReader("keep"), 100)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err := s.Put(ctx, strings.NewReader("delete me"), 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Delete(ctx, sum); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if ok, err := s.Exists(ctx, sum); ok || err != nil {
		t.Fatalf("Exists after Delete = %v, %v", ok, err)
	}
	if _, err := s.Open(ctx, sum); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete: %v", err)
	}
	if files, _ := stored(t, dir); len(files) != 1 || !strings.HasSuffix(files[0], keep) {
		t.Fatalf("files %v, want only %s", files, keep)
	}
	// Stored again after deletion: the kept directories are reused.
	if _, _, err := s.Put(ctx, strings.NewReader("delete me"), 100); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, s, sum); err != nil || string(got) != "delete me" {
		t.Fatalf("read back %q, %v", got, err)
	}
}

func TestCancelledContext(t *testing.T) {
	s, _ := newStore(t)
	sum, _, err := s.Put(context.Background(), strings.NewReader("x"), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Open(ctx, sum); !errors.Is(err, context.Canceled) {
		t.Errorf("Open: %v", err)
	}
	if _, err := s.Exists(ctx, sum); !errors.Is(err, context.Canceled) {
		t.Errorf("Exists: %v", err)
	}
	if err := s.Delete(ctx, sum); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete: %v", err)
	}
	if ok, _ := s.Exists(context.Background(), sum); !ok {
		t.Error("a cancelled Delete removed the content")
	}
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
