package credential

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	// The pattern a secret scanner would use.
	tokenRE := regexp.MustCompile(`^ct[esp]_[A-Za-z0-9_-]{43}[0-9A-Za-z]{6}$`)
	for _, kind := range []Kind{KindEnrollment, KindSession, KindAPI} {
		seen := map[string]bool{}
		for range 200 {
			tok, err := NewToken(kind, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if len(tok) != TokenLength || TokenLength != 53 || !strings.HasPrefix(tok, string(kind)+"_") || !tokenRE.MatchString(tok) {
				t.Fatalf("token %q has the wrong form", tok)
			}
			if url.QueryEscape(tok) != tok || url.PathEscape(tok) != tok {
				t.Fatalf("token %q is not URL-safe", tok)
			}
			got, err := ParseToken(tok)
			if err != nil || got != kind {
				t.Fatalf("ParseToken(%q) = %q, %v", tok, got, err)
			}
			if seen[tok] {
				t.Fatal("duplicate token")
			}
			seen[tok] = true
		}
	}
}

func TestNewTokenErrors(t *testing.T) {
	for _, kind := range []Kind{"", "ctx", "CTS", "cts_", "session"} {
		if _, err := NewToken(kind, rand.Reader); err == nil {
			t.Errorf("NewToken(%q) accepted an unknown kind", kind)
		}
	}
	if tok, err := NewToken(KindSession, &failingReader{n: 31}); err == nil || tok != "" {
		t.Fatalf("NewToken with a failing random source = %q, %v", tok, err)
	}
}

// withChecksum builds a string with a valid checksum around an arbitrary prefix and body, to test
// that the other checks do not rely on the checksum alone.
func withChecksum(prefixAndBody string) string {
	sum := crc32.ChecksumIEEE([]byte(prefixAndBody))
	var enc [6]byte
	for i := 5; i >= 0; i-- {
		enc[i] = base62[sum%62]
		sum /= 62
	}
	return prefixAndBody + string(enc[:])
}

func TestParseTokenRejects(t *testing.T) {
	tok, err := NewToken(KindAPI, seeded(8))
	if err != nil {
		t.Fatal(err)
	}
	body := tok[4:47]
	tests := []struct{ name, s string }{
		{"empty", ""},
		{"truncated", tok[:len(tok)-1]},
		{"extended", tok + "A"},
		{"no checksum", tok[:47]},
		{"upper-case kind", strings.ToUpper(tok[:3]) + tok[3:]},
		{"unknown kind, valid checksum", withChecksum("ctx_" + body)},
		{"other separator, valid checksum", withChecksum("ctp-" + body)},
		{"padding, valid checksum", withChecksum("ctp_" + body[:42] + "=")},
		{"std base64 alphabet, valid checksum", withChecksum("ctp_" + body[:41] + "+/")},
		{"non-canonical last character, valid checksum", withChecksum("ctp_" + body[:42] + "B")},
		{"non-ASCII", tok[:10] + "é" + tok[12:]},
		{"space", tok[:10] + " " + tok[11:]},
		{"checksum not base62", tok[:47] + "-_-_-_"},
		{"checksum above 2^32", tok[:47] + "zzzzzz"},
		{"swapped", tok[:20] + tok[21:22] + tok[20:21] + tok[22:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.s == tok {
				t.Skip("mutation left the token unchanged")
			}
			if k, err := ParseToken(tt.s); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("ParseToken(%q) = %q, %v", tt.s, k, err)
			}
		})
	}
	// Every single-character typo is caught by the checksum (a CRC32 detects every error burst
	// of up to 32 bits).
	alphabet := base64URL + "."
	for i := range len(tok) {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, tok[i])+1)%len(alphabet)], 'Q', '7', '_'} {
			if c == tok[i] {
				continue
			}
			typo := tok[:i] + string(c) + tok[i+1:]
			if _, err := ParseToken(typo); err == nil {
				t.Fatalf("typo at %d (%q) accepted: %q", i, c, typo)
			}
		}
	}
}

func TestParseTokenCanonicalBody(t *testing.T) {
	tok, _ := NewToken(KindSession, seeded(1))
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok[4:47])
	if err != nil || len(raw) != 32 {
		t.Fatalf("token body does not decode to 32 bytes: %d, %v", len(raw), err)
	}
}

func TestHashToken(t *testing.T) {
	a, _ := NewToken(KindSession, seeded(1))
	b, _ := NewToken(KindSession, seeded(2))
	ha, hb := HashToken(a), HashToken(b)
	if len(ha) != 32 || string(ha) != string(HashToken(a)) || string(ha) == string(hb) {
		t.Fatalf("HashToken: %x %x", ha, hb)
	}
	if strings.Contains(string(ha), a[4:12]) {
		t.Fatal("hash contains the token")
	}
}

func FuzzParseToken(f *testing.F) {
	tok, _ := NewToken(KindEnrollment, seeded(1))
	f.Add(tok)
	f.Add("")
	f.Add("cts_")
	f.Add(strings.Repeat("\xff", TokenLength))
	f.Add(withChecksum("ctx_" + tok[4:47]))
	f.Fuzz(func(t *testing.T, s string) {
		kind, err := ParseToken(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) || kind != "" {
				t.Fatalf("ParseToken(%q) = %q, %v", s, kind, err)
			}
			return
		}
		if !kind.valid() || len(s) != TokenLength || !strings.HasPrefix(s, string(kind)+"_") || url.QueryEscape(s) != s {
			t.Fatalf("ParseToken accepted %q as %q", s, kind)
		}
		if _, err := base64.RawURLEncoding.Strict().DecodeString(s[4:47]); err != nil {
			t.Fatalf("accepted a non-canonical body: %q", s)
		}
	})
}
