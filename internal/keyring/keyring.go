// Package keyring encrypts individual database values (TOTP secrets, personal data that must be
// readable again) with AES-256-GCM under named keys.
//
// Every ciphertext names the key that sealed it, so keys can be rotated without a flag day: a new
// primary key encrypts from now on, older keys keep decrypting until a background job has
// re-encrypted what they protect (see [Ring.NeedsRotation]), then they are retired and removed.
//
// Every ciphertext is also bound to the place it is stored in (table, column, row, see [AD]): an
// attacker with write access to the database cannot move a victim's encrypted TOTP secret onto
// their own row, or an encrypted value into another column, because decryption then fails.
//
// The package imports no other package of cartable and does no I/O except through [File], which
// manages the on-disk key file.
package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// MaxIDLen is the longest key id accepted. Ids are stored in every ciphertext, so they stay short.
const MaxIDLen = 32

const (
	// formatVersion is the first byte of every ciphertext; a future format changes it so that old
	// and new ciphertexts can coexist during a migration.
	formatVersion byte = 1
	nonceSize          = 12 // the 96-bit nonce GCM is designed for
	tagSize            = 16
	// minCiphertext is version + id length + a 1-byte id + nonce + tag (empty plaintext).
	minCiphertext = 1 + 1 + 1 + nonceSize + tagSize
)

var (
	// ErrUnknownKey means the ciphertext names a key that is not in the ring. Decryption fails
	// closed: a key that was removed too early must be restored, not guessed.
	ErrUnknownKey = errors.New("keyring: ciphertext is under a key that is not in the ring")
	// ErrMalformed means the bytes are not a ciphertext of this package (truncated, unknown
	// version, invalid key id).
	ErrMalformed = errors.New("keyring: malformed ciphertext")
	// ErrDecrypt means authentication failed: the ciphertext was modified, or it is presented
	// with other associated data than it was sealed with (copied to another row, column or table).
	ErrDecrypt = errors.New("keyring: decryption failed (tampered ciphertext or wrong associated data)")
	// ErrInvalidAD means the associated data is incomplete. It is a programming error, reported
	// rather than silently sealing a value that could be moved between rows.
	ErrInvalidAD = errors.New("keyring: associated data needs a table, a column and a row")
)

// Key is one named AES-256 key.
type Key struct {
	// ID names the key inside every ciphertext; it matches [a-z0-9-]{1,32}.
	ID string
	// Secret is the 32-byte AES-256 key.
	Secret []byte
	// Created is informational: it tells operators how old a key is.
	Created time.Time
	// Retired keys still decrypt, so that a rotation can re-encrypt what they protect, but never
	// encrypt; only a retired key may be removed from a key file.
	Retired bool
}

// AD is the associated data that binds a ciphertext to where it is stored. All three fields are
// required: a value sealed without its row could be swapped with another row's value. The row is
// therefore a key known before the value is written (a UUID or a natural key, not an id the
// database assigns on insert).
type AD struct {
	Table, Column, Row string
}

// encode appends an unambiguous encoding of ad to dst: each field is length-prefixed, so
// ("ab", "c") and ("a", "bc") never encode the same way.
func (ad AD) encode(dst []byte) []byte {
	for _, s := range [...]string{ad.Table, ad.Column, ad.Row} {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

func (ad AD) valid() bool {
	return ad.Table != "" && ad.Column != "" && ad.Row != ""
}

// Ring holds the keys able to decrypt and the one primary key that encrypts. It is immutable
// after [New] and safe for concurrent use.
type Ring struct {
	keys    map[string]ringKey
	primary string
	rnd     io.Reader
}

type ringKey struct {
	aead    cipher.AEAD
	retired bool
}

// Option configures a [Ring].
type Option func(*Ring)

// WithRandom sets the source of nonces. Production keeps the default, crypto/rand.Reader; tests
// pass a failing reader to check that encryption then fails instead of reusing a nonce. A ring
// used from several goroutines needs a reader that is safe for concurrent use, as
// crypto/rand.Reader is.
func WithRandom(r io.Reader) Option {
	return func(ring *Ring) { ring.rnd = r }
}

// New validates keys and builds a ring whose primary key is primaryID. It refuses duplicate or
// malformed ids, secrets that are not 32 bytes (or are all zeros, a typical placeholder), and a
// primary key that is missing or retired. The secrets are copied.
func New(keys []Key, primaryID string, opts ...Option) (*Ring, error) {
	if err := validateKeys(keys, primaryID); err != nil {
		return nil, err
	}
	r := &Ring{keys: make(map[string]ringKey, len(keys)), primary: primaryID, rnd: rand.Reader}
	for _, opt := range opts {
		opt(r)
	}
	if r.rnd == nil {
		return nil, errors.New("keyring: nil random source")
	}
	for _, k := range keys {
		block, err := aes.NewCipher(bytes.Clone(k.Secret))
		if err != nil {
			return nil, fmt.Errorf("keyring: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %q: %w", k.ID, err)
		}
		r.keys[k.ID] = ringKey{aead: aead, retired: k.Retired}
	}
	return r, nil
}

// validateKeys holds the rules shared by [New] and the key file, so that a file that loads is a
// file that makes a ring. Messages name key ids, never secrets.
func validateKeys(keys []Key, primaryID string) error {
	if len(keys) == 0 {
		return errors.New("keyring: no keys")
	}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if !ValidID(k.ID) {
			return fmt.Errorf("keyring: key #%d: id must match [a-z0-9-]{1,%d}", i+1, MaxIDLen)
		}
		if seen[k.ID] {
			return fmt.Errorf("keyring: duplicate key id %q", k.ID)
		}
		seen[k.ID] = true
		if len(k.Secret) != KeySize {
			return fmt.Errorf("keyring: key %q: secret must be %d bytes, got %d", k.ID, KeySize, len(k.Secret))
		}
		if allZero(k.Secret) {
			return fmt.Errorf("keyring: key %q: secret is all zeros", k.ID)
		}
	}
	for _, k := range keys {
		if k.ID == primaryID {
			if k.Retired {
				return fmt.Errorf("keyring: primary key %q is retired", primaryID)
			}
			return nil
		}
	}
	if !ValidID(primaryID) {
		return errors.New("keyring: primary key id is not a valid id")
	}
	return fmt.Errorf("keyring: primary key %q is not in the ring", primaryID)
}

func allZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc == 0
}

// ValidID reports whether id can name a key: 1 to 32 characters among a-z, 0-9 and '-'. The
// alphabet keeps ids safe to print in logs and error messages.
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Primary returns the id of the key that encrypts.
func (r *Ring) Primary() string { return r.primary }

// Encrypt seals plaintext under the primary key, bound to ad. The result is
//
//	version (1 byte) | id length (1 byte) | id | nonce (12 bytes) | GCM ciphertext and tag
//
// and the GCM associated data covers the version, the key id and ad, so none of them can be
// changed without decryption failing. The nonce is random: with 96 bits, a key stays far below
// the 2^32 encryptions NIST allows per key for random nonces, and rotation resets the count.
func (r *Ring) Encrypt(plaintext []byte, ad AD) ([]byte, error) {
	if !ad.valid() {
		return nil, ErrInvalidAD
	}
	k := r.keys[r.primary]
	hdr := header(r.primary)
	out := make([]byte, len(hdr)+nonceSize, len(hdr)+nonceSize+len(plaintext)+tagSize)
	copy(out, hdr)
	nonce := out[len(hdr):]
	if _, err := io.ReadFull(r.rnd, nonce); err != nil {
		// Never fall back to a fixed or partial nonce: nonce reuse breaks GCM entirely.
		return nil, fmt.Errorf("keyring: reading random nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, plaintext, gcmAD(hdr, ad)), nil
}

// Decrypt opens a ciphertext made by [Ring.Encrypt] with the same ad. Retired keys still
// decrypt. Errors are [ErrInvalidAD], [ErrMalformed], [ErrUnknownKey] or [ErrDecrypt] (possibly
// wrapped with the key id, which is not secret); they never contain key material or plaintext.
func (r *Ring) Decrypt(ct []byte, ad AD) ([]byte, error) {
	if !ad.valid() {
		return nil, ErrInvalidAD
	}
	id, hdrLen, err := parseHeader(ct)
	if err != nil {
		return nil, err
	}
	k, ok := r.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q)", ErrUnknownKey, id)
	}
	nonce := ct[hdrLen : hdrLen+nonceSize]
	pt, err := k.aead.Open(nil, nonce, ct[hdrLen+nonceSize:], gcmAD(ct[:hdrLen], ad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// NeedsRotation reports whether ct should be re-encrypted: true unless it is provably under the
// primary key. Malformed values also report true, so that the rotation job surfaces them (its
// Decrypt fails) instead of skipping them silently.
func (r *Ring) NeedsRotation(ct []byte) bool {
	id, err := KeyID(ct)
	return err != nil || id != r.primary
}

// KeyID returns the id of the key a ciphertext was sealed with, without decrypting it, so that an
// operator can count or find values still under an old key before removing it.
func KeyID(ct []byte) (string, error) {
	id, _, err := parseHeader(ct)
	return id, err
}

func header(id string) []byte {
	h := make([]byte, 0, 2+len(id))
	h = append(h, formatVersion, byte(len(id)))
	return append(h, id...)
}

// parseHeader returns the key id and the header length, checking that the rest can hold a nonce
// and a tag.
func parseHeader(ct []byte) (id string, hdrLen int, err error) {
	if len(ct) < minCiphertext || ct[0] != formatVersion {
		return "", 0, ErrMalformed
	}
	n := int(ct[1])
	hdrLen = 2 + n
	if n == 0 || n > MaxIDLen || len(ct) < hdrLen+nonceSize+tagSize {
		return "", 0, ErrMalformed
	}
	id = string(ct[2:hdrLen])
	if !ValidID(id) {
		return "", 0, ErrMalformed
	}
	return id, hdrLen, nil
}

// gcmAD is the header (version and key id) followed by the encoded [AD]. The header is
// self-delimiting, so the concatenation stays unambiguous.
func gcmAD(hdr []byte, ad AD) []byte {
	buf := make([]byte, 0, len(hdr)+12+len(ad.Table)+len(ad.Column)+len(ad.Row))
	buf = append(buf, hdr...)
	return ad.encode(buf)
}
