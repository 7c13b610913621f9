package config

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

func TestEverySettingIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range Settings() {
		for _, name := range []string{"`" + s.Flag + "`", "`" + s.Env + "`"} {
			if !strings.Contains(doc, name) {
				t.Errorf("docs/config.md does not mention %s", name)
			}
		}
	}
	if !strings.Contains(doc, "`CARTABLE_KEYS`") {
		t.Error("docs/config.md does not mention CARTABLE_KEYS")
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{"CARTABLE_ADDR": ":9999", "CARTABLE_SELF_SIGNUP": "true", "CARTABLE_CREDENTIAL_LIFETIME": "3mo",
		"CARTABLE_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1", "CARTABLE_SESSION_IDLE": "5m"}
	c := Default()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--addr", "127.0.0.1:1234"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1234" {
		t.Errorf("flag must win over the variable: %s", c.Addr)
	}
	if !c.SelfSignup || c.CredentialLifetime.Months != 3 || c.SessionIdle != 5*time.Minute || len(c.TrustedProxies) != 2 {
		t.Errorf("variables not applied: %+v", c)
	}
	if c.BaseURL != "http://127.0.0.1:1234" || !strings.HasSuffix(c.DB, "cartable.db") {
		t.Errorf("derived values: %s %s", c.BaseURL, c.DB)
	}
}

func TestInvalidValuesAreReported(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"bad bool":     {"CARTABLE_SELF_SIGNUP": "maybe"},
		"bad duration": {"CARTABLE_SESSION_IDLE": "soon"},
		"bad period":   {"CARTABLE_CREDENTIAL_LIFETIME": "six months"},
		"bad cidr":     {"CARTABLE_TRUSTED_PROXIES": "10.0.0/8"},
		"bad format":   {"CARTABLE_LOG_FORMAT": "xml"},
		"bad base url": {"CARTABLE_BASE_URL": "ftp://x"},
	} {
		c := Default()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		c.Register(fs, func(k string) string { return env[k] })
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPeriod(t *testing.T) {
	at := time.Date(2026, 8, 31, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"6mo", at.AddDate(0, 6, 0)},
		{"30d", at.AddDate(0, 0, 30)},
		{"1mo15d", at.AddDate(0, 1, 15)},
		{"12h", at.Add(12 * time.Hour)},
		{"2d3h", at.AddDate(0, 0, 2).Add(3 * time.Hour)},
	} {
		p, err := ParsePeriod(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if got := p.After(at); !got.Equal(tc.want) {
			t.Errorf("%s after %v = %v, want %v", tc.in, at, got, tc.want)
		}
		if back := p.Before(p.After(at)); tc.in != "6mo" && tc.in != "1mo15d" && !back.Equal(at) {
			t.Errorf("%s: Before(After(t)) = %v", tc.in, back)
		}
		if q, err := ParsePeriod(p.String()); err != nil || q != p {
			t.Errorf("%s: String %q does not parse back", tc.in, p.String())
		}
	}
	for _, bad := range []string{"", "mo", "-3d", "3 months", "d5"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestSMTPSettings: the password comes from its file (without the newline), never from
// both places; a host needs a From address and a known TLS mode.
func TestSMTPSettings(t *testing.T) {
	dir := t.TempDir()
	pw := dir + "/pw"
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := Default()
	ok.SMTPHost, ok.SMTPFrom, ok.SMTPUser, ok.SMTPPasswordFile = "smtp.example.org", "cartable <no-reply@example.org>", "u", pw
	if err := ok.Validate(); err != nil || ok.SMTPPassword != "s3cret" {
		t.Fatalf("valid settings: %v, password %q", err, ok.SMTPPassword)
	}
	for name, mut := range map[string]func(c *Config){
		"both passwords": func(c *Config) { c.SMTPPassword = "x" },
		"missing file":   func(c *Config) { c.SMTPPasswordFile = dir + "/none" },
		"no from":        func(c *Config) { c.SMTPFrom = "" },
		"bad from":       func(c *Config) { c.SMTPFrom = "not an address" },
		"bad tls":        func(c *Config) { c.SMTPTLS = "ssl" },
		"bad port":       func(c *Config) { c.SMTPPort = 0 },
		"user alone":     func(c *Config) { c.SMTPPasswordFile = "" },
	} {
		c := Default()
		c.SMTPHost, c.SMTPFrom, c.SMTPUser, c.SMTPPasswordFile = "smtp.example.org", "no-reply@example.org", "u", pw
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
