package credential

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// TOTP as Google Authenticator and every common authenticator app implement it (RFC 6238 with
// SHA-1, 6 digits, 30-second steps). Other settings are valid RFC 6238 but several apps ignore
// them silently and show wrong codes, so they are not offered.
const (
	// TOTPSecretSize is 160 bits, the HMAC-SHA1 block-friendly size RFC 4226 recommends.
	TOTPSecretSize = 20
	// TOTPDigits is the code length.
	TOTPDigits = 6
	// TOTPPeriod is the step length in seconds.
	TOTPPeriod = 30
	// MaxTOTPWindow bounds the number of steps accepted on each side of the current one. 1 (±30 s
	// of clock drift) is the usual choice; every step added multiplies an online guesser's
	// chance, so larger values are refused rather than honoured.
	MaxTOTPWindow = 5
	// minTOTPSecret is RFC 4226's minimum of 128 bits; shorter secrets never verify.
	minTOTPSecret = 16
)

// totpB32 is the otpauth:// secret encoding: RFC 4648 base32, standard alphabet, no padding.
func totpB32() *base32.Encoding { return base32.StdEncoding.WithPadding(base32.NoPadding) }

// NewTOTPSecret returns a fresh 160-bit TOTP secret.
func NewTOTPSecret(rnd io.Reader) ([]byte, error) {
	secret := make([]byte, TOTPSecretSize)
	if _, err := io.ReadFull(rnd, secret); err != nil {
		return nil, fmt.Errorf("credential: reading random TOTP secret: %w", err)
	}
	return secret, nil
}

// HOTP computes an RFC 4226 one-time password with any HMAC hash (h is sha1.New for
// authenticator apps; the RFC 6238 test vectors also use SHA-256 and SHA-512). It returns "" for
// digits outside 1..10, a nil h or a hash shorter than 160 bits, which then never matches a code.
func HOTP(secret []byte, counter uint64, digits int, h func() hash.Hash) string {
	if digits < 1 || digits > 10 || h == nil {
		return ""
	}
	mac := hmac.New(h, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	var sumBuf [64]byte
	sum := mac.Sum(sumBuf[:0])
	if len(sum) < 20 {
		return ""
	}
	// Dynamic truncation (RFC 4226 section 5.3).
	off := int(sum[len(sum)-1] & 0x0f)
	v := uint64(binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff)
	var out [10]byte
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return string(out[:digits])
}

// TOTPStep returns the RFC 6238 time step of t: floor(unix seconds / 30).
func TOTPStep(t time.Time) int64 {
	u := t.Unix()
	step := u / TOTPPeriod
	if u%TOTPPeriod < 0 {
		step-- // floor, not truncation, before 1970
	}
	return step
}

// TOTPCode returns the 6-digit SHA-1 code of a step, the one authenticator apps display.
func TOTPCode(secret []byte, step int64) string {
	return HOTP(secret, uint64(step), TOTPDigits, sha1.New)
}

// VerifyTOTP checks a code typed by the user against the steps now-window..now+window that are
// strictly after lastUsedStep, and returns the step it matched. The caller stores that step with
// a compare-and-set on lastUsedStep, which makes every code single-use (RFC 6238 section 5.2):
// a code seen over a shoulder or phished cannot be replayed, even within its window. An account
// that has never used a code passes 0 (any step before its enrolment would do).
//
// Spaces in the code are ignored (apps display "123 456"). All candidate steps are computed and
// compared in constant time, without early exit, so timing reveals neither whether nor which step
// matched. If several steps match (a 6-digit collision), the latest is returned, which burns the
// most steps. Codes that are not exactly 6 digits, secrets shorter than 128 bits and windows
// outside 0..MaxTOTPWindow never verify.
func VerifyTOTP(secret []byte, code string, now time.Time, window int, lastUsedStep int64) (step int64, ok bool) {
	if window < 0 || window > MaxTOTPWindow || len(secret) < minTOTPSecret {
		return 0, false
	}
	digits, valid := normalizeTOTPCode(code)
	current := TOTPStep(now)
	var matched int64
	found := 0
	for s := current - int64(window); s <= current+int64(window); s++ {
		eq := subtle.ConstantTimeCompare([]byte(TOTPCode(secret, s)), digits[:])
		fresh := 0
		if s > lastUsedStep { // step numbers are not secret; only the comparison result is
			fresh = 1
		}
		hit := eq & fresh & valid
		mask := -int64(hit) // all ones on a hit
		matched = s&mask | matched&^mask
		found |= hit
	}
	if found == 0 {
		return 0, false
	}
	return matched, true
}

// normalizeTOTPCode removes white space and checks for exactly TOTPDigits ASCII digits; valid is 1
// or 0 so that the caller can fold it into its constant-time result.
func normalizeTOTPCode(code string) (digits [TOTPDigits]byte, valid int) {
	if len(code) > 64 {
		return digits, 0
	}
	n := 0
	for _, r := range code {
		if unicode.IsSpace(r) {
			continue
		}
		if r < '0' || r > '9' || n == TOTPDigits {
			return digits, 0
		}
		digits[n] = byte(r)
		n++
	}
	if n != TOTPDigits {
		return digits, 0
	}
	return digits, 1
}

// OTPAuthURI returns the Key URI that authenticator apps read from a QR code:
//
//	otpauth://totp/Issuer:login?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// The label parts are path-escaped with ':' also escaped, so the literal ':' stays the only
// separator even when the issuer or login contains one. The issuer parameter is query-escaped
// with spaces as %20 rather than '+': Google Authenticator shows a '+' literally, and %20 is an
// equally valid query encoding of a space. An empty issuer leaves out both the label prefix and
// the parameter, rather than showing an empty name in the app.
func OTPAuthURI(issuer, login string, secret []byte) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	if issuer != "" {
		b.WriteString(escapeLabel(issuer))
		b.WriteByte(':')
	}
	b.WriteString(escapeLabel(login))
	b.WriteString("?secret=")
	b.WriteString(totpB32().EncodeToString(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(strings.ReplaceAll(url.QueryEscape(issuer), "+", "%20"))
	}
	fmt.Fprintf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTPDigits, TOTPPeriod)
	return b.String()
}

func escapeLabel(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// ParseOTPAuthURI reads back a TOTP Key URI, for tests and tools (re-displaying or checking a QR
// code). It refuses URIs whose algorithm, digits or period are not the ones of this package,
// because a code computed with the wrong settings would just silently fail, and a label issuer
// that contradicts the issuer parameter. Both label forms are read: "Issuer:login" with a
// literal ':' (as written by [OTPAuthURI]) and "login" alone.
func ParseOTPAuthURI(uri string) (issuer, login string, secret []byte, err error) {
	fail := func(why string) (string, string, []byte, error) {
		return "", "", nil, errors.New("credential: otpauth URI: " + why)
	}
	rest, ok := strings.CutPrefix(uri, "otpauth://totp/")
	if !ok {
		return fail(`want "otpauth://totp/" prefix`)
	}
	rawLabel, rawQuery, _ := strings.Cut(rest, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fail("invalid query")
	}
	for name, vals := range query {
		if len(vals) != 1 {
			return fail("repeated parameter " + name)
		}
	}
	var labelIssuer string
	if before, after, found := strings.Cut(rawLabel, ":"); found {
		if labelIssuer, err = url.PathUnescape(before); err != nil {
			return fail("invalid label")
		}
		rawLabel = after
	}
	if login, err = url.PathUnescape(rawLabel); err != nil {
		return fail("invalid label")
	}
	issuer = query.Get("issuer")
	switch {
	case issuer == "":
		issuer = labelIssuer
	case labelIssuer != "" && labelIssuer != issuer:
		return fail("label issuer and issuer parameter differ")
	}
	if login == "" {
		return fail("empty account name")
	}
	for name, want := range map[string]string{"algorithm": "SHA1", "digits": "6", "period": "30"} {
		if v, present := query[name]; present && !strings.EqualFold(v[0], want) {
			return fail("unsupported " + name)
		}
	}
	b32 := strings.ToUpper(strings.TrimRight(query.Get("secret"), "="))
	if secret, err = totpB32().DecodeString(b32); err != nil || len(secret) == 0 {
		return fail("secret is not base32")
	}
	return issuer, login, secret, nil
}

// TOTPSecretText is the secret as typed into an authenticator app by hand: base32 without
// padding (what the otpauth URI carries). FormatTOTPSecret groups it by four for reading.
func TOTPSecretText(secret []byte) string { return totpB32().EncodeToString(secret) }

// FormatTOTPSecret returns the base32 secret in groups of four characters, easier to
// read aloud or type; apps ignore the spaces.
func FormatTOTPSecret(secret []byte) string {
	s := TOTPSecretText(secret)
	var b []byte
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s[i:min(i+4, len(s))]...)
	}
	return string(b)
}
