// Package credential holds the pure primitives behind cartable's secure-by-construction accounts:
// generated passwords, argon2id password hashes in PHC format, TOTP (RFC 6238) with otpauth://
// URIs, opaque tokens (enrolment links, sessions, API) and recovery codes.
//
// Nothing here touches a database, a clock or a global random source: randomness comes from an
// io.Reader the caller injects (crypto/rand.Reader in production, a failing reader in tests, so
// that a broken entropy source is proven to yield an error and never a weak secret), and time is
// passed in. The account service composes these primitives with storage and throttling.
package credential

import "crypto/subtle"

// ConstantTimeEqual reports whether a and b are equal in time that depends on their lengths only,
// not on where they first differ, so that comparing a secret to a guess leaks nothing but its
// length (which is public for every secret of this package).
func ConstantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
