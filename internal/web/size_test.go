package web

import "testing"

func TestFileSize(t *testing.T) {
	for _, tc := range []struct {
		n      int64
		fr, en string
	}{
		{0, "0\u00a0o", "0 B"},
		{999, "999\u00a0o", "999 B"},
		{28_400, "28\u00a0ko", "28 kB"},
		{1_234_567, "1,2\u00a0Mo", "1.2 MB"},
		{20 << 20, "21\u00a0Mo", "21 MB"},
	} {
		if got := fileSize(langFR, tc.n); got != tc.fr {
			t.Errorf("fr %d: %q, want %q", tc.n, got, tc.fr)
		}
		if got := fileSize(langEN, tc.n); got != tc.en {
			t.Errorf("en %d: %q, want %q", tc.n, got, tc.en)
		}
	}
}
