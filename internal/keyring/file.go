package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// fileVersion is the "version" field of the key file, checked on load so that a future format is
// refused by an old binary instead of being half understood.
const fileVersion = 1

// maxFileSize bounds what LoadFile reads: a key file holds a handful of keys.
const maxFileSize = 1 << 20

// File is the JSON key file of a single-server deployment: the keys, which one is primary, and
// when each was created. It is edited by the operator commands (rotate, retire, remove) and saved
// atomically, so a crash never leaves a half-written key file.
//
// A File is not safe for concurrent use; it belongs to one command at a time.
type File struct {
	path    string
	primary string
	keys    []Key
}

// fileJSON is the on-disk form; it stays private so that the format can only change here.
type fileJSON struct {
	Version int       `json:"version"`
	Primary string    `json:"primary"`
	Keys    []keyJSON `json:"keys"`
}

type keyJSON struct {
	ID      string    `json:"id"`
	Secret  string    `json:"secret"` // standard base64
	Created time.Time `json:"created"`
	Retired bool      `json:"retired,omitempty"`
}

// LoadFile reads and validates a key file. It refuses a file that group or others may read or
// write: keys readable by another account are compromised keys, and refusing to start is the only
// way to make that noticed.
func LoadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: opening key file: %w", err)
	}
	defer fh.Close()
	// Stat the opened file, not the path, so the checked file is the read file.
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: key file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("keyring: key file %s is not a regular file", path)
	}
	// Windows has no such permission bits; its ACLs are the operator's business.
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("keyring: key file %s has mode %04o and is accessible by group or others; run: chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("keyring: reading key file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("keyring: key file %s is larger than %d bytes", path, maxFileSize)
	}
	f, err := decodeFile(data)
	if err != nil {
		return nil, fmt.Errorf("keyring: key file %s: %w", path, err)
	}
	f.path = path
	return f, nil
}

func decodeFile(data []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fj fileJSON
	if err := dec.Decode(&fj); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if fj.Version != fileVersion {
		return nil, fmt.Errorf("unsupported version %d (want %d)", fj.Version, fileVersion)
	}
	f := &File{primary: fj.Primary, keys: make([]Key, 0, len(fj.Keys))}
	for i, kj := range fj.Keys {
		secret, err := base64.StdEncoding.DecodeString(kj.Secret)
		if err != nil {
			// The decoder error is not wrapped: it would locate the bad byte in the secret.
			if ValidID(kj.ID) {
				return nil, fmt.Errorf("key %q: secret is not standard base64", kj.ID)
			}
			return nil, fmt.Errorf("key #%d: secret is not standard base64", i+1)
		}
		f.keys = append(f.keys, Key{ID: kj.ID, Secret: secret, Created: kj.Created, Retired: kj.Retired})
	}
	if err := validateKeys(f.keys, f.primary); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) encode() ([]byte, error) {
	fj := fileJSON{Version: fileVersion, Primary: f.primary, Keys: make([]keyJSON, 0, len(f.keys))}
	for _, k := range f.keys {
		fj.Keys = append(fj.Keys, keyJSON{
			ID: k.ID, Secret: base64.StdEncoding.EncodeToString(k.Secret), Created: k.Created, Retired: k.Retired,
		})
	}
	data, err := json.MarshalIndent(fj, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keyring: encoding key file: %w", err)
	}
	return append(data, '\n'), nil
}

// CreateFile creates a key file holding one fresh primary key. The file is created with mode 0600
// (and its parent directories with 0700) and never overwrites an existing file: replacing a key
// file would make every value encrypted under it unreadable. The error then wraps fs.ErrExist.
func CreateFile(path string, rnd io.Reader, now time.Time) (*File, error) {
	f := &File{path: path}
	// Draw the key before touching the disk, so a failing random source leaves no file behind.
	if _, err := f.Rotate(rnd, now); err != nil {
		return nil, err
	}
	data, err := f.encode()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: creating key directory: %w", err)
	}
	// Write a complete temporary file, then hard-link it into place: the link fails if the path
	// exists (no overwrite), and a concurrent LoadFile never sees a half-written file, as it could
	// between an O_EXCL create and the write.
	tmpName, err := writeTemp(dir, filepath.Base(path), data)
	if err != nil {
		return nil, fmt.Errorf("keyring: creating key file: %w", err)
	}
	err = os.Link(tmpName, path)
	os.Remove(tmpName)
	if err != nil {
		return nil, fmt.Errorf("keyring: creating key file: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("keyring: key file created but directory sync failed: %w", err)
	}
	return f, nil
}

// LoadOrCreate loads the key file at path, or creates it when it does not exist yet (first start
// of a new installation). created tells the caller to remind the operator to back the file up.
// Two processes racing to create it end up loading the same file.
func LoadOrCreate(path string, rnd io.Reader, now time.Time) (f *File, created bool, err error) {
	f, err = LoadFile(path)
	if err == nil {
		return f, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	f, err = CreateFile(path, rnd, now)
	if errors.Is(err, os.ErrExist) {
		f, err = LoadFile(path)
		return f, false, err
	}
	if err != nil {
		return nil, false, err
	}
	return f, true, nil
}

// Path returns where the file is loaded from and saved to.
func (f *File) Path() string { return f.path }

// Primary returns the id of the key that encrypts.
func (f *File) Primary() string { return f.primary }

// Keys lists the keys for display, oldest first, with Secret left nil: listing keys must not be
// a way to print them.
func (f *File) Keys() []Key {
	out := make([]Key, len(f.keys))
	for i, k := range f.keys {
		out[i] = Key{ID: k.ID, Created: k.Created, Retired: k.Retired}
	}
	return out
}

// Ring builds the [Ring] of the file's current keys.
func (f *File) Ring(opts ...Option) (*Ring, error) {
	return New(f.keys, f.primary, opts...)
}

// Rotate adds a fresh key and makes it the primary. The previous primary stays active (it still
// decrypts) until it is retired. Ids are date based, "k20261123-1", so operators see at a glance
// how old a key is; the suffix makes several rotations on one day distinct. The change is in
// memory until [File.Save]; on error the file is unchanged.
func (f *File) Rotate(rnd io.Reader, now time.Time) (newID string, err error) {
	secret := make([]byte, KeySize)
	if _, err := io.ReadFull(rnd, secret); err != nil {
		return "", fmt.Errorf("keyring: reading random key: %w", err)
	}
	if allZero(secret) {
		return "", errors.New("keyring: random source returned zeros")
	}
	base := "k" + now.UTC().Format("20060102")
	for n := 1; ; n++ {
		id := fmt.Sprintf("%s-%d", base, n)
		if f.index(id) < 0 {
			newID = id
			break
		}
	}
	f.keys = append(f.keys, Key{ID: newID, Secret: secret, Created: now.UTC().Truncate(time.Second)})
	f.primary = newID
	return newID, nil
}

// Retire marks a key as decrypt-only. The primary cannot be retired: rotate first, so that there
// is always a key to encrypt with. Retiring a retired key is a no-op.
func (f *File) Retire(id string) error {
	i := f.index(id)
	if i < 0 {
		return f.unknown(id)
	}
	if id == f.primary {
		return fmt.Errorf("keyring: key %q is the primary key; rotate before retiring it", id)
	}
	f.keys[i].Retired = true
	return nil
}

// Remove deletes a key for good. Only a retired key can be removed, so that removal is always a
// second, deliberate step after checking (with [KeyID]) that no value is still under the key:
// whatever it still protects becomes unreadable.
func (f *File) Remove(id string) error {
	i := f.index(id)
	if i < 0 {
		return f.unknown(id)
	}
	if !f.keys[i].Retired {
		return fmt.Errorf("keyring: key %q is not retired; retire it before removing it", id)
	}
	f.keys = slices.Delete(f.keys, i, i+1)
	return nil
}

func (f *File) index(id string) int {
	return slices.IndexFunc(f.keys, func(k Key) bool { return k.ID == id })
}

func (f *File) unknown(id string) error {
	if ValidID(id) {
		return fmt.Errorf("keyring: no key %q in the key file", id)
	}
	return errors.New("keyring: no such key in the key file (invalid id)")
}

// Save writes the file atomically: a temporary file with mode 0600 in the same directory,
// fsynced, then renamed over the old one, then the directory fsynced. Readers see either the old
// or the new file, never a truncated one, even after a crash or a full disk.
func (f *File) Save() error {
	if err := validateKeys(f.keys, f.primary); err != nil {
		return err
	}
	data, err := f.encode()
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	tmpName, err := writeTemp(dir, filepath.Base(f.path), data)
	if err != nil {
		return fmt.Errorf("keyring: saving key file: %w", err)
	}
	if err := os.Rename(tmpName, f.path); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("keyring: saving key file: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("keyring: key file saved but directory sync failed: %w", err)
	}
	return nil
}

// writeTemp writes data to a new temporary file with mode 0600 in dir, fsynced, and returns its
// name; on error nothing is left behind.
func writeTemp(dir, base string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", err
	}
	name := tmp.Name()
	// CreateTemp already uses 0600; setting it again states the requirement.
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// syncDir makes a create or rename durable: the new directory entry is only on disk once the
// directory itself is synced.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for sync there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
