// Package backup makes and restores a consistent copy of an instance that runs on
// SQLite: the database (SQLite's VACUUM INTO, a snapshot taken in one read transaction
// while the service keeps running), the attached files of the local store (each read
// back against its SHA-256), and the key ring, written apart because a backup and the
// keys that open its secrets must never be stored together. A PostgreSQL database is
// backed up by PostgreSQL (pg_dump and WAL archiving, docs/backup.md); the command then
// copies the files and the keys only.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
)

// Format is the version of the backup layout, in the manifest.
const Format = 1

// The names of a backup directory.
const (
	ManifestName = "manifest.json"
	DatabaseName = "cartable.db"
	BlobsName    = "blobs"
)

// Manifest describes a backup; it is written last, so a directory without one is an
// interrupted backup, which Restore refuses.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	Version   string    `json:"version"` // of the binary that made it
	// Engine is the database's: "sqlite" (the database is in the backup) or "postgres"
	// (it is not: pg_dump and WAL archiving keep it).
	Engine         string `json:"engine"`
	Schema         int    `json:"schema_version"`
	DatabaseSHA256 string `json:"database_sha256,omitempty"`
	DatabaseBytes  int64  `json:"database_bytes,omitempty"`
	// FileStore is "local" (the files are in the backup) or "s3" (they stay in the
	// bucket, whose versioning or replication keeps them).
	FileStore  string `json:"file_store"`
	Files      int    `json:"files"`
	FilesBytes int64  `json:"files_bytes"`
	// Keys is "file" (written apart, to Options.KeysOut) or "environment"
	// (CARTABLE_KEYS: the operator's secret store keeps them).
	Keys string `json:"keys"`
}

// Options say what to back up and where.
type Options struct {
	DB *store.DB
	// Blobs is the local file store; nil when the files are in an object store.
	Blobs *blob.Local
	// KeyFile is the key file in use; "" when the keys come from the environment.
	KeyFile string
	// Out is the backup directory: it must not exist or be empty.
	Out string
	// KeysOut receives a copy of the key file (mode 0600); it must not exist and must
	// not be inside Out. Required when KeyFile is set.
	KeysOut string
	Version string
	Now     func() time.Time
}

// Backup writes a backup of o into o.Out and the key ring into o.KeysOut.
func Backup(ctx context.Context, o Options) (Manifest, error) {
	m := Manifest{Format: Format, CreatedAt: o.Now().UTC(), Version: o.Version, Engine: string(o.DB.Engine()), FileStore: "local", Keys: "file"}
	if o.Blobs == nil {
		m.FileStore = "s3"
	}
	if o.KeyFile == "" {
		m.Keys = "environment"
	}
	if err := emptyDir(o.Out); err != nil {
		return m, err
	}
	if o.KeyFile != "" {
		if o.KeysOut == "" {
			return m, errors.New("backup: the keys go apart from the backup: give --keys-out FILE (outside the backup directory)")
		}
		if inside(o.KeysOut, o.Out) {
			return m, fmt.Errorf("backup: %s is inside the backup directory: the keys must be stored apart from the data they protect", o.KeysOut)
		}
		if _, err := os.Lstat(o.KeysOut); err == nil {
			return m, fmt.Errorf("backup: %s exists: give a new file for the keys", o.KeysOut)
		}
	}
	st, err := o.DB.Status(ctx)
	if err != nil {
		return m, err
	}
	m.Schema = st.Current
	if err := os.MkdirAll(o.Out, 0o700); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	// The database first: the files it names were stored before it named them, so the
	// files copied after the snapshot include them all. Only a file the purge removes
	// in between can miss (docs/backup.md: not during the purge's hour).
	if o.DB.Engine() == store.SQLite {
		dst := filepath.Join(o.Out, DatabaseName)
		if _, err := o.DB.Exec(ctx, "VACUUM INTO $1", dst); err != nil {
			return m, fmt.Errorf("backup: database snapshot: %w", err)
		}
		if err := os.Chmod(dst, 0o600); err != nil {
			return m, fmt.Errorf("backup: %w", err)
		}
		if m.DatabaseSHA256, m.DatabaseBytes, err = hashFile(dst); err != nil {
			return m, err
		}
	}
	if o.Blobs != nil {
		dst, err := blob.NewLocal(filepath.Join(o.Out, BlobsName))
		if err != nil {
			return m, err
		}
		if m.Files, m.FilesBytes, err = copyBlobs(ctx, o.Blobs, dst); err != nil {
			return m, err
		}
		if err := os.Remove(filepath.Join(o.Out, BlobsName, "tmp")); err != nil {
			return m, fmt.Errorf("backup: %w", err)
		}
	}
	if o.KeyFile != "" {
		if err := copyKeys(o.KeyFile, o.KeysOut); err != nil {
			return m, err
		}
	}
	return m, writeManifest(o.Out, m)
}

// RestoreOptions say what to restore and where.
type RestoreOptions struct {
	// From is the backup directory, Keys the key file written apart ("" when the
	// backup's keys came from the environment).
	From, Keys string
	// Database is the SQLite file to create, BlobDir the local file store to fill and
	// KeyFile the key file to create: none may exist (a restore never overwrites).
	Database, BlobDir, KeyFile string
}

// Restore recreates an instance's data from a backup: the database (checked against
// the manifest's SHA-256 and by SQLite's integrity check), the files (each checked
// against its name) and the key file. It refuses to overwrite anything.
func Restore(ctx context.Context, o RestoreOptions) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(o.From, ManifestName))
	if err != nil {
		return m, fmt.Errorf("restore: %s has no manifest (not a backup, or an interrupted one): %w", o.From, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("restore: %s: %w", ManifestName, err)
	}
	if m.Format != Format {
		return m, fmt.Errorf("restore: backup format %d, this binary reads %d", m.Format, Format)
	}
	if m.Engine != string(store.SQLite) {
		return m, fmt.Errorf("restore: the backup's database is %s: restore it with pg_restore (docs/backup.md)", m.Engine)
	}
	for _, p := range []string{o.Database, o.KeyFile} {
		if _, err := os.Lstat(p); err == nil {
			return m, fmt.Errorf("restore: %s exists: restore into a new data directory", p)
		}
	}
	if m.Keys == "file" && o.Keys == "" {
		return m, errors.New("restore: the backup's keys were written apart: give --keys FILE")
	}
	if o.Keys != "" {
		if _, err := keyring.LoadFile(o.Keys); err != nil {
			return m, fmt.Errorf("restore: %w", err)
		}
	}
	// The database is checked first and given its name last: a restore that fails
	// leaves no database, so no instance starts on half of one.
	tmp, err := prepareDatabase(ctx, filepath.Join(o.From, DatabaseName), o.Database, m)
	if tmp != "" {
		defer os.Remove(tmp)
	}
	if err != nil {
		return m, err
	}
	if m.FileStore == "local" {
		src, err := blob.NewLocal(filepath.Join(o.From, BlobsName))
		if err != nil {
			return m, err
		}
		dst, err := blob.NewLocal(o.BlobDir)
		if err != nil {
			return m, err
		}
		n, size, err := copyBlobs(ctx, src, dst)
		if err != nil {
			return m, err
		}
		if n != m.Files || size != m.FilesBytes {
			return m, fmt.Errorf("restore: %d files (%d bytes) in the backup, the manifest says %d (%d bytes)", n, size, m.Files, m.FilesBytes)
		}
		_ = os.Remove(filepath.Join(o.From, BlobsName, "tmp")) // made by NewLocal; the backup stays as it was
	}
	if o.Keys != "" {
		if err := copyKeys(o.Keys, o.KeyFile); err != nil {
			return m, err
		}
	}
	if err := os.Link(tmp, o.Database); err != nil {
		if o.Keys != "" {
			os.Remove(o.KeyFile)
		}
		return m, fmt.Errorf("restore: %w", err)
	}
	return m, syncDir(filepath.Dir(o.Database))
}

// prepareDatabase copies the database next to dst, into a temporary file whose name
// it returns, and checks its SHA-256 and its integrity.
func prepareDatabase(ctx context.Context, src, dst string, m Manifest) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	tmp := dst + ".restoring"
	sum, size, err := copyFile(src, tmp)
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	if sum != m.DatabaseSHA256 || size != m.DatabaseBytes {
		return tmp, fmt.Errorf("restore: the database of the backup is damaged (SHA-256 %s, %d bytes; the manifest says %s, %d bytes)", sum, size, m.DatabaseSHA256, m.DatabaseBytes)
	}
	db, err := store.Open(ctx, "sqlite:"+tmp, store.Options{MaxOpenConns: 1})
	if err != nil {
		return tmp, err
	}
	var verdict string
	err = db.QueryRow(ctx, "PRAGMA integrity_check").Scan(&verdict)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(tmp + suffix) // closed cleanly: nothing left in them
	}
	if err != nil {
		return tmp, fmt.Errorf("restore: integrity check: %w", err)
	}
	if verdict != "ok" {
		return tmp, fmt.Errorf("restore: integrity check: %.200s", verdict)
	}
	return tmp, nil
}

// copyBlobs copies every content of src into dst; Put and the reader of src check each
// one against its checksum.
func copyBlobs(ctx context.Context, src, dst *blob.Local) (n int, size int64, err error) {
	err = src.Walk(ctx, func(sum string) error {
		rc, err := src.Open(ctx, sum)
		if err != nil {
			return err
		}
		defer rc.Close()
		got, sz, err := dst.Put(ctx, rc, math.MaxInt64)
		if err != nil {
			return fmt.Errorf("file %s: %w", sum, err)
		}
		if got != sum {
			return fmt.Errorf("file %s: copied as %s", sum, got)
		}
		n++
		size += sz
		return nil
	})
	return n, size, err
}

// copyKeys copies a key file to a new file of mode 0600.
func copyKeys(src, dst string) error {
	if _, err := keyring.LoadFile(src); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if _, _, err := copyFile(src, tmp); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, dst); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

// copyFile copies src to a new file dst (mode 0600, flushed) and returns the SHA-256
// and size of what it wrote.
func copyFile(src, dst string) (string, int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// writeManifest writes the manifest last, through a temporary file.
func writeManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestName+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestName)); err != nil {
		return err
	}
	return syncDir(dir)
}

// emptyDir checks that dir does not exist or is empty.
func emptyDir(dir string) error {
	if dir == "" {
		return errors.New("backup: give the backup directory (--out DIR)")
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("backup: %s is not empty: give a new directory for each backup", dir)
	}
	return nil
}

// inside reports whether path p is dir or under it.
func inside(p, dir string) bool {
	ap, err1 := filepath.Abs(p)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	return ap == ad || strings.HasPrefix(ap, ad+string(filepath.Separator))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
