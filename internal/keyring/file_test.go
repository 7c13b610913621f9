package keyring

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var day = time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestCreateFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	dir := filepath.Join(t.TempDir(), "etc", "cartable")
	path := filepath.Join(dir, "keys.json")
	f, err := CreateFile(path, seeded(1), day)
	if err != nil {
		t.Fatal(err)
	}
	if got := mode(t, path); got != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", got)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Fatalf("key dir mode %04o, want 0700", got)
	}
	if f.Primary() != "k20261123-1" || f.Path() != path {
		t.Fatalf("primary %q path %q", f.Primary(), f.Path())
	}
	if ks := f.Keys(); len(ks) != 1 || ks[0].Secret != nil || !ks[0].Created.Equal(day) {
		t.Fatalf("Keys() = %+v", ks)
	}

	loaded, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := f.Ring()
	r2, err := loaded.Ring()
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := r1.Encrypt([]byte("x"), adEleve)
	if pt, err := r2.Decrypt(ct, adEleve); err != nil || string(pt) != "x" {
		t.Fatalf("loaded ring: %q, %v", pt, err)
	}

	// Never overwrite.
	before, _ := os.ReadFile(path)
	if _, err := CreateFile(path, seeded(2), day); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CreateFile over an existing file: %v, want ErrExist", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("existing key file changed")
	}
}

func TestCreateFileFailingRandom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, err := CreateFile(path, &failingReader{n: 16}, day); err == nil {
		t.Fatal("CreateFile with a failing random source succeeded")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a key file was left behind: %v", err)
	}
	f, _ := CreateFile(path, seeded(1), day)
	if _, err := f.Rotate(&failingReader{}, day); err == nil {
		t.Fatal("Rotate with a failing random source succeeded")
	}
	if len(f.Keys()) != 1 || f.Primary() != "k20261123-1" {
		t.Fatal("failed Rotate changed the file")
	}
}

func TestLoadFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, err := CreateFile(path, seeded(1), day); err != nil {
		t.Fatal(err)
	}
	for _, m := range []fs.FileMode{0o600, 0o400, 0o700} {
		os.Chmod(path, m)
		if _, err := LoadFile(path); err != nil {
			t.Fatalf("mode %04o refused: %v", m, err)
		}
	}
	for _, m := range []fs.FileMode{0o640, 0o604, 0o660, 0o644, 0o602, 0o610} {
		os.Chmod(path, m)
		_, err := LoadFile(path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("mode %04o: %v, want a refusal telling to chmod 600", m, err)
		}
	}
}

func TestLoadFileInvalid(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	tests := []struct {
		name, content, wantErr string
	}{
		{"ok", `{"version":1,"primary":"a","keys":[{"id":"a","secret":"` + key + `","created":"2026-01-01T00:00:00Z"}]}`, ""},
		{"not json", `{`, "invalid JSON"},
		{"unknown field", `{"version":1,"primary":"a","extra":1,"keys":[]}`, "invalid JSON"},
		{"trailing", `{"version":1,"primary":"a","keys":[{"id":"a","secret":"` + key + `","created":"2026-01-01T00:00:00Z"}]} {}`, "trailing"},
		{"version", `{"version":2,"primary":"a","keys":[]}`, "unsupported version"},
		{"no keys", `{"version":1,"primary":"a","keys":[]}`, "no keys"},
		{"bad secret", `{"version":1,"primary":"a","keys":[{"id":"a","secret":"!!` + key[2:] + `","created":"2026-01-01T00:00:00Z"}]}`, `key "a": secret is not standard base64`},
		{"short secret", `{"version":1,"primary":"a","keys":[{"id":"a","secret":"AAAA","created":"2026-01-01T00:00:00Z"}]}`, "32 bytes"},
		{"primary retired", `{"version":1,"primary":"a","keys":[{"id":"a","secret":"` + key + `","created":"2026-01-01T00:00:00Z","retired":true}]}`, "retired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFile(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadFile error = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), key[4:20]) {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := LoadFile(t.TempDir()); err == nil {
		t.Fatal("a directory loaded as a key file")
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "keys.json")
	f1, created, err := LoadOrCreate(path, seeded(1), day)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: created=%v err=%v", created, err)
	}
	f2, created, err := LoadOrCreate(path, seeded(2), day)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created=%v err=%v", created, err)
	}
	if f1.Primary() != f2.Primary() {
		t.Fatal("second call did not load the same file")
	}
	if runtime.GOOS != "windows" {
		os.Chmod(path, 0o644)
		if _, _, err := LoadOrCreate(path, seeded(3), day); err == nil {
			t.Fatal("LoadOrCreate accepted (or replaced) a world-readable key file")
		}
	}
}

func TestLoadOrCreateRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	var wg sync.WaitGroup
	primaries := make([]string, 8)
	secrets := make([][]byte, 8)
	for i := range 8 {
		wg.Go(func() {
			f, _, err := LoadOrCreate(path, seeded(byte(i+1)), day)
			if err != nil {
				t.Error(err)
				return
			}
			primaries[i] = f.Primary()
			secrets[i] = f.keys[0].Secret
		})
	}
	wg.Wait()
	for i := range secrets {
		if !bytes.Equal(secrets[i], secrets[0]) {
			t.Fatal("racing creators ended up with different keys")
		}
	}
}

func TestRotateRetireRemoveSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	f, err := CreateFile(path, seeded(1), day)
	if err != nil {
		t.Fatal(err)
	}
	first := f.Primary()
	r1, _ := f.Ring()
	old, _ := r1.Encrypt([]byte("old"), adEleve)

	second, err := f.Rotate(seeded(2), day)
	if err != nil {
		t.Fatal(err)
	}
	third, _ := f.Rotate(seeded(3), day.AddDate(0, 6, 0))
	if second != "k20261123-2" || third != "k20270523-1" || f.Primary() != third {
		t.Fatalf("rotated ids %q %q, primary %q", second, third, f.Primary())
	}

	if err := f.Retire(third); err == nil {
		t.Fatal("retired the primary")
	}
	if err := f.Remove(first); err == nil {
		t.Fatal("removed a key that is not retired")
	}
	if err := f.Retire("nope"); err == nil {
		t.Fatal("retired an unknown key")
	}
	if err := f.Retire(first); err != nil {
		t.Fatal(err)
	}
	if err := f.Retire(first); err != nil {
		t.Fatalf("retiring twice: %v", err)
	}

	before, _ := os.Stat(path)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if os.SameFile(before, after) {
		t.Fatal("Save rewrote the file in place instead of renaming a new one over it")
	}
	if runtime.GOOS != "windows" && after.Mode().Perm() != 0o600 {
		t.Fatalf("saved mode %04o", after.Mode().Perm())
	}
	assertNoTemp(t, filepath.Dir(path))

	loaded, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ks := loaded.Keys()
	if len(ks) != 3 || !ks[0].Retired || ks[1].Retired || loaded.Primary() != third {
		t.Fatalf("reloaded %+v primary %q", ks, loaded.Primary())
	}
	ring, _ := loaded.Ring()
	if pt, err := ring.Decrypt(old, adEleve); err != nil || string(pt) != "old" {
		t.Fatalf("retired key in reloaded file: %q, %v", pt, err)
	}
	if !ring.NeedsRotation(old) {
		t.Fatal("old value does not need rotation")
	}

	if err := loaded.Remove(first); err != nil {
		t.Fatal(err)
	}
	if err := loaded.Save(); err != nil {
		t.Fatal(err)
	}
	final, _ := LoadFile(path)
	ring, _ = final.Ring()
	if _, err := ring.Decrypt(old, adEleve); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("removed key: %v", err)
	}
}

func TestSaveFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	f, err := CreateFile(path, seeded(1), day)
	if err != nil {
		t.Fatal(err)
	}
	// Put a non-empty directory where the file was: the final rename must fail.
	os.Remove(path)
	os.MkdirAll(filepath.Join(path, "x"), 0o700)
	if err := f.Save(); err == nil {
		t.Fatal("Save over a directory succeeded")
	}
	os.RemoveAll(path)
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}
