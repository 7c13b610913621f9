package credential

import (
	"bytes"
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The tests in this file cross-check TOTP against github.com/pquerna/otp, an independent
// implementation that follows what authenticator apps do. It is used in tests only.

func TestTOTPMatchesPquerna(t *testing.T) {
	rnd := seeded(99)
	for i := range 500 {
		secret := make([]byte, TOTPSecretSize)
		rnd.Read(secret)
		b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
		now := time.Unix(1_700_000_000+int64(i)*7919, 0)
		want, err := totp.GenerateCode(b32, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := TOTPCode(secret, TOTPStep(now)); got != want {
			t.Fatalf("secret %s at %v: %s, pquerna %s", b32, now, got, want)
		}
		// Both must agree on acceptance with a ±1 window, for codes inside and outside it.
		for _, delta := range []time.Duration{-90 * time.Second, -30 * time.Second, 0, 30 * time.Second, 90 * time.Second} {
			code, _ := totp.GenerateCode(b32, now.Add(delta))
			theirs, _ := totp.ValidateCustom(code, b32, now, totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			_, ours := VerifyTOTP(secret, code, now, 1, 0)
			if ours != theirs {
				t.Fatalf("delta %v: VerifyTOTP %v, pquerna %v", delta, ours, theirs)
			}
		}
	}
}

func TestOTPAuthURIReadByPquerna(t *testing.T) {
	for _, c := range uriCases {
		if strings.Contains(c.issuer, ":") || c.issuer == "" {
			// pquerna splits the decoded label at its first ':' (see the report), so an issuer
			// with a colon is only read right by the issuer parameter.
			continue
		}
		secret := bytes.Repeat([]byte{0xa7, 0x3c}, 10)
		uri := OTPAuthURI(c.issuer, c.login, secret)
		key, err := otp.NewKeyFromURL(uri)
		if err != nil {
			t.Fatal(err)
		}
		if key.Type() != "totp" || key.Issuer() != c.issuer || key.AccountName() != c.login {
			t.Fatalf("pquerna reads %q as type %q issuer %q account %q", uri, key.Type(), key.Issuer(), key.AccountName())
		}
		if key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
			t.Fatalf("pquerna reads settings %d %v %v", key.Period(), key.Digits(), key.Algorithm())
		}
		got, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key.Secret())
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("pquerna reads secret %q", key.Secret())
		}
	}
}

func TestParseOTPAuthURIOfPquerna(t *testing.T) {
	for _, c := range uriCases {
		if c.issuer == "" || strings.ContainsAny(c.issuer, ":&=+") || strings.Contains(c.login, ":") {
			// pquerna escapes neither ':' in the label nor '&', '=', '+' in the issuer parameter
			// (it uses path escaping there), so such URIs are ambiguous; ParseOTPAuthURI rightly
			// refuses the mismatch between label and parameter they produce.
			continue
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: c.issuer, AccountName: c.login, Rand: seeded(5)})
		if err != nil {
			t.Fatal(err)
		}
		issuer, login, secret, err := ParseOTPAuthURI(key.URL())
		if err != nil {
			t.Fatalf("ParseOTPAuthURI(%q): %v", key.URL(), err)
		}
		want, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key.Secret())
		if issuer != c.issuer || login != c.login || !bytes.Equal(secret, want) {
			t.Fatalf("%q read as %q %q %x", key.URL(), issuer, login, secret)
		}
	}
}
