package keyring

import (
	"bytes"
	"errors"
	"io"
	mathrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// seeded returns a deterministic reader so that failures reproduce.
func seeded(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return mathrand.NewChaCha8(s)
}

// failingReader fails after n bytes, to check that no code path continues with missing randomness.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("entropy source failed")
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = 0xa5
	}
	r.n -= k
	return k, nil
}

func testKey(t testing.TB, id string, seed byte) Key {
	t.Helper()
	secret := make([]byte, KeySize)
	if _, err := io.ReadFull(seeded(seed), secret); err != nil {
		t.Fatal(err)
	}
	return Key{ID: id, Secret: secret, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func testRing(t testing.TB, primary string, keys ...Key) *Ring {
	t.Helper()
	r, err := New(keys, primary)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var adEleve = AD{Table: "accounts", Column: "totp_secret", Row: "0b9e7c1e-6d0a-4c55-9d59-0c1f3f9a2b11"}

func TestNewValidation(t *testing.T) {
	k1, k2 := testKey(t, "k1", 1), testKey(t, "k2", 2)
	retired := k2
	retired.Retired = true
	short := k1
	short.Secret = k1.Secret[:16]
	zero := Key{ID: "k0", Secret: make([]byte, KeySize)}
	tests := []struct {
		name    string
		keys    []Key
		primary string
		wantErr string
	}{
		{"ok", []Key{k1, k2}, "k1", ""},
		{"ok retired non-primary", []Key{k1, retired}, "k1", ""},
		{"no keys", nil, "k1", "no keys"},
		{"duplicate", []Key{k1, k1}, "k1", "duplicate"},
		{"short secret", []Key{short}, "k1", "32 bytes"},
		{"zero secret", []Key{zero}, "k0", "all zeros"},
		{"upper-case id", []Key{{ID: "K1", Secret: k1.Secret}}, "K1", "id must match"},
		{"id with colon", []Key{{ID: "k:1", Secret: k1.Secret}}, "k:1", "id must match"},
		{"empty id", []Key{{ID: "", Secret: k1.Secret}}, "", "id must match"},
		{"id too long", []Key{{ID: strings.Repeat("a", 33), Secret: k1.Secret}}, strings.Repeat("a", 33), "id must match"},
		{"id of 32", []Key{{ID: strings.Repeat("a", 32), Secret: k1.Secret}}, strings.Repeat("a", 32), ""},
		{"primary missing", []Key{k1}, "k2", "not in the ring"},
		{"primary retired", []Key{k1, retired}, "k2", "retired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.keys, tt.primary)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if _, err := New([]Key{k1}, "k1", WithRandom(nil)); err == nil {
		t.Fatal("New accepted a nil random source")
	}
}

func TestNewCopiesSecrets(t *testing.T) {
	k := testKey(t, "k1", 1)
	r := testRing(t, "k1", k)
	ct, err := r.Encrypt([]byte("x"), adEleve)
	if err != nil {
		t.Fatal(err)
	}
	clear(k.Secret) // the caller wiping its copy must not change the ring
	if _, err := r.Decrypt(ct, adEleve); err != nil {
		t.Fatalf("Decrypt after caller cleared its key: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	r := testRing(t, "k1", testKey(t, "k1", 1))
	for _, pt := range [][]byte{nil, {}, []byte("a"), []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), bytes.Repeat([]byte{0, 0xff}, 5000)} {
		ct, err := r.Encrypt(pt, adEleve)
		if err != nil {
			t.Fatal(err)
		}
		if id, err := KeyID(ct); err != nil || id != "k1" {
			t.Fatalf("KeyID = %q, %v", id, err)
		}
		if len(pt) >= 8 && bytes.Contains(ct, pt) {
			t.Fatal("plaintext visible in ciphertext")
		}
		got, err := r.Decrypt(ct, adEleve)
		if err != nil {
			t.Fatalf("Decrypt: %v", err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("round trip = %q, want %q", got, pt)
		}
	}
}

func TestEncryptUsesFreshNonces(t *testing.T) {
	r := testRing(t, "k1", testKey(t, "k1", 1))
	a, _ := r.Encrypt([]byte("same"), adEleve)
	b, _ := r.Encrypt([]byte("same"), adEleve)
	if bytes.Equal(a, b) {
		t.Fatal("two encryptions of the same value are equal")
	}
}

func TestFormat(t *testing.T) {
	r, err := New([]Key{testKey(t, "k-7", 1)}, "k-7", WithRandom(bytes.NewReader(bytes.Repeat([]byte{9}, 12))))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := r.Encrypt([]byte("abc"), adEleve)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{1, 3, 'k', '-', '7'}, bytes.Repeat([]byte{9}, 12)...)
	if !bytes.HasPrefix(ct, want) || len(ct) != len(want)+3+16 {
		t.Fatalf("ciphertext layout = %x", ct)
	}
}

func TestFailingRandom(t *testing.T) {
	for _, n := range []int{0, 5, 11} {
		r, err := New([]Key{testKey(t, "k1", 1)}, "k1", WithRandom(&failingReader{n: n}))
		if err != nil {
			t.Fatal(err)
		}
		if ct, err := r.Encrypt([]byte("secret"), adEleve); err == nil || ct != nil {
			t.Fatalf("Encrypt with a failing random source after %d bytes = %x, %v", n, ct, err)
		}
	}
}

func TestTamperAnyByte(t *testing.T) {
	r := testRing(t, "k1", testKey(t, "k1", 1), testKey(t, "k2", 2))
	ct, err := r.Encrypt([]byte("mot de passe du TOTP"), adEleve)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ct {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(ct)
			bad[i] ^= mask
			if pt, err := r.Decrypt(bad, adEleve); err == nil {
				t.Fatalf("byte %d ^ %#x: tampered ciphertext decrypted to %q", i, mask, pt)
			}
		}
	}
	for n := range len(ct) {
		if _, err := r.Decrypt(ct[:n], adEleve); err == nil {
			t.Fatalf("truncated to %d bytes: decrypted", n)
		}
	}
	if _, err := r.Decrypt(append(bytes.Clone(ct), 0), adEleve); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("extended ciphertext: %v, want ErrDecrypt", err)
	}
}

func TestWrongAD(t *testing.T) {
	r := testRing(t, "k1", testKey(t, "k1", 1))
	ct, err := r.Encrypt([]byte("secret"), adEleve)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ad   AD
	}{
		{"other row", AD{adEleve.Table, adEleve.Column, "another-row"}},
		{"other column", AD{adEleve.Table, "recovery_secret", adEleve.Row}},
		{"other table", AD{"guardians", adEleve.Column, adEleve.Row}},
		// Boundaries shifted between fields: only a length-prefixed encoding tells these apart.
		{"shifted table/column", AD{adEleve.Table + "t", adEleve.Column[1:], adEleve.Row}},
		{"shifted column/row", AD{adEleve.Table, adEleve.Column + adEleve.Row[:1], adEleve.Row[1:]}},
		{"case", AD{"Accounts", adEleve.Column, adEleve.Row}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := r.Decrypt(ct, tt.ad); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Decrypt under %+v: %v, want ErrDecrypt", tt.ad, err)
			}
		})
	}
	for _, ad := range []AD{{}, {"t", "c", ""}, {"t", "", "r"}, {"", "c", "r"}} {
		if _, err := r.Encrypt([]byte("x"), ad); !errors.Is(err, ErrInvalidAD) {
			t.Fatalf("Encrypt with %+v: %v, want ErrInvalidAD", ad, err)
		}
		if _, err := r.Decrypt(ct, ad); !errors.Is(err, ErrInvalidAD) {
			t.Fatalf("Decrypt with %+v: %v, want ErrInvalidAD", ad, err)
		}
	}
}

func TestADEncodingUnambiguous(t *testing.T) {
	pairs := [][2]AD{
		{{"ab", "c", "d"}, {"a", "bc", "d"}},
		{{"a", "b", "cd"}, {"a", "bc", "d"}},
		{{"a\x00\x00\x00\x01", "b", "c"}, {"a", "\x00\x00\x00\x01b", "c"}},
	}
	for _, p := range pairs {
		if bytes.Equal(p[0].encode(nil), p[1].encode(nil)) {
			t.Fatalf("%+v and %+v encode the same", p[0], p[1])
		}
	}
}

func TestKeyIDInAD(t *testing.T) {
	// Two keys with the same secret: relabelling a ciphertext with the other id must still fail,
	// because the id is authenticated.
	k1 := testKey(t, "k1", 1)
	k2 := Key{ID: "k2", Secret: k1.Secret}
	r := testRing(t, "k1", k1, k2)
	ct, _ := r.Encrypt([]byte("x"), adEleve)
	relabelled := bytes.Clone(ct)
	relabelled[3] = '2'
	if _, err := r.Decrypt(relabelled, adEleve); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("relabelled ciphertext: %v, want ErrDecrypt", err)
	}
}

func TestDecryptErrors(t *testing.T) {
	r := testRing(t, "k1", testKey(t, "k1", 1))
	other := testRing(t, "k9", testKey(t, "k9", 9))
	underK9, _ := other.Encrypt([]byte("x"), adEleve)
	valid, _ := r.Encrypt([]byte("x"), adEleve)
	badVersion := bytes.Clone(valid)
	badVersion[0] = 2
	badID := bytes.Clone(valid)
	badID[2] = 'K'
	zeroLen := bytes.Clone(valid)
	zeroLen[1] = 0
	longLen := bytes.Clone(valid)
	longLen[1] = 33
	tests := []struct {
		name string
		ct   []byte
		want error
	}{
		{"unknown key", underK9, ErrUnknownKey},
		{"nil", nil, ErrMalformed},
		{"short", valid[:minCiphertext-1], ErrMalformed},
		{"version", badVersion, ErrMalformed},
		{"id alphabet", badID, ErrMalformed},
		{"id length 0", zeroLen, ErrMalformed},
		{"id length 33", longLen, ErrMalformed},
		{"no room for tag", valid[:2+2+nonceSize+tagSize-1], ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Decrypt(tt.ct, adEleve)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decrypt: %v, want %v", err, tt.want)
			}
		})
	}
	if id, err := KeyID(underK9); err != nil || id != "k9" {
		t.Fatalf("KeyID = %q, %v", id, err)
	}
	if _, err := KeyID([]byte("garbage")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("KeyID(garbage): %v", err)
	}
}

func TestErrorsDoNotLeak(t *testing.T) {
	k := testKey(t, "k1", 1)
	r := testRing(t, "k1", k)
	pt := []byte("TOTP-SECRET-PLAINTEXT")
	ct, _ := r.Encrypt(pt, adEleve)
	bad := bytes.Clone(ct)
	bad[len(bad)-1] ^= 1
	for _, c := range [][]byte{bad, ct[:10]} {
		_, err := r.Decrypt(c, adEleve)
		msg := err.Error()
		if strings.Contains(msg, string(pt)) || strings.Contains(msg, string(k.Secret)) || strings.Contains(msg, adEleve.Row) {
			t.Fatalf("error leaks: %q", msg)
		}
	}
}

func TestRotation(t *testing.T) {
	k1, k2 := testKey(t, "k1", 1), testKey(t, "k2", 2)
	before := testRing(t, "k1", k1)
	old, err := before.Encrypt([]byte("old"), adEleve)
	if err != nil {
		t.Fatal(err)
	}
	if before.NeedsRotation(old) {
		t.Fatal("fresh ciphertext needs rotation")
	}

	after := testRing(t, "k2", k1, k2)
	if after.Primary() != "k2" {
		t.Fatalf("Primary = %q", after.Primary())
	}
	if !after.NeedsRotation(old) {
		t.Fatal("ciphertext under the old primary does not need rotation")
	}
	if pt, err := after.Decrypt(old, adEleve); err != nil || string(pt) != "old" {
		t.Fatalf("old ciphertext after rotation: %q, %v", pt, err)
	}
	reenc, err := after.Encrypt([]byte("old"), adEleve)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := KeyID(reenc); id != "k2" {
		t.Fatalf("new ciphertext under %q, want k2", id)
	}
	if after.NeedsRotation(reenc) {
		t.Fatal("re-encrypted value still needs rotation")
	}
	if !after.NeedsRotation([]byte("garbage")) {
		t.Fatal("malformed value must be reported for rotation")
	}

	// Retired: decrypts, never encrypts (it cannot be primary).
	k1.Retired = true
	retired := testRing(t, "k2", k1, k2)
	if pt, err := retired.Decrypt(old, adEleve); err != nil || string(pt) != "old" {
		t.Fatalf("retired key does not decrypt: %q, %v", pt, err)
	}
	ct, _ := retired.Encrypt([]byte("new"), adEleve)
	if id, _ := KeyID(ct); id != "k2" {
		t.Fatalf("encrypted under %q", id)
	}
	if _, err := New([]Key{k1, k2}, "k1"); err == nil {
		t.Fatal("a retired key was accepted as primary")
	}

	// Removed: fail closed.
	removed := testRing(t, "k2", k2)
	if _, err := removed.Decrypt(old, adEleve); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("removed key: %v, want ErrUnknownKey", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	r := testRing(t, "k1", testKey(t, "k1", 1))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ad := AD{"t", "c", strings.Repeat("r", i+1)}
			for range 200 {
				ct, err := r.Encrypt([]byte("v"), ad)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := r.Decrypt(ct, ad); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzDecrypt(f *testing.F) {
	r := testRing(f, "k1", testKey(f, "k1", 1))
	ct, _ := r.Encrypt([]byte("seed"), adEleve)
	f.Add(ct, "accounts", "totp_secret", adEleve.Row)
	f.Add([]byte{}, "t", "c", "r")
	f.Add([]byte{1, 2, 'k', '1'}, "t", "c", "r")
	f.Add(append([]byte{1, 32}, bytes.Repeat([]byte{'a'}, 60)...), "t", "c", "r")
	f.Fuzz(func(t *testing.T, ct []byte, table, column, row string) {
		ad := AD{table, column, row}
		pt, err := r.Decrypt(ct, ad)
		if err == nil {
			// Only authentic ciphertexts decrypt: re-encrypting must round-trip.
			again, err := r.Encrypt(pt, ad)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := r.Decrypt(again, ad); err != nil || !bytes.Equal(back, pt) {
				t.Fatalf("round trip after fuzz decrypt: %v", err)
			}
		}
		_, _ = KeyID(ct)
		_ = r.NeedsRotation(ct)
	})
}
