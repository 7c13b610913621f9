package credential

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Kind is the prefix naming what a token is for. It makes a leaked token recognisable at a glance
// (and by secret scanners), and a token of one kind is refused where another is expected.
type Kind string

// The token kinds. Prefixes are three lower-case letters: "ct" for cartable plus one letter.
const (
	// KindEnrollment is the one-time token of an enrolment link (first login, renewal).
	KindEnrollment Kind = "cte"
	// KindSession is a browser session token, held in a cookie.
	KindSession Kind = "cts"
	// KindAPI is a personal API token for the JSON API (bearer).
	KindAPI Kind = "ctp"
	// KindEmail is the one-time token of an e-mail address's confirmation link
	// (internal/notify).
	KindEmail Kind = "ctm"
)

// Token layout: "<kind>_<43 base64url chars: 32 random bytes><6 base62 chars: CRC32>".
const (
	tokenRandomBytes = 32 // 256 bits
	tokenRandomChars = 43 // base64url without padding of 32 bytes
	tokenSumChars    = 6  // 62^6 > 2^32
	tokenPrefixLen   = 3 + 1
	// TokenLength is the length of every token.
	TokenLength = tokenPrefixLen + tokenRandomChars + tokenSumChars
	base62      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base64URL   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// ErrInvalidToken means a string is not a well-formed token. It says nothing more, and never
// repeats the string, which may be a real token pasted in the wrong place.
var ErrInvalidToken = errors.New("credential: invalid token")

func (k Kind) valid() bool {
	switch k {
	case KindEnrollment, KindSession, KindAPI, KindEmail:
		return true
	}
	return false
}

// NewToken returns a fresh token of the given kind, for example
// "cts_q3Jx…(43 characters)…" followed by a 6-character checksum. Every character is URL-safe,
// so tokens go into links and headers unescaped. The CRC32 checksum is not a security measure:
// it lets secret scanners tell real tokens from random strings (as with GitHub's tokens) and lets
// [ParseToken] reject typos and truncations before any database lookup.
func NewToken(kind Kind, rnd io.Reader) (string, error) {
	if !kind.valid() {
		return "", fmt.Errorf("credential: unknown token kind %q", string(kind))
	}
	var raw [tokenRandomBytes]byte
	if _, err := io.ReadFull(rnd, raw[:]); err != nil {
		return "", fmt.Errorf("credential: reading random token: %w", err)
	}
	buf := make([]byte, 0, TokenLength)
	buf = append(buf, kind...)
	buf = append(buf, '_')
	buf = base64.RawURLEncoding.AppendEncode(buf, raw[:])
	sum := crc32.ChecksumIEEE(buf)
	var enc [tokenSumChars]byte
	for i := tokenSumChars - 1; i >= 0; i-- {
		enc[i] = base62[sum%62]
		sum /= 62
	}
	return string(append(buf, enc[:]...)), nil
}

// ParseToken checks a token's kind, length, alphabet and checksum, and returns its kind. It reads
// every character of a string of the right length (any other length is refused at once), so the
// work does not depend on where a string goes wrong, and it never panics. A valid result only
// means well-formed: the caller still looks up [HashToken] in the database.
func ParseToken(s string) (Kind, error) {
	if len(s) != TokenLength {
		return "", ErrInvalidToken
	}
	// Each check is computed before being folded into ok, so that no check is skipped.
	kind := Kind(s[:3])
	ok := kind.valid()
	ok = s[3] == '_' && ok
	for i := tokenPrefixLen; i < tokenPrefixLen+tokenRandomChars; i++ {
		ok = indexByte(base64URL, s[i]) >= 0 && ok
	}
	// 43 characters carry 258 bits: the last one must leave its 2 spare bits at zero, so that each
	// token has a single spelling.
	ok = indexByte(base64URL, s[tokenPrefixLen+tokenRandomChars-1])&3 == 0 && ok
	var sum uint64
	for i := tokenPrefixLen + tokenRandomChars; i < TokenLength; i++ {
		d := indexByte(base62, s[i])
		ok = d >= 0 && ok
		sum = sum*62 + uint64(max(d, 0))
	}
	ok = sum == uint64(crc32.ChecksumIEEE([]byte(s[:tokenPrefixLen+tokenRandomChars]))) && ok
	if !ok {
		return "", ErrInvalidToken
	}
	return kind, nil
}

func indexByte(alphabet string, c byte) int {
	for i := 0; i < len(alphabet); i++ {
		if alphabet[i] == c {
			return i
		}
	}
	return -1
}

// HashToken returns the SHA-256 of a token, the only form stored in the database, so that a
// leaked database (or backup) holds no usable token. A fast hash is right here, unlike for
// passwords: a token carries 256 random bits, so there is nothing to brute-force, and salting or
// stretching would only slow down every authenticated request and prevent lookup by hash.
func HashToken(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}
