package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/cartable/cartable/internal/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// testStore is a Store under test with what a test needs to look behind it.
type testStore struct {
	Store
	// files lists the stored contents' checksums, sorted; leftovers lists what an
	// upload left in the store's temporary directory.
	files, leftovers func(t *testing.T) []string
	// damage replaces the stored bytes of sum by f's result, behind the store's back.
	damage func(t *testing.T, sum string, f func([]byte) []byte)
}

// backends are the stores every test of the suite runs against: the local directory and
// a bucket of a real S3 server (versitygw, see internal/s3test).
var backends = []struct {
	name string
	new  func(t *testing.T) *testStore
}{
	{"local", newLocalTest},
	{"s3", newS3Test},
}

// eachStore runs test against a fresh store of every back end.
func eachStore(t *testing.T, test func(t *testing.T, s *testStore)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.new(t)) })
	}
}

func newLocalTest(t *testing.T) *testStore {
	s, dir := newStore(t)
	return &testStore{
		Store: s,
		files: func(t *testing.T) []string {
			files, _ := stored(t, dir)
			var sums []string
			for _, f := range files {
				sums = append(sums, filepath.Base(f))
			}
			slices.Sort(sums)
			return sums
		},
		leftovers: func(t *testing.T) []string { _, tmp := stored(t, dir); return tmp },
		damage: func(t *testing.T, sum string, f func([]byte) []byte) {
			p := filepath.Join(dir, sum[:2], sum[2:4], sum)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f(b), 0o600); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func newS3Test(t *testing.T) *testStore {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	tmp := t.TempDir()
	s, err := NewS3(S3Options{Endpoint: srv.Endpoint, Region: srv.Region, Bucket: bucket,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	return &testStore{
		Store: s,
		files: func(t *testing.T) []string {
			var sums []string
			for o := range srv.Client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
				if o.Err != nil {
					t.Fatal(o.Err)
				}
				sum := o.Key[strings.LastIndexByte(o.Key, '/')+1:]
				if o.Key != objectKey(sum) {
					t.Errorf("object %q is not named ab/cd/SUM", o.Key)
				}
				sums = append(sums, sum)
			}
			slices.Sort(sums)
			return sums
		},
		leftovers: func(t *testing.T) []string {
			ents, err := os.ReadDir(tmp)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			return names
		},
		damage: func(t *testing.T, sum string, f func([]byte) []byte) {
			obj, err := srv.Client.GetObject(ctx, bucket, objectKey(sum), minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(obj)
			obj.Close()
			if err != nil {
				t.Fatal(err)
			}
			b = f(b)
			if _, err := srv.Client.PutObject(ctx, bucket, objectKey(sum), bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *testStore) {
		var want []string
		for _, data := range [][]byte{nil, {0}, []byte("Rapport de stage — PFMP n°2\n"), content(7, 300_000)} {
			sum, size, err := s.Put(ctx, bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if sum != sha(data) || size != int64(len(data)) {
				t.Fatalf("Put = %s, %d; want %s, %d", sum, size, sha(data), len(data))
			}
			got, err := readAll(t, s, sum)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes of %d, %v", len(got), len(data), err)
			}
			if ok, err := s.Exists(ctx, sum); !ok || err != nil {
				t.Fatalf("Exists = %v, %v", ok, err)
			}
			want = append(want, sum)
		}
		slices.Sort(want)
		if got := s.files(t); !slices.Equal(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
		if l := s.leftovers(t); len(l) != 0 {
			t.Fatalf("left %v", l)
		}
	})
}

// The same content stored twice, or by ten uploads at once, is one object; readers
// running meanwhile see the whole content or nothing.
func TestStoreContentAddressing(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *testStore) {
		data := content(6, 256<<10)
		sums := make([]string, 10)
		errs := make([]error, 10)
		var wg sync.WaitGroup
		for i := range sums {
			wg.Go(func() {
				sums[i], _, errs[i] = s.Put(ctx, bytes.NewReader(data), int64(len(data)))
			})
		}
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
		other, _, err := s.Put(ctx, bytes.NewReader(content(2, 5000)), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{sha(data), other}
		slices.Sort(want)
		if got := s.files(t); !slices.Equal(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
		if l := s.leftovers(t); len(l) != 0 {
			t.Fatalf("left %v", l)
		}
	})
}

// Attachments are sniffed from what the store gives back as from the upload.
func TestStoreSniffing(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *testStore) {
		for _, tc := range []struct {
			data []byte
			want string
			err  error
		}{
			{[]byte(minimalPDF), TypePDF, nil},
			{zipOf(t, map[string]string{"rapport.txt": "stage"}, 8), TypeZIP, nil},
			{zipOf(t, map[string]string{"../evil": "x"}, 0), "", ErrBadArchive},
			{[]byte("<html><!-- %PDF-1.4 --></html>"), "", ErrUnsupported},
		} {
			sum, size, err := s.Put(ctx, bytes.NewReader(tc.data), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, s, sum)
			if err != nil {
				t.Fatal(err)
			}
			typ, err := Detect(bytes.NewReader(got), size)
			if typ != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Detect(%.20q) = %q, %v; want %q, %v", tc.data, typ, err, tc.want, tc.err)
			}
		}
	})
}

func TestStoreCorruptionIsDetectedAtEOF(t *testing.T) {
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
			eachStore(t, func(t *testing.T, s *testStore) {
				sum, _, err := s.Put(ctx, bytes.NewReader(data), 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				s.damage(t, sum, tc.damage)
				rc, err := s.Open(ctx, sum)
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				if _, err = io.ReadAll(rc); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("ReadAll: err = %v, want ErrCorrupt", err)
				}
				// The error sticks: a caller that reads again does not get a clean EOF.
				if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Read after the error: %v, want ErrCorrupt again", err)
				}
			})
		})
	}
}

// A stored copy of the wrong size (a torn write) is replaced by the next Put.
func TestStorePutRepairsTruncatedCopy(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *testStore) {
		data := content(4, 10_000)
		sum, _, err := s.Put(ctx, bytes.NewReader(data), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		s.damage(t, sum, func(b []byte) []byte { return b[:100] })
		if _, _, err := s.Put(ctx, bytes.NewReader(data), 1<<20); err != nil {
			t.Fatal(err)
		}
		if got, err := readAll(t, s, sum); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("after the second Put: %d bytes, %v", len(got), err)
		}
		if l := s.leftovers(t); len(l) != 0 {
			t.Fatalf("left %v", l)
		}
	})
}

func TestStorePutTooLarge(t *testing.T) {
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
			eachStore(t, func(t *testing.T, s *testStore) {
				_, size, err := s.Put(ctx, bytes.NewReader(content(5, tc.size)), tc.max)
				if tc.wantErr != errors.Is(err, ErrTooLarge) || (!tc.wantErr && err != nil) {
					t.Fatalf("err = %v, want ErrTooLarge: %v", err, tc.wantErr)
				}
				if l := s.leftovers(t); len(l) != 0 {
					t.Errorf("left %v", l)
				}
				if files := s.files(t); tc.wantErr && (len(files) != 0 || size != 0) {
					t.Errorf("refused content left %v (size %d)", files, size)
				}
			})
		})
	}
	t.Run("endless upload", func(t *testing.T) {
		eachStore(t, func(t *testing.T, s *testStore) {
			r := &infinite{}
			const max = 1 << 20
			if _, _, err := s.Put(ctx, r, max); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			// It stops reading just past the limit.
			if r.n > max+64<<10 {
				t.Errorf("read %d bytes for a limit of %d", r.n, max)
			}
			if f, l := s.files(t), s.leftovers(t); len(f)+len(l) != 0 {
				t.Errorf("left %v %v", f, l)
			}
		})
	})
	t.Run("negative limit", func(t *testing.T) {
		eachStore(t, func(t *testing.T, s *testStore) {
			if _, _, err := s.Put(ctx, strings.NewReader(""), -1); err == nil {
				t.Fatal("no error for a negative limit")
			}
		})
	})
}

func TestStorePutFailureLeavesNothing(t *testing.T) {
	errBroken := errors.New("connection reset")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  func(t *testing.T) (context.Context, io.Reader)
		want error
	}{
		{"reader fails", func(*testing.T) (context.Context, io.Reader) {
			return context.Background(), &failAfter{n: 70_000, err: errBroken}
		}, errBroken},
		{"context cancelled before", func(*testing.T) (context.Context, io.Reader) {
			return cancelled, strings.NewReader("x")
		}, context.Canceled},
		{"context cancelled midway", func(t *testing.T) (context.Context, io.Reader) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return ctx, cancelAfterFirstRead{cancel}
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *testStore) {
				ctx, r := tc.ctx(t)
				if _, _, err := s.Put(ctx, r, 1<<30); !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if f, l := s.files(t), s.leftovers(t); len(f)+len(l) != 0 {
					t.Errorf("left %v %v", f, l)
				}
			})
		})
	}
}

func TestStoreInvalidSumsAreRejected(t *testing.T) {
	ctx := context.Background()
	good := sha([]byte("x"))
	bad := []string{
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
	}
	for _, sum := range bad {
		if ValidSum(sum) {
			t.Errorf("ValidSum(%q) = true", sum)
		}
	}
	if !ValidSum(good) {
		t.Errorf("ValidSum(%q) = false", good)
	}
	eachStore(t, func(t *testing.T, s *testStore) {
		for _, sum := range bad {
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
		if f, l := s.files(t), s.leftovers(t); len(f)+len(l) != 0 {
			t.Errorf("store holds %v %v", f, l)
		}
	})
	// Nothing outside a local store is reached.
	s, dir := newStore(t)
	victim := filepath.Join(filepath.Dir(dir), "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sum := range bad {
		_ = s.Delete(ctx, sum)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("the file outside the store is gone: %v", err)
	}
}

func TestStoreMissingContent(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *testStore) {
		sum := sha([]byte("never stored"))
		if _, err := s.Open(ctx, sum); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open: %v, want ErrNotFound", err)
		}
		if ok, err := s.Exists(ctx, sum); ok || err != nil {
			t.Fatalf("Exists = %v, %v", ok, err)
		}
		if err := s.Delete(ctx, sum); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	})
}

func TestStoreDeleteIsIdempotent(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, s *testStore) {
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
		if files := s.files(t); !slices.Equal(files, []string{keep}) {
			t.Fatalf("files %v, want only %s", files, keep)
		}
		// Stored again after deletion.
		if _, _, err := s.Put(ctx, strings.NewReader("delete me"), 100); err != nil {
			t.Fatal(err)
		}
		if got, err := readAll(t, s, sum); err != nil || string(got) != "delete me" {
			t.Fatalf("read back %q, %v", got, err)
		}
	})
}

func TestStoreCancelledContext(t *testing.T) {
	eachStore(t, func(t *testing.T, s *testStore) {
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
	})
}
