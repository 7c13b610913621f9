package credential

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSeed is the RFC 4226 / RFC 6238 SHA-1 test secret.
var rfcSeed = []byte("12345678901234567890")

func TestHOTPRFC4226(t *testing.T) {
	// RFC 4226 Appendix D.
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, code := range want {
		if got := HOTP(rfcSeed, uint64(counter), 6, sha1.New); got != code {
			t.Errorf("HOTP(counter %d) = %s, want %s", counter, got, code)
		}
	}
}

func TestTOTPRFC6238(t *testing.T) {
	// RFC 6238 Appendix B: each algorithm has its own seed (the ASCII digits repeated to the hash
	// size), 8 digits, 30-second steps.
	seeds := map[string]struct {
		seed []byte
		h    func() hash.Hash
	}{
		"SHA1":   {rfcSeed, sha1.New},
		"SHA256": {[]byte("12345678901234567890123456789012"), sha256.New},
		"SHA512": {[]byte("1234567890123456789012345678901234567890123456789012345678901234"), sha512.New},
	}
	vectors := []struct {
		unix int64
		step string // T in hex, as printed in the RFC
		mode string
		code string
	}{
		{59, "0000000000000001", "SHA1", "94287082"},
		{59, "0000000000000001", "SHA256", "46119246"},
		{59, "0000000000000001", "SHA512", "90693936"},
		{1111111109, "00000000023523EC", "SHA1", "07081804"},
		{1111111109, "00000000023523EC", "SHA256", "68084774"},
		{1111111109, "00000000023523EC", "SHA512", "25091201"},
		{1111111111, "00000000023523ED", "SHA1", "14050471"},
		{1111111111, "00000000023523ED", "SHA256", "67062674"},
		{1111111111, "00000000023523ED", "SHA512", "99943326"},
		{1234567890, "000000000273EF07", "SHA1", "89005924"},
		{1234567890, "000000000273EF07", "SHA256", "91819424"},
		{1234567890, "000000000273EF07", "SHA512", "93441116"},
		{2000000000, "0000000003F940AA", "SHA1", "69279037"},
		{2000000000, "0000000003F940AA", "SHA256", "90698825"},
		{2000000000, "0000000003F940AA", "SHA512", "38618901"},
		{20000000000, "0000000027BC86AA", "SHA1", "65353130"},
		{20000000000, "0000000027BC86AA", "SHA256", "77737706"},
		{20000000000, "0000000027BC86AA", "SHA512", "47863826"},
	}
	for _, v := range vectors {
		step := TOTPStep(time.Unix(v.unix, 0))
		if got := fmt.Sprintf("%016X", step); got != v.step {
			t.Errorf("TOTPStep(%d) = %s, want %s", v.unix, got, v.step)
		}
		s := seeds[v.mode]
		if got := HOTP(s.seed, uint64(step), 8, s.h); got != v.code {
			t.Errorf("%s at %d: %s, want %s", v.mode, v.unix, got, v.code)
		}
		if v.mode == "SHA1" {
			if got := TOTPCode(rfcSeed, step); got != v.code[2:] {
				t.Errorf("TOTPCode at %d: %s, want %s", v.unix, got, v.code[2:])
			}
		}
	}
}

func TestHOTPInvalid(t *testing.T) {
	for _, d := range []int{0, -1, 11} {
		if got := HOTP(rfcSeed, 1, d, sha1.New); got != "" {
			t.Errorf("HOTP(digits %d) = %q", d, got)
		}
	}
	if got := HOTP(rfcSeed, 1, 6, nil); got != "" {
		t.Errorf("HOTP(nil hash) = %q", got)
	}
	if got := HOTP(rfcSeed, 1, 6, md5.New); got != "" {
		t.Errorf("HOTP(md5) = %q", got)
	}
	if got := HOTP(rfcSeed, 1, 10, sha1.New); len(got) != 10 {
		t.Errorf("HOTP(10 digits) = %q", got)
	}
}

func TestTOTPStep(t *testing.T) {
	tests := []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(29, 999999999), 0},
		{time.Unix(30, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-30, 0), -1},
		{time.Unix(-31, 0), -2},
		{time.Date(2026, 11, 23, 8, 0, 0, 0, time.FixedZone("CET", 3600)), time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC).Unix() / 30},
	}
	for _, tt := range tests {
		if got := TOTPStep(tt.t); got != tt.want {
			t.Errorf("TOTPStep(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

func TestNewTOTPSecret(t *testing.T) {
	s, err := NewTOTPSecret(rand.Reader)
	if err != nil || len(s) != 20 {
		t.Fatalf("NewTOTPSecret = %d bytes, %v", len(s), err)
	}
	if _, err := NewTOTPSecret(&failingReader{n: 19}); err == nil {
		t.Fatal("NewTOTPSecret with a failing random source succeeded")
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret := bytes.Repeat([]byte{0x5a, 0xc3}, 10)
	now := time.Date(2026, 9, 1, 8, 15, 7, 0, time.UTC)
	cur := TOTPStep(now)
	code := func(delta int64) string { return TOTPCode(secret, cur+delta) }
	spaced := code(0)[:3] + " " + code(0)[3:]

	tests := []struct {
		name     string
		code     string
		window   int
		lastUsed int64
		secret   []byte
		wantStep int64
		wantOK   bool
	}{
		{"current", code(0), 1, 0, secret, cur, true},
		{"previous", code(-1), 1, 0, secret, cur - 1, true},
		{"next", code(1), 1, 0, secret, cur + 1, true},
		{"two back", code(-2), 1, 0, secret, 0, false},
		{"two ahead", code(2), 1, 0, secret, 0, false},
		{"two back, window 2", code(-2), 2, 0, secret, cur - 2, true},
		{"previous, window 0", code(-1), 0, 0, secret, 0, false},
		{"current, window 0", code(0), 0, 0, secret, cur, true},
		{"replay of the current step", code(0), 1, cur, secret, 0, false},
		{"replay of an older step", code(-1), 1, cur, secret, 0, false},
		{"older than last used", code(-1), 1, cur - 1, secret, 0, false},
		{"newer than last used", code(1), 1, cur, secret, cur + 1, true},
		{"space in the middle", spaced, 1, 0, secret, cur, true},
		{"spaces around", "  " + code(0) + "\t", 1, 0, secret, cur, true},
		{"spaces everywhere", strings.Join(strings.Split(code(0), ""), " "), 1, 0, secret, cur, true},
		{"short", code(0)[:5], 1, 0, secret, 0, false},
		{"long", code(0) + "0", 1, 0, secret, 0, false},
		{"8-digit form", "00" + code(0), 1, 0, secret, 0, false},
		{"letter", code(0)[:5] + "a", 1, 0, secret, 0, false},
		{"dash", code(0)[:3] + "-" + code(0)[3:], 1, 0, secret, 0, false},
		{"arabic-indic digits", "٠١٢٣٤٥", 1, 0, secret, 0, false},
		{"empty", "", 1, 0, secret, 0, false},
		{"huge input", strings.Repeat(" ", 100) + code(0), 1, 0, secret, 0, false},
		{"wrong code", wrongCode(code(-1), code(0), code(1)), 1, 0, secret, 0, false},
		{"negative window", code(0), -1, 0, secret, 0, false},
		{"window too large", code(0), MaxTOTPWindow + 1, 0, secret, 0, false},
		{"short secret", TOTPCode(secret[:15], cur), 1, 0, secret[:15], 0, false},
		{"empty secret", TOTPCode(nil, cur), 1, 0, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := VerifyTOTP(tt.secret, tt.code, now, tt.window, tt.lastUsed)
			if ok != tt.wantOK || step != tt.wantStep {
				t.Fatalf("VerifyTOTP(%q) = %d, %v; want %d, %v", tt.code, step, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

// wrongCode returns a 6-digit code different from all given ones.
func wrongCode(codes ...string) string {
	for i := 0; ; i++ {
		c := strings.Repeat(string(rune('0'+i%10)), 6)
		if !strings.Contains(strings.Join(codes, ","), c) {
			return c
		}
	}
}

func TestVerifyTOTPCollisionReturnsLatestStep(t *testing.T) {
	// This secret (found by search) has the same code, 482583, at two consecutive steps: the
	// latest one must be returned, so that the code cannot be used a second time.
	secret := make([]byte, 20)
	secret[17], secret[18], secret[19] = 0x03, 0x35, 0xc4
	now := time.Unix(1_800_000_000, 0)
	cur := TOTPStep(now)
	if TOTPCode(secret, cur) != "482583" || TOTPCode(secret, cur+1) != "482583" {
		t.Fatal("test secret does not collide")
	}
	step, ok := VerifyTOTP(secret, "482583", now, 1, 0)
	if !ok || step != cur+1 {
		t.Fatalf("colliding code: %d, %v; want the latest step %d", step, ok, cur+1)
	}
	if step, ok := VerifyTOTP(secret, "482583", now, 1, cur); !ok || step != cur+1 {
		t.Fatalf("after step %d was used: %d, %v", cur, step, ok)
	}
	if step, ok := VerifyTOTP(secret, "482583", now, 1, cur+1); ok {
		t.Fatalf("colliding code replayed at step %d", step)
	}
}

func TestOTPAuthURI(t *testing.T) {
	got := OTPAuthURI("Cartable", "alice@example.com", rfcSeed)
	want := "otpauth://totp/Cartable:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Cartable&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Fatalf("OTPAuthURI =\n %s\nwant\n %s", got, want)
	}
	got = OTPAuthURI("Lycée Jean Moulin: Paris", "élève:1 a+b", []byte{1, 2, 3, 4, 5})
	want = "otpauth://totp/Lyc%C3%A9e%20Jean%20Moulin%3A%20Paris:%C3%A9l%C3%A8ve%3A1%20a+b?secret=AEBAGBAF&issuer=Lyc%C3%A9e%20Jean%20Moulin%3A%20Paris&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Fatalf("OTPAuthURI =\n %s\nwant\n %s", got, want)
	}
}

var uriCases = []struct{ issuer, login string }{
	{"Cartable", "alice@example.com"},
	{"Cartable – Collège Jean Moulin", "jean.dupont"},
	{"Lycée Victor-Hugo", "élève dupont"},
	{"A&B=C?D#E", "x/y%z"},
	{"100% sûr +plus", "o'neil+tag@ex.fr"},
	{"Académie: Créteil", "login:with:colons"},
	{"Ünïcödé 日本", "名前"},
	{"Cartable", "prof:maths"},
	{"", "no-issuer"},
}

func TestOTPAuthURIRoundTrip(t *testing.T) {
	for _, c := range uriCases {
		secret := make([]byte, 20)
		seeded(uint64(len(c.issuer))).Read(secret)
		uri := OTPAuthURI(c.issuer, c.login, secret)
		if _, err := url.Parse(uri); err != nil {
			t.Fatalf("%q is not a valid URL: %v", uri, err)
		}
		// No raw space anywhere, and no '+' in the query, which some apps show literally.
		if strings.Contains(uri, " ") || strings.Contains(uri[strings.IndexByte(uri, '?'):], "+") {
			t.Fatalf("space not escaped as %%20 in %q", uri)
		}
		issuer, login, got, err := ParseOTPAuthURI(uri)
		if err != nil {
			t.Fatalf("ParseOTPAuthURI(%q): %v", uri, err)
		}
		if issuer != c.issuer || login != c.login || !bytes.Equal(got, secret) {
			t.Fatalf("round trip of %q: %q %q %x", uri, issuer, login, got)
		}
	}
}

func TestParseOTPAuthURIErrors(t *testing.T) {
	const ok = "otpauth://totp/Cartable:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Cartable"
	if _, _, _, err := ParseOTPAuthURI(ok); err != nil {
		t.Fatal(err)
	}
	tests := []string{
		"",
		"https://totp/Cartable:alice?secret=GEZDGNBV",
		"otpauth://hotp/Cartable:alice?secret=GEZDGNBV&counter=1",
		"otpauth://totp/Cartable:?secret=GEZDGNBV",
		"otpauth://totp/Cartable:alice",
		"otpauth://totp/Cartable:alice?secret=",
		"otpauth://totp/Cartable:alice?secret=GEZDGNB1",
		"otpauth://totp/Cartable:alice?secret=GEZDGNBV&algorithm=SHA256",
		"otpauth://totp/Cartable:alice?secret=GEZDGNBV&digits=8",
		"otpauth://totp/Cartable:alice?secret=GEZDGNBV&period=60",
		"otpauth://totp/Cartable:alice?secret=GEZDGNBV&issuer=Other",
		"otpauth://totp/Cartable:alice?secret=GEZDGNBV&secret=GEZDGNBV",
		"otpauth://totp/Cartable:al%ZZice?secret=GEZDGNBV",
		"otpauth://totp/Cartable:alice?secret=GEZDGNBV&issuer=%ZZ",
	}
	for _, uri := range tests {
		if _, _, _, err := ParseOTPAuthURI(uri); err == nil {
			t.Errorf("ParseOTPAuthURI(%q) accepted", uri)
		}
	}
	// Lenient where apps are: lower-case secret, padding, label without issuer.
	issuer, login, secret, err := ParseOTPAuthURI("otpauth://totp/alice?secret=gezdgnbv&issuer=Cartable&algorithm=sha1")
	if err != nil || issuer != "Cartable" || login != "alice" || string(secret) != "12345" {
		t.Fatalf("lenient parse: %q %q %q %v", issuer, login, secret, err)
	}
	if _, _, secret, err := ParseOTPAuthURI("otpauth://totp/A:b?secret=GEZDGNBV"); err != nil || string(secret) != "12345" {
		t.Fatalf("no issuer parameter: %q, %v", secret, err)
	}
}

func BenchmarkVerifyTOTP(b *testing.B) {
	secret := bytes.Repeat([]byte{0x5a}, TOTPSecretSize)
	now := time.Unix(1_800_000_000, 0)
	code := TOTPCode(secret, TOTPStep(now))
	for b.Loop() {
		if _, ok := VerifyTOTP(secret, code, now, 1, 0); !ok {
			b.Fatal("no match")
		}
	}
}

func TestOTPAuthURIWithoutIssuer(t *testing.T) {
	uri := OTPAuthURI("", "a:b", rfcSeed)
	if uri != "otpauth://totp/a%3Ab?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30" {
		t.Fatalf("OTPAuthURI without issuer = %s", uri)
	}
}
