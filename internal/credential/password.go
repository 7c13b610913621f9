package credential

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// PasswordLength is the length of generated passwords: with the 84-character alphabet it gives
// more than 150 bits, so a generated password never needs a strength policy, rotation for
// weakness or breach-list checks.
const PasswordLength = 24

// The character classes of generated passwords. The ambiguous characters 0 O 1 l I are left out
// because a password delivered on paper is typed by hand; quotes, backslash, backtick, '|' and
// space are left out because they are hard to tell apart or to type on some keyboards.
const (
	passwordUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"    // 24: no I, O
	passwordLower   = "abcdefghijkmnopqrstuvwxyz"   // 25: no l
	passwordDigits  = "23456789"                    // 8: no 0, 1
	passwordSpecial = "!#$%&()*+,-./:;<=>?@[]^_{}~" // 27
)

// PasswordAlphabet is every character a generated password may contain (84 characters).
const PasswordAlphabet = passwordUpper + passwordLower + passwordDigits + passwordSpecial

// passwordClasses lists the classes a password must each contain at least once, because many
// outside systems (and people) still expect the four classes. It is a function, not a variable,
// so that no package state can be changed.
func passwordClasses() [4]string {
	return [4]string{passwordUpper, passwordLower, passwordDigits, passwordSpecial}
}

const (
	// byteLimit is the largest multiple of the alphabet size not above 256: bytes at or above it
	// are rejected, so that byte % 84 is exactly uniform (no modulo bias).
	byteLimit = 256 - 256%len(PasswordAlphabet)
	// maxPasswordAttempts bounds regeneration. A sound source needs more than one attempt 9% of
	// the time and more than 64 with probability about 1e-66, so reaching the bound means the
	// source is broken (for example it repeats one byte), and it must not loop forever.
	maxPasswordAttempts = 64
)

// ErrWeakRandom means the random source produced output that no sound source would produce
// (such as the same byte over and over), so no secret was generated from it.
var ErrWeakRandom = errors.New("credential: random source looks broken")

// GeneratePassword returns a PasswordLength-character password drawn from PasswordAlphabet,
// containing at least one upper-case letter, one lower-case letter, one digit and one special
// character, uniformly distributed over all such passwords. A failing random source returns an
// error, never a shorter or weaker password.
func GeneratePassword(rnd io.Reader) (string, error) {
	src := &byteSource{rnd: rnd}
	return generatePassword(src.uniformIndex)
}

// generatePassword builds passwords from uniform alphabet indexes until one holds every class.
//
// Regenerating the WHOLE password keeps it uniform over the valid set: each attempt is uniform
// over all 84^24 strings, and a uniform distribution conditioned on an event (all four classes
// present) is uniform over that event. Repairing instead (overwriting a character with a digit,
// say) would make passwords with exactly one digit more likely than others, and leak which
// position was repaired.
func generatePassword(nextIndex func() (int, error)) (string, error) {
	var buf [PasswordLength]byte
	for range maxPasswordAttempts {
		for i := range buf {
			idx, err := nextIndex()
			if err != nil {
				return "", err
			}
			buf[i] = PasswordAlphabet[idx]
		}
		if hasAllClasses(buf[:]) {
			return string(buf[:]), nil
		}
	}
	return "", ErrWeakRandom
}

// hasAllClasses reports whether pw, made of PasswordAlphabet characters, holds all four classes.
func hasAllClasses(pw []byte) bool {
	var seen uint8
	for _, c := range pw {
		switch {
		case 'A' <= c && c <= 'Z':
			seen |= 1
		case 'a' <= c && c <= 'z':
			seen |= 2
		case '0' <= c && c <= '9':
			seen |= 4
		default:
			seen |= 8
		}
	}
	return seen == 15
}

// byteSource reads random bytes in blocks (fewer calls into the source) with a total budget, so
// that a source stuck on rejected bytes ends in an error rather than an endless loop.
type byteSource struct {
	rnd    io.Reader
	buf    [64]byte
	pos    int
	filled bool
	budget int // blocks read so far
}

// uniformIndex returns an index into PasswordAlphabet, uniform by rejection sampling: bytes of
// byteLimit (252) or more are drawn again (4 bytes in 256, so 1.6% of draws).
func (s *byteSource) uniformIndex() (int, error) {
	for {
		b, err := s.next()
		if err != nil {
			return 0, err
		}
		if int(b) < byteLimit {
			return int(b) % len(PasswordAlphabet), nil
		}
	}
}

// maxBlocks is 16 KiB of randomness, about 10 times what 64 password attempts consume.
const maxBlocks = 256

func (s *byteSource) next() (byte, error) {
	if !s.filled || s.pos == len(s.buf) {
		if s.budget == maxBlocks {
			return 0, ErrWeakRandom
		}
		if _, err := io.ReadFull(s.rnd, s.buf[:]); err != nil {
			return 0, fmt.Errorf("credential: reading random bytes: %w", err)
		}
		s.budget++
		s.pos, s.filled = 0, true
	}
	b := s.buf[s.pos]
	s.pos++
	return b, nil
}

// PasswordEntropyBits returns the entropy of a generated password, log2 of the number of valid
// passwords, computed exactly by inclusion-exclusion over the classes that could be missing:
//
//	valid = sum over subsets S of the 4 classes of (-1)^|S| * (84 - |S's characters|)^24
//
// It is 24*log2(84) = 153.42 bits minus the loss of the class constraint, -log2(valid/84^24) =
// -log2(0.9089) = 0.138 bits (9.05% of uniform strings lack a digit, the only class with a
// noticeable chance to be missing), so 153.28 bits.
func PasswordEntropyBits() float64 {
	n := float64(len(PasswordAlphabet))
	return PasswordLength*math.Log2(n) + math.Log2(validPasswordFraction())
}

// validPasswordFraction is the probability that a uniform string of PasswordLength characters
// holds every class: the acceptance rate of generatePassword.
func validPasswordFraction() float64 {
	n := float64(len(PasswordAlphabet))
	var p float64
	classes := passwordClasses()
	for subset := range 1 << len(classes) {
		missing, sign := 0, 1.0
		for i, class := range classes {
			if subset&(1<<i) != 0 {
				missing += len(class)
				sign = -sign
			}
		}
		p += sign * math.Pow((n-float64(missing))/n, PasswordLength)
	}
	return p
}
