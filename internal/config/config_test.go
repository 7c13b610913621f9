package config

import (
	"flag"
	"maps"
	"os"
	"path/filepath"
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
	for _, v := range SecretVars() {
		if !strings.Contains(doc, "`"+v+"`") {
			t.Errorf("docs/config.md does not mention %s", v)
		}
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

// Every variable, a secret or a flag's, may come from a file named by NAME_FILE.
func TestVariablesFromFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{
		"CARTABLE_KEYS_FILE":          write("keys", "k1:AAAA\n"),
		"CARTABLE_S3_SECRET_KEY_FILE": write("s3", "s3cr3t\r\n"),
		"CARTABLE_DB_FILE":            write("db", "postgres://u:p%40ss@db/cartable\n\n"),
		"CARTABLE_LOGIN_BURST_FILE":   write("burst", "7"),
		"CARTABLE_FILES":              "s3",
		"CARTABLE_S3_ENDPOINT":        "s3.example.org:443",
		"CARTABLE_S3_BUCKET":          "cartable",
		"CARTABLE_S3_ACCESS_KEY":      "AKIA",
	}
	c := Default()
	c.Register(flag.NewFlagSet("t", flag.ContinueOnError), func(k string) string { return env[k] })
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// One line break dropped, not more: the value is what the file says.
	if c.Keys != "k1:AAAA" || c.S3SecretKey != "s3cr3t" || c.DB != "postgres://u:p%40ss@db/cartable\n" || c.LoginBurst != 7 {
		t.Errorf("from files: keys %q, s3 %q, db %q, burst %d", c.Keys, c.S3SecretKey, c.DB, c.LoginBurst)
	}

	big := write("big", strings.Repeat("x", maxValueFile+1))
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"both set":     {map[string]string{"CARTABLE_KEYS": "a", "CARTABLE_KEYS_FILE": write("k", "b")}, "CARTABLE_KEYS and CARTABLE_KEYS_FILE are both set"},
		"missing file": {map[string]string{"CARTABLE_S3_SECRET_KEY_FILE": filepath.Join(dir, "nope")}, "CARTABLE_S3_SECRET_KEY_FILE: open"},
		"empty file":   {map[string]string{"CARTABLE_KEYS_FILE": write("empty", "\n")}, "is empty"},
		"too large":    {map[string]string{"CARTABLE_KEYS_FILE": big}, "more than 65536 bytes"},
		"bad value":    {map[string]string{"CARTABLE_LOGIN_BURST_FILE": write("b2", "many")}, "CARTABLE_LOGIN_BURST"},
		"s3 unset":     {map[string]string{"CARTABLE_FILES": "s3"}, "--files s3 needs"},
		"s3 url":       {map[string]string{"CARTABLE_FILES": "s3", "CARTABLE_S3_ENDPOINT": "https://s3", "CARTABLE_S3_BUCKET": "b", "CARTABLE_S3_ACCESS_KEY": "a", "CARTABLE_S3_SECRET_KEY": "s"}, "without scheme"},
		"files":        {map[string]string{"CARTABLE_FILES": "nfs"}, `"nfs" is not local or s3`},
	} {
		c := Default()
		c.Register(flag.NewFlagSet("t", flag.ContinueOnError), func(k string) string { return tc.env[k] })
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// TestSMTPSettings: the password is a secret, from CARTABLE_SMTP_PASSWORD or its file
// (without the newline), never from both; a host needs a From address and a known TLS
// mode, and a user his password.
func TestSMTPSettings(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"CARTABLE_SMTP_HOST": "smtp.example.org", "CARTABLE_SMTP_FROM": "cartable <no-reply@example.org>",
		"CARTABLE_SMTP_USER": "u", "CARTABLE_SMTP_PASSWORD_FILE": pw}
	load := func(change map[string]string) (Config, error) {
		env := maps.Clone(base)
		maps.Copy(env, change)
		c := Default()
		c.Register(flag.NewFlagSet("t", flag.ContinueOnError), func(k string) string { return env[k] })
		return c, c.Validate()
	}
	if c, err := load(nil); err != nil || c.SMTPPassword != "s3cret" {
		t.Fatalf("valid settings: %v, password %q", err, c.SMTPPassword)
	}
	for name, change := range map[string]map[string]string{
		"both passwords": {"CARTABLE_SMTP_PASSWORD": "x"},
		"missing file":   {"CARTABLE_SMTP_PASSWORD_FILE": filepath.Join(dir, "none")},
		"no from":        {"CARTABLE_SMTP_FROM": ""},
		"bad from":       {"CARTABLE_SMTP_FROM": "not an address"},
		"bad tls":        {"CARTABLE_SMTP_TLS": "ssl"},
		"bad port":       {"CARTABLE_SMTP_PORT": "0"},
		"user alone":     {"CARTABLE_SMTP_PASSWORD_FILE": ""},
	} {
		if _, err := load(change); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
