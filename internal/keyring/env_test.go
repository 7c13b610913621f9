package keyring

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseEnv(t *testing.T) {
	raw1 := bytes.Repeat([]byte{0xfb}, 32) // 0xfb... encodes to '+'/'/' in std, '-'/'_' in URL
	raw2 := bytes.Repeat([]byte{0x42}, 32)
	std1 := base64.StdEncoding.EncodeToString(raw1)
	url1 := base64.RawURLEncoding.EncodeToString(raw1)
	std2 := base64.StdEncoding.EncodeToString(raw2)
	short := base64.StdEncoding.EncodeToString(raw1[:31])
	zero := base64.StdEncoding.EncodeToString(make([]byte, 32))

	tests := []struct {
		name    string
		in      string
		wantIDs []string
		wantErr string
		secret  string // must not appear in the error
	}{
		{name: "one std", in: "k1:" + std1, wantIDs: []string{"k1"}},
		{name: "one raw url", in: "k1:" + url1, wantIDs: []string{"k1"}},
		{name: "raw std", in: "k1:" + strings.TrimRight(std1, "="), wantIDs: []string{"k1"}},
		{name: "two, first is primary", in: "new:" + std2 + ",old:" + url1, wantIDs: []string{"new", "old"}},
		{name: "spaces", in: "  k1 : " + std1 + " ,\tk2:" + std2 + "\n", wantIDs: []string{"k1", "k2"}},
		{name: "empty", in: "  ", wantErr: "empty"},
		{name: "trailing comma", in: "k1:" + std1 + ",", wantErr: "entry 2 is empty"},
		{name: "no colon", in: std1, wantErr: "entry 1: want id:base64key", secret: std1},
		{name: "key first", in: "k1:" + std1 + "," + url1 + ":k2", wantErr: "entry 2: key id must match", secret: url1},
		{name: "bad id", in: "K1:" + std1, wantErr: "entry 1: key id", secret: std1},
		{name: "duplicate", in: "k1:" + std1 + ",k1:" + std2, wantErr: `entry 2: duplicate key id "k1"`, secret: std2},
		{name: "short key", in: "k1:" + std1 + ",k2:" + short, wantErr: `entry 2 (id "k2"): key must be 32 bytes`, secret: short},
		{name: "not base64", in: "k1:" + std1[:40] + "!!!=", wantErr: `entry 1 (id "k1")`, secret: std1[:40]},
		{name: "zero key", in: "k1:" + zero, wantErr: "all zeros"},
		{name: "empty key", in: "k1:", wantErr: "key must be 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, primary, err := ParseEnv(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseEnv error = %v, want it to contain %q", err, tt.wantErr)
				}
				if tt.secret != "" && strings.Contains(err.Error(), tt.secret[:8]) {
					t.Fatalf("error leaks key text: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEnv: %v", err)
			}
			var ids []string
			for _, k := range keys {
				ids = append(ids, k.ID)
				if len(k.Secret) != KeySize {
					t.Fatalf("key %s: %d bytes", k.ID, len(k.Secret))
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") || primary != tt.wantIDs[0] {
				t.Fatalf("ids = %v primary %q, want %v", ids, primary, tt.wantIDs)
			}
			if _, err := New(keys, primary); err != nil {
				t.Fatalf("New from env keys: %v", err)
			}
		})
	}
}

func TestParseEnvDecodesBothAlphabets(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 11)[:32]
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		keys, _, err := ParseEnv("k1:" + enc.EncodeToString(raw))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(keys[0].Secret, raw) {
			t.Fatalf("decoded %x, want %x", keys[0].Secret, raw)
		}
	}
}
