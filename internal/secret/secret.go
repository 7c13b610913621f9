// Package secret keeps the platform-wide secrets (the CSRF key, the key that hashes
// INEs into unqids) in the database, encrypted by the keyring. They are created on first
// use and never change: rotating the keyring re-encrypts them without changing them, so
// every instance and every establishment keeps deriving the same values.
package secret

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
)

// Names of the platform secrets.
const (
	CSRF  = "csrf"
	Unqid = "unqid"
	// Attestation signs the verification URLs of the attestations de scolarité.
	Attestation = "attestation"
)

// Crypter encrypts and decrypts with associated data; *keyring.Ring is one.
type Crypter interface {
	Encrypt(plaintext []byte, ad keyring.AD) ([]byte, error)
	Decrypt(ciphertext []byte, ad keyring.AD) ([]byte, error)
}

// Store reads platform secrets.
type Store struct {
	db   *store.DB
	keys Crypter
	now  func() time.Time
	rand io.Reader
}

// New returns a Store.
func New(db *store.DB, keys Crypter, now func() time.Time) *Store {
	return &Store{db: db, keys: keys, now: now, rand: rand.Reader}
}

func ad(name string) keyring.AD {
	return keyring.AD{Table: "platform_secrets", Column: "value_enc", Row: name}
}

// Get returns the 32-byte secret called name, creating it the first time. Concurrent
// first calls (several instances starting) agree on one value.
func (s *Store) Get(ctx context.Context, name string) ([]byte, error) {
	var enc []byte
	err := s.db.QueryRow(ctx, `SELECT value_enc FROM platform_secrets WHERE name = $1`, name).Scan(&enc)
	if errors.Is(err, store.ErrNotFound) {
		v := make([]byte, 32)
		if _, err := io.ReadFull(s.rand, v); err != nil {
			return nil, fmt.Errorf("secret %s: %w", name, err)
		}
		ct, eerr := s.keys.Encrypt(v, ad(name))
		if eerr != nil {
			return nil, fmt.Errorf("secret %s: %w", name, eerr)
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO platform_secrets (name, value_enc, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
			name, ct, s.now()); err != nil {
			return nil, err
		}
		err = s.db.QueryRow(ctx, `SELECT value_enc FROM platform_secrets WHERE name = $1`, name).Scan(&enc)
	}
	if err != nil {
		return nil, err
	}
	v, err := s.keys.Decrypt(enc, ad(name))
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return v, nil
}

// EncryptedColumns lists the columns this package encrypts, for key rotation.
func EncryptedColumns() []store.EncryptedColumn {
	return []store.EncryptedColumn{{Table: "platform_secrets", Column: "value_enc", Key: "name"}}
}
