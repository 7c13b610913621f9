package credential

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// testParams are cheap (64 KiB, one pass) so that tests stay fast under -race; only the benchmark
// and the reference vectors use real costs.
var testParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestDefaultParams(t *testing.T) {
	p := DefaultParams()
	if p != (Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}) {
		t.Fatalf("DefaultParams = %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Memory = 1
	if DefaultParams().Memory != 19456 {
		t.Fatal("changing a copy changed the defaults")
	}
}

func TestHashPasswordRoundTrip(t *testing.T) {
	phcRE := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	tests := []string{"", "correct horse battery staple", "Kx7!mZ%q2#vB9@rT4&wY6*pN", "élève ñ 日本 🔑", strings.Repeat("a", 1000)}
	for _, pw := range tests {
		phc, err := HashPassword(pw, testParams, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !phcRE.MatchString(phc) {
			t.Fatalf("hash %q does not have the PHC form", phc)
		}
		ok, err := VerifyPassword(pw, phc)
		if err != nil || !ok {
			t.Fatalf("VerifyPassword(%q) = %v, %v", pw, ok, err)
		}
		for _, wrong := range []string{pw + "x", strings.ToUpper(pw) + "!", "wrong"} {
			if ok, err := VerifyPassword(wrong, phc); err != nil || ok {
				t.Fatalf("VerifyPassword(wrong %q) = %v, %v", wrong, ok, err)
			}
		}
	}
	a, _ := HashPassword("same", testParams, rand.Reader)
	b, _ := HashPassword("same", testParams, rand.Reader)
	if a == b {
		t.Fatal("two hashes of the same password are equal: salt not random")
	}
}

func TestHashPasswordErrors(t *testing.T) {
	if _, err := HashPassword("pw", testParams, &failingReader{n: 8}); err == nil {
		t.Fatal("HashPassword with a failing random source succeeded")
	}
	bad := []Params{
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 65, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 7, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 8, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32},
		{Memory: 1<<20 + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 1024, Time: 1, Threads: 65, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 7, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 65, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 15},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 65},
	}
	for _, p := range bad {
		if _, err := HashPassword("pw", p, rand.Reader); err == nil {
			t.Errorf("HashPassword accepted %+v", p)
		}
		if _, err := DummyHash(p); err == nil {
			t.Errorf("DummyHash accepted %+v", p)
		}
	}
}

// TestHashPasswordKnownVector computes the expected hash with x/crypto directly, so the test
// checks the PHC encoding and parameter order, not only a round trip through our own code.
func TestHashPasswordKnownVector(t *testing.T) {
	salt := []byte("0123456789abcdef")
	p := Params{Memory: 256, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 24}
	key := argon2.IDKey([]byte("password"), salt, 2, 256, 2, 24)
	want := "$argon2id$v=19$m=256,t=2,p=2$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	got, err := HashPassword("password", p, bytes.NewReader(salt))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("HashPassword = %s, want %s", got, want)
	}
}

// TestVerifyReferenceVectors uses hashes from the argon2 reference implementation's test suite
// (phc-winner-argon2 src/test.c), so that hashes made by other tools verify.
func TestVerifyReferenceVectors(t *testing.T) {
	vectors := []struct {
		phc   string
		short bool // cheap enough for -short
	}{
		{"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", true},
		{"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", false},
	}
	for _, v := range vectors {
		if testing.Short() && !v.short {
			continue
		}
		for pw, want := range map[string]bool{"password": true, "Password": false} {
			ok, err := VerifyPassword(pw, v.phc)
			if err != nil || ok != want {
				t.Fatalf("VerifyPassword(%q, %s) = %v, %v; want %v", pw, v.phc, ok, err, want)
			}
		}
	}
}

func TestParsePHCMalformed(t *testing.T) {
	valid, err := HashPassword("pw", testParams, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(valid, "$")
	salt, key := parts[4], parts[5]
	with := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }
	tests := []struct {
		name, phc string
	}{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"upper-case algorithm", "$ARGON2ID$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"extra part", valid + "$x"},
		{"no leading $", valid[1:]},
		{"param order", with("t=1,m=64,p=1")},
		{"missing param", with("m=64,t=1")},
		{"extra param", with("m=64,t=1,p=1,keyid=x")},
		{"spaces", with("m=64, t=1, p=1")},
		{"leading zero", with("m=064,t=1,p=1")},
		{"sign", with("m=+64,t=1,p=1")},
		{"negative", with("m=-64,t=1,p=1")},
		{"empty value", with("m=,t=1,p=1")},
		{"hex", with("m=0x40,t=1,p=1")},
		{"memory 4 GiB", with("m=4194304,t=1,p=1")},
		{"memory overflow", with("m=99999999999,t=1,p=1")},
		{"memory over 1 GiB", with("m=1048577,t=1,p=1")},
		{"memory below 8p", with("m=8,t=1,p=2")},
		{"time 0", with("m=64,t=0,p=1")},
		{"time 65", with("m=64,t=65,p=1")},
		{"threads 0", with("m=64,t=1,p=0")},
		{"threads 65", with("m=1024,t=1,p=65")},
		{"threads 256", with("m=4096,t=1,p=256")},
		{"salt padded", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"salt url alphabet", "$argon2id$v=19$m=64,t=1,p=1$" + strings.NewReplacer("+", "-", "/", "_").Replace(salt) + "-_$" + key},
		{"salt 7 bytes", "$argon2id$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(make([]byte, 7)) + "$" + key},
		{"salt 65 bytes", "$argon2id$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(make([]byte, 65)) + "$" + key},
		{"key 15 bytes", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + base64.RawStdEncoding.EncodeToString(make([]byte, 15))},
		{"key 65 bytes", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + base64.RawStdEncoding.EncodeToString(make([]byte, 65))},
		{"non-canonical base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt[:len(salt)-1] + "B$" + key},
		{"newline in salt (base64 decoder skips it)", "$argon2id$v=19$m=64,t=1,p=1$\n" + salt + "$" + key},
		{"carriage return in hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10] + "\r" + key[10:]},
		{"too long", valid + strings.Repeat("A", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := ParsePHC(tt.phc); !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("ParsePHC(%q) error = %v, want ErrMalformedHash", tt.phc, err)
			}
			if ok, err := VerifyPassword("pw", tt.phc); ok || err == nil {
				t.Fatalf("VerifyPassword on a malformed hash = %v, %v", ok, err)
			}
			if !NeedsRehash(tt.phc, testParams) {
				t.Fatal("a malformed hash does not need a rehash")
			}
		})
	}
	p, s, k, err := ParsePHC(valid)
	if err != nil || p != testParams || len(s) != 16 || len(k) != 32 {
		t.Fatalf("ParsePHC(valid) = %+v, %d, %d, %v", p, len(s), len(k), err)
	}
}

func TestNeedsRehash(t *testing.T) {
	phc, err := HashPassword("pw", testParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(phc, testParams) {
		t.Fatal("hash with the current parameters needs a rehash")
	}
	changes := map[string]func(*Params){
		"memory":  func(p *Params) { p.Memory = 128 },
		"time":    func(p *Params) { p.Time = 2 },
		"threads": func(p *Params) { p.Threads = 2 },
		"salt":    func(p *Params) { p.SaltLen = 32 },
		"key":     func(p *Params) { p.KeyLen = 64 },
	}
	for name, change := range changes {
		p := testParams
		change(&p)
		if !NeedsRehash(phc, p) {
			t.Errorf("%s changed: NeedsRehash = false", name)
		}
	}
}

func TestDummyHash(t *testing.T) {
	d, err := DummyHash(testParams)
	if err != nil {
		t.Fatal(err)
	}
	p, _, _, err := ParsePHC(d)
	if err != nil || p != testParams {
		t.Fatalf("dummy hash %q parses as %+v, %v", d, p, err)
	}
	if NeedsRehash(d, testParams) {
		t.Fatal("dummy hash has other parameters")
	}
	for _, pw := range []string{"", "password", "cartable-dummy"} {
		if ok, err := VerifyPassword(pw, d); ok || err != nil {
			t.Fatalf("VerifyPassword(%q, dummy) = %v, %v", pw, ok, err)
		}
	}
	if dd, _ := DummyHash(DefaultParams()); !strings.HasPrefix(dd, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("DummyHash(DefaultParams()) = %q", dd)
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4")
	f.Add("$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := ParsePHC(s)
		if err != nil {
			return
		}
		// Accepted means canonical and bounded: formatting it back gives the same string.
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted out-of-bounds parameters %+v: %v", p, err)
		}
		if got := formatPHC(p, salt, key); got != s {
			t.Fatalf("not canonical: %q re-encodes as %q", s, got)
		}
	})
}

func BenchmarkHashPassword(b *testing.B) {
	p := DefaultParams()
	for b.Loop() {
		if _, err := HashPassword("Kx7!mZ%q2#vB9@rT4&wY6*pN", p, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	phc, err := HashPassword("Kx7!mZ%q2#vB9@rT4&wY6*pN", DefaultParams(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _ := VerifyPassword("Kx7!mZ%q2#vB9@rT4&wY6*pN", phc); !ok {
			b.Fatal("no match")
		}
	}
}
