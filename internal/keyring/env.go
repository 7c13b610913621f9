package keyring

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ParseEnv parses the CARTABLE_KEYS variable, "id1:base64key,id2:base64key", for deployments
// that inject keys through the environment (a secret manager) rather than a key file. The first
// entry is the primary key; the others only decrypt until their values have been re-encrypted.
//
// Keys are 32 bytes in base64, standard (padded or not) or URL-safe (padded or not), because
// both come out of the usual generators (openssl rand -base64 32, Go's RawURLEncoding). Errors
// name the entry by position, and by id once the id is known to be valid, but never echo the key
// or an entry that could be one.
func ParseEnv(s string) (keys []Key, primaryID string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "", errors.New("keyring: CARTABLE_KEYS is empty")
	}
	entries := strings.Split(s, ",")
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		n := i + 1
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, "", fmt.Errorf("keyring: CARTABLE_KEYS entry %d is empty", n)
		}
		id, b64, ok := strings.Cut(e, ":")
		if !ok {
			return nil, "", fmt.Errorf("keyring: CARTABLE_KEYS entry %d: want id:base64key", n)
		}
		id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
		if !ValidID(id) {
			// The id is not printed: an entry written key-first would put the key here.
			return nil, "", fmt.Errorf("keyring: CARTABLE_KEYS entry %d: key id must match [a-z0-9-]{1,%d}", n, MaxIDLen)
		}
		if seen[id] {
			return nil, "", fmt.Errorf("keyring: CARTABLE_KEYS entry %d: duplicate key id %q", n, id)
		}
		seen[id] = true
		secret, ok := decodeKey(b64)
		if !ok {
			return nil, "", fmt.Errorf("keyring: CARTABLE_KEYS entry %d (id %q): key must be %d bytes in base64", n, id, KeySize)
		}
		if allZero(secret) {
			return nil, "", fmt.Errorf("keyring: CARTABLE_KEYS entry %d (id %q): key is all zeros", n, id)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, keys[0].ID, nil
}

// decodeKey accepts the four base64 variants; the decoder error is dropped because its message
// would only say where the input went wrong, and callers must not be tempted to print the input.
func decodeKey(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err == nil && len(b) == KeySize {
			return b, true
		}
	}
	return nil, false
}
