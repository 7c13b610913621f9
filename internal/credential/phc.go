package credential

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. They are stored in every hash (PHC format), so they can be
// raised later: [NeedsRehash] then tells the login code to rehash on the next successful login.
type Params struct {
	// Memory is in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism (lanes); it changes the hash, not only the speed.
	Threads uint8
	// SaltLen and KeyLen are in bytes.
	SaltLen, KeyLen uint32
}

// DefaultParams returns the OWASP minimum for argon2id: m=19 MiB, t=2, p=1, a 16-byte salt and a
// 32-byte hash. It is a function so that callers get a copy they may adjust, and no package
// variable can be changed under other callers.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds for parameters, enforced when hashing and when parsing: a stored hash is input too, and
// a crafted "m=4194304" would make every login attempt allocate 4 GiB.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 64
	maxThreads = 64
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
	// maxPHCLen is well above the longest valid hash (about 230 characters), so that parsing
	// stops early on large inputs.
	maxPHCLen = 256
)

// ErrMalformedHash means a string is not an argon2id hash this package accepts.
var ErrMalformedHash = errors.New("credential: malformed argon2id hash")

// phcB64 is the PHC string format's base64: standard alphabet, no padding. Strict refuses
// non-canonical trailing bits, so each hash has exactly one text form. (A function rather than a
// package variable: no package state.)
func phcB64() *base64.Encoding { return base64.RawStdEncoding.Strict() }

// Validate reports whether p is within the bounds that [ParsePHC] accepts, so that a hash made
// now can always be verified later. Memory must also be at least 8 KiB per thread (argon2's own
// minimum).
func (p Params) Validate() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("credential: argon2 threads %d not in [1, %d]", p.Threads, maxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("credential: argon2 memory %d KiB not in [%d, %d]", p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("credential: argon2 time %d not in [1, %d]", p.Time, maxTime)
	case p.SaltLen < minSalt || p.SaltLen > maxSalt:
		return fmt.Errorf("credential: argon2 salt length %d not in [%d, %d]", p.SaltLen, minSalt, maxSalt)
	case p.KeyLen < minKey || p.KeyLen > maxKey:
		return fmt.Errorf("credential: argon2 key length %d not in [%d, %d]", p.KeyLen, minKey, maxKey)
	}
	return nil
}

// HashPassword hashes password with argon2id and a fresh random salt, and returns it in PHC
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (base64 without padding), the format
// other argon2 tools read too.
func HashPassword(password string, p Params, rnd io.Reader) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("credential: reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return formatPHC(p, salt, key), nil
}

func formatPHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, phcB64().EncodeToString(salt), phcB64().EncodeToString(key))
}

// ParsePHC parses an argon2id PHC string strictly: algorithm argon2id, version 19, parameters
// exactly "m=..,t=..,p=.." in that order, canonical decimal and base64, and every value within
// the bounds of [Params.Validate]. Params.SaltLen and KeyLen are the decoded lengths.
func ParsePHC(s string) (p Params, salt, key []byte, err error) {
	fail := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(s) > maxPHCLen {
		return fail("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want $argon2id$v=19$m=..,t=..,p=..$salt$hash")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return fail("version is not 19")
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return fail("want parameters m=..,t=..,p=..")
	}
	var vals [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		digits, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return fail("want parameters m=..,t=..,p=..")
		}
		if vals[i], ok = parseDecimal(digits); !ok {
			return fail("parameter is not a canonical decimal number")
		}
	}
	if vals[0] > maxMemory || vals[1] > maxTime || vals[2] > maxThreads {
		return fail("parameters out of bounds")
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}
	if salt, err = decodePHCBase64(parts[4]); err != nil {
		return fail("salt is not base64 without padding")
	}
	if key, err = decodePHCBase64(parts[5]); err != nil {
		return fail("hash is not base64 without padding")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.Validate(); err != nil {
		return fail("parameters out of bounds")
	}
	return p, salt, key, nil
}

// decodePHCBase64 checks the alphabet before decoding, because encoding/base64 silently skips
// '\r' and '\n' (found by FuzzParsePHC), which would give one hash several spellings.
func decodePHCBase64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, errors.New("not base64")
		}
	}
	return phcB64().DecodeString(s)
}

// parseDecimal accepts 1 to 10 ASCII digits without sign or leading zero, so that each value has
// one spelling.
func parseDecimal(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// VerifyPassword reports whether password matches the PHC hash. The hash comparison is constant
// time. An error means the stored hash is malformed (not a wrong password), which the caller
// should log as an incident.
func VerifyPassword(password, phc string) (bool, error) {
	p, salt, key, err := ParsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a hash was made with other parameters than p (or cannot be
// parsed), so that the login code rehashes the password it has just verified: that is the only
// moment the plaintext is available to move a hash to new parameters.
func NeedsRehash(phc string, p Params) bool {
	got, _, _, err := ParsePHC(phc)
	return err != nil || got != p
}

// DummyHash returns a valid hash with parameters p that no password matches in practice (its
// hash part is all zeros: matching it means finding an argon2id preimage). The account service
// computes it once at start-up and verifies the submitted password against it when the login is
// unknown, so that an unknown login costs the same argon2id run as a known one and response
// times do not reveal which logins exist. The caller must treat that verification as failed
// whatever it returns. Hashes made with older parameters cost differently; rehashing on login
// (see [NeedsRehash]) makes that gap disappear over time.
func DummyHash(p Params) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := bytes.Repeat([]byte("cartable-dummy"), int(p.SaltLen)/14+1)[:p.SaltLen]
	return formatPHC(p, salt, make([]byte, p.KeyLen)), nil
}
