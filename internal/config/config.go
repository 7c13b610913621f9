// Package config holds the settings of cartable, read from command-line flags and
// CARTABLE_* environment variables (a flag wins over its variable, which wins over the
// default). Every setting is listed in docs/config.md; a test keeps the two in step.
//
// Every variable NAME may instead be given as NAME_FILE, the path of a file holding
// the value (Kubernetes and OpenFaaS mount secrets as files); secrets are read from
// the environment only, never from a flag, which other users see in the process list.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration. The zero value is not usable: start from Default.
type Config struct {
	DataDir   string // --data: SQLite file, key file and attachments
	DB        string // --db: sqlite:PATH or postgres://…
	LogFormat string // --log-format: text or json
	LogLevel  string // --log-level: debug, info, warn, error

	Addr            string         // --addr: listen address
	MetricsAddr     string         // --metrics-addr: /metrics on this address only
	BaseURL         string         // --base-url: public URL, used in links
	Migrate         bool           // --migrate: apply pending migrations at start
	TLSCert, TLSKey string         // --tls-cert, --tls-key
	TrustedProxies  []netip.Prefix // --trusted-proxies: X-Forwarded-* honoured from these
	SecureCookies   bool           // --secure-cookies: force the Secure attribute
	ShutdownTimeout time.Duration  // --shutdown-timeout

	Issuer             string        // --issuer: name shown in authenticator apps
	SelfSignup         bool          // --self-signup
	EnrollmentTTL      time.Duration // --enrollment-ttl
	CredentialLifetime Period        // --credential-lifetime
	RenewalGrace       Period        // --renewal-grace
	ExpiryWarning      Period        // --expiry-warning
	SessionIdle        time.Duration // --session-idle
	SessionAbsolute    time.Duration // --session-absolute
	APISessionTTL      time.Duration // --api-session-ttl
	TokenTTL           time.Duration // --token-ttl

	Argon2Memory    uint          // --argon2-memory (KiB)
	Argon2Time      uint          // --argon2-time
	Argon2Threads   uint          // --argon2-threads
	HashConcurrency int           // --hash-concurrency
	HashQueueWait   time.Duration // --hash-queue-wait
	LoginRate       float64       // --login-rate: requests per minute per IP
	// VerifyRate: verifications of attestations (public page) per minute per IP.
	VerifyRate       float64
	LoginBurst       int     // --login-burst
	SignupRate       float64 // --signup-rate: sign-ups per hour per IP
	MaxUploadMiB     int     // --max-upload: largest accepted upload (MiB)
	MaxAttachmentMiB int     // --max-attachment: largest file attached to a situation (MiB)
	TransferSchedule string  // --transfer-schedule: daily time of the transfer job ("" disables)
	PurgeSchedule    string  // --purge-schedule: weekly day and time of the purge ("" disables)
	SSOFlowsSchedule string  // --sso-flows-schedule: daily time of the removal of expired single sign-on flows ("" disables)

	// E-mail (internal/notify): no --smtp-host, no e-mail.
	SMTPHost         string // --smtp-host
	SMTPPort         int    // --smtp-port
	SMTPTLS          string // --smtp-tls: starttls, tls (implicit) or none
	SMTPUser         string // --smtp-user
	SMTPPassword     string // CARTABLE_SMTP_PASSWORD or CARTABLE_SMTP_PASSWORD_FILE (a secret: never a flag)
	SMTPFrom         string // --smtp-from: the From address
	MailSchedule     string // --mail-schedule: how often the mail job sends the outbox
	ReminderSchedule string // --reminder-schedule: daily time of the reminders job

	PrivacyContact string // --privacy-contact: how to reach the data protection officer
	// Graduation tracker (higher education): the nightly pass, the weekly digest to the
	// office, the purge of items and proofs a year after the jury.
	GraduationSchedule        string // --graduation-schedule
	GraduationDigestSchedule  string // --graduation_digest-schedule
	GraduationPurgeSchedule   string // --graduation_purge-schedule
	GraduationRetentionMonths int    // --graduation-retention: months items and proofs are kept after the jury
	MarksRank                 bool   // --marks-rank: print pupils' ranks on councils and report cards (off by default)
	// Learning agreements: the daily deadline reminders.
	AgreementRemindersSchedule string // --agreement_reminders-schedule

	Files       string // --files: where attachments are stored, local or s3
	S3Endpoint  string // --s3-endpoint: host:port of the S3-compatible server
	S3Bucket    string // --s3-bucket
	S3Region    string // --s3-region
	S3TLS       bool   // --s3-tls: https to the S3 server
	S3AccessKey string // --s3-access-key

	// Secrets, from the environment only (SecretVars).
	Keys        string // CARTABLE_KEYS: the keys of secrets at rest ("" : the key file)
	S3SecretKey string // CARTABLE_S3_SECRET_KEY

	envErrs []error
}

// Default returns the defaults.
func Default() Config {
	return Config{
		DataDir:                    "./cartable-data",
		LogFormat:                  "text",
		LogLevel:                   "info",
		Addr:                       "127.0.0.1:8080",
		ShutdownTimeout:            15 * time.Second,
		Issuer:                     "cartable",
		EnrollmentTTL:              14 * 24 * time.Hour,
		CredentialLifetime:         MustPeriod("6mo"),
		RenewalGrace:               MustPeriod("30d"),
		ExpiryWarning:              MustPeriod("30d"),
		SessionIdle:                30 * time.Minute,
		SessionAbsolute:            12 * time.Hour,
		APISessionTTL:              12 * time.Hour,
		TokenTTL:                   90 * 24 * time.Hour,
		Argon2Memory:               19456,
		Argon2Time:                 2,
		Argon2Threads:              1,
		HashConcurrency:            runtime.NumCPU(),
		HashQueueWait:              500 * time.Millisecond,
		LoginRate:                  30,
		VerifyRate:                 20,
		LoginBurst:                 20,
		SignupRate:                 10,
		MaxUploadMiB:               512,
		MaxAttachmentMiB:           20,
		TransferSchedule:           "02:30",
		PurgeSchedule:              "sun 03:30",
		SMTPPort:                   587,
		SMTPTLS:                    "starttls",
		MailSchedule:               "every 2m",
		ReminderSchedule:           "07:00",
		SSOFlowsSchedule:           "04:10",
		GraduationSchedule:         "01:30",
		GraduationDigestSchedule:   "mon 07:00",
		GraduationPurgeSchedule:    "sun 04:00",
		GraduationRetentionMonths:  12,
		AgreementRemindersSchedule: "07:30",
		Files:                      "local",
		S3TLS:                      true,
	}
}

// Setting describes one setting for the flag parser and the documentation.
type Setting struct {
	Flag, Env, Usage string
	// Serve is true for settings that only matter to the server.
	Serve bool
}

// Settings lists every setting; the flag of each is registered by Register.
func Settings() []Setting {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	c := Default()
	c.Register(fs, func(string) string { return "" })
	var out []Setting
	fs.VisitAll(func(f *flag.Flag) {
		out = append(out, Setting{Flag: "--" + f.Name, Env: EnvName(f.Name), Usage: f.Usage, Serve: !globalFlags[f.Name]})
	})
	return out
}

var globalFlags = map[string]bool{"data": true, "db": true, "log-format": true, "log-level": true,
	"files": true, "s3-endpoint": true, "s3-bucket": true, "s3-region": true, "s3-tls": true, "s3-access-key": true}

// SecretVars are the settings read from the environment only, never from a flag: the
// process list shows flags to every user of the machine. Each also reads NAME_FILE.
func SecretVars() []string { return []string{"CARTABLE_KEYS", "CARTABLE_S3_SECRET_KEY"} }

// EnvName is the variable that sets a flag: --base-url → CARTABLE_BASE_URL.
func EnvName(flagName string) string {
	return "CARTABLE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Register defines the flags on fs, with their defaults taken from the environment
// (getenv) when set. Invalid environment values are reported by fs.Parse's caller
// through Errors.
func (c *Config) Register(fs *flag.FlagSet, getenv func(string) string) {
	r := registrar{fs: fs, getenv: getenv}
	r.str(&c.DataDir, "data", "data directory: SQLite database, key file, attachments")
	r.str(&c.DB, "db", "database: sqlite:PATH or postgres://user@host/db (default: SQLite file in the data directory)")
	r.str(&c.LogFormat, "log-format", "log format: text or json")
	r.str(&c.LogLevel, "log-level", "log level: debug, info, warn or error")
	r.str(&c.Addr, "addr", "HTTP listen address")
	r.str(&c.MetricsAddr, "metrics-addr", "serve /metrics on this address only (e.g. :9102), not on --addr (default: on --addr)")
	r.str(&c.BaseURL, "base-url", "public URL of the service, used in enrolment links (default: http://ADDR)")
	r.boolean(&c.Migrate, "migrate", "apply pending database migrations at start instead of refusing to serve")
	r.str(&c.TLSCert, "tls-cert", "TLS certificate file (serve HTTPS)")
	r.str(&c.TLSKey, "tls-key", "TLS private key file")
	r.value(prefixList{&c.TrustedProxies}, "trusted-proxies", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For/-Proto are trusted")
	r.boolean(&c.SecureCookies, "secure-cookies", "mark cookies Secure even without TLS (when behind an HTTPS proxy)")
	r.duration(&c.ShutdownTimeout, "shutdown-timeout", "time given to in-flight requests at shutdown")
	r.str(&c.Issuer, "issuer", "issuer name shown in authenticator apps")
	r.boolean(&c.SelfSignup, "self-signup", "let people create their own account (rate-limited per IP)")
	r.duration(&c.EnrollmentTTL, "enrollment-ttl", "validity of an enrolment link")
	r.value(&c.CredentialLifetime, "credential-lifetime", "password and TOTP lifetime after activation (e.g. 6mo)")
	r.value(&c.RenewalGrace, "renewal-grace", "after expiry, time during which the user can renew with his old credentials")
	r.value(&c.ExpiryWarning, "expiry-warning", "warn users this long before their credentials expire")
	r.duration(&c.SessionIdle, "session-idle", "web session idle timeout")
	r.duration(&c.SessionAbsolute, "session-absolute", "web session absolute timeout")
	r.duration(&c.APISessionTTL, "api-session-ttl", "lifetime of an API session token from POST /api/v1/sessions")
	r.duration(&c.TokenTTL, "token-ttl", "default lifetime of personal API tokens (cartable token create)")
	r.uint(&c.Argon2Memory, "argon2-memory", "argon2id memory in KiB")
	r.uint(&c.Argon2Time, "argon2-time", "argon2id iterations")
	r.uint(&c.Argon2Threads, "argon2-threads", "argon2id parallelism")
	r.integer(&c.HashConcurrency, "hash-concurrency", "password hashes computed at once (default: number of CPUs)")
	r.duration(&c.HashQueueWait, "hash-queue-wait", "longest wait for a hashing slot before answering 503")
	r.float(&c.LoginRate, "login-rate", "login attempts per minute per IP (token bucket refill)")
	r.float(&c.VerifyRate, "verify-rate", "verifications of attestations de scolarité per minute per IP (public page; token bucket refill, burst 10)")
	r.integer(&c.LoginBurst, "login-burst", "login attempts an IP may make in a burst")
	r.float(&c.SignupRate, "signup-rate", "self sign-ups per hour per IP")
	r.integer(&c.MaxUploadMiB, "max-upload", "largest accepted upload (SIECLE imports), in MiB")
	r.integer(&c.MaxAttachmentMiB, "max-attachment", "largest file a student attaches to a professional situation, in MiB")
	r.str(&c.TransferSchedule, "transfer-schedule", "time of the daily transfer job, HH:MM Europe/Paris (empty: not scheduled)")
	r.str(&c.SSOFlowsSchedule, "sso-flows-schedule", "time of the daily removal of expired single sign-on flows, HH:MM Europe/Paris (empty: not scheduled)")
	r.str(&c.PurgeSchedule, "purge-schedule", "day and time of the weekly purge, e.g. \"sun 03:30\" Europe/Paris (empty: not scheduled)")
	r.str(&c.SMTPHost, "smtp-host", "SMTP server that sends e-mails (empty: no e-mail, notices stay in the application)")
	r.integer(&c.SMTPPort, "smtp-port", "SMTP server port")
	r.str(&c.SMTPTLS, "smtp-tls", "SMTP encryption: starttls (required), tls (implicit, port 465) or none (a local relay only)")
	r.str(&c.SMTPUser, "smtp-user", "SMTP user name (empty: no authentication)")
	r.str(&c.SMTPFrom, "smtp-from", "sender address of the e-mails, e.g. \"cartable <no-reply@example.org>\"")
	r.str(&c.MailSchedule, "mail-schedule", "how often the mail job sends the outbox, e.g. \"every 2m\" (empty: not scheduled)")
	r.str(&c.ReminderSchedule, "reminder-schedule", "time of the daily reminders job (credentials expiring), HH:MM Europe/Paris (empty: not scheduled)")
	r.str(&c.PrivacyContact, "privacy-contact", "how to reach the data protection officer, shown on the privacy notice (/privacy)")
	r.str(&c.GraduationSchedule, "graduation-schedule", "time of the nightly graduation pass (expiries, summaries, reminders), HH:MM Europe/Paris (empty: not scheduled)")
	r.str(&c.GraduationDigestSchedule, "graduation_digest-schedule", "day and time of the weekly digest of proofs to check, e.g. \"mon 07:00\" (empty: not scheduled)")
	r.str(&c.GraduationPurgeSchedule, "graduation_purge-schedule", "day and time of the weekly purge of graduation items and proofs past retention (empty: not scheduled)")
	r.integer(&c.GraduationRetentionMonths, "graduation-retention", "months graduation items and proofs are kept after the jury")
	r.boolean(&c.MarksRank, "marks-rank", "print pupils' ranks (by general average) on class councils and report cards")
	r.str(&c.AgreementRemindersSchedule, "agreement_reminders-schedule", "time of the daily learning-agreement deadline reminders (14, 7, 1 days before), HH:MM Europe/Paris (empty: not scheduled)")
	r.str(&c.Files, "files", "where attached files are stored: local (DATA/blobs) or s3 (--s3-* settings)")
	r.str(&c.S3Endpoint, "s3-endpoint", "host:port of the S3-compatible object store (--files s3)")
	r.str(&c.S3Bucket, "s3-bucket", "bucket of the attached files (it must exist)")
	r.str(&c.S3Region, "s3-region", "region of the bucket (empty: asked to the server)")
	r.boolean(&c.S3TLS, "s3-tls", "use https to reach the object store")
	r.str(&c.S3AccessKey, "s3-access-key", "access key of the object store (its secret is CARTABLE_S3_SECRET_KEY)")
	r.secret(&c.Keys, "CARTABLE_KEYS")
	r.secret(&c.S3SecretKey, "CARTABLE_S3_SECRET_KEY")
	r.secret(&c.SMTPPassword, "CARTABLE_SMTP_PASSWORD")
	c.envErrs = append(c.envErrs, r.errs...)
}

type registrar struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

func (r *registrar) env(name string, set func(string) error) {
	v, err := Lookup(r.getenv, EnvName(name))
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	if v != "" {
		if err := set(v); err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %w", EnvName(name), err))
		}
	}
}

// secret reads a setting that has no flag.
func (r *registrar) secret(p *string, name string) {
	v, err := Lookup(r.getenv, name)
	if err != nil {
		r.errs = append(r.errs, err)
	}
	if v != "" {
		*p = v
	}
}

// maxValueFile bounds what a NAME_FILE may hold: a value, not a document.
const maxValueFile = 64 << 10

// Lookup returns the variable name, or the content of the file named by name_FILE: the
// way Kubernetes and OpenFaaS hand secrets to a process. One trailing line break of
// the file is dropped (echo and most editors add one); a value is never both in the
// variable and in a file. It returns "" when neither is set.
func Lookup(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case file == "":
		return v, nil
	case v != "":
		return "", fmt.Errorf("%s and %s_FILE are both set: keep one", name, name)
	}
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxValueFile+1))
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	if len(b) > maxValueFile {
		return "", fmt.Errorf("%s_FILE: %s holds more than %d bytes", name, file, maxValueFile)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("%s_FILE: %s is empty", name, file)
	}
	return s, nil
}

func (r *registrar) str(p *string, name, usage string) {
	r.env(name, func(v string) error { *p = v; return nil })
	r.fs.StringVar(p, name, *p, usage)
}

func (r *registrar) boolean(p *bool, name, usage string) {
	r.env(name, func(v string) error {
		b, err := strconv.ParseBool(v)
		*p = b
		return err
	})
	r.fs.BoolVar(p, name, *p, usage)
}

func (r *registrar) duration(p *time.Duration, name, usage string) {
	r.env(name, func(v string) error {
		d, err := time.ParseDuration(v)
		*p = d
		return err
	})
	r.fs.DurationVar(p, name, *p, usage)
}

func (r *registrar) uint(p *uint, name, usage string) {
	r.env(name, func(v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		*p = uint(n)
		return err
	})
	r.fs.UintVar(p, name, *p, usage)
}

func (r *registrar) integer(p *int, name, usage string) {
	r.env(name, func(v string) error {
		n, err := strconv.Atoi(v)
		*p = n
		return err
	})
	r.fs.IntVar(p, name, *p, usage)
}

func (r *registrar) float(p *float64, name, usage string) {
	r.env(name, func(v string) error {
		n, err := strconv.ParseFloat(v, 64)
		*p = n
		return err
	})
	r.fs.Float64Var(p, name, *p, usage)
}

func (r *registrar) value(v flag.Value, name, usage string) {
	r.env(name, v.Set)
	r.fs.Var(v, name, usage)
}

type prefixList struct{ p *[]netip.Prefix }

func (l prefixList) String() string {
	if l.p == nil {
		return ""
	}
	var s []string
	for _, p := range *l.p {
		s = append(s, p.String())
	}
	return strings.Join(s, ",")
}

func (l prefixList) Set(v string) error {
	var out []netip.Prefix
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return fmt.Errorf("invalid address %q", part)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("invalid CIDR %q", part)
		}
		out = append(out, p.Masked())
	}
	*l.p = out
	return nil
}

// Validate checks the values and fills the derived ones (database, base URL).
func (c *Config) Validate() error {
	if len(c.envErrs) > 0 {
		return c.envErrs[0]
	}
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.DataDir, "cartable.db")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format: %q is not text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level: %q is not debug, info, warn or error", c.LogLevel)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if c.BaseURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		c.BaseURL = scheme + "://" + c.Addr
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url: %q is not an http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Argon2Memory < 8*c.Argon2Threads || c.Argon2Time < 1 || c.Argon2Threads < 1 || c.Argon2Threads > 255 {
		return fmt.Errorf("--argon2-*: memory must be ≥ 8 KiB per thread, time ≥ 1, threads 1–255")
	}
	if c.Issuer == "" || strings.Contains(c.Issuer, ":") {
		return fmt.Errorf("--issuer: %q must be non-empty and without ':' (the otpauth label separator)", c.Issuer)
	}
	if c.HashConcurrency < 1 {
		c.HashConcurrency = runtime.NumCPU()
	}
	if c.EnrollmentTTL <= 0 || c.SessionIdle <= 0 || c.SessionAbsolute <= 0 || c.APISessionTTL <= 0 || c.TokenTTL <= 0 {
		return fmt.Errorf("durations (--enrollment-ttl, --session-*, --api-session-ttl, --token-ttl) must be positive")
	}
	if c.CredentialLifetime.IsZero() {
		return fmt.Errorf("--credential-lifetime must be positive")
	}
	if c.MaxUploadMiB < 1 || c.MaxAttachmentMiB < 1 {
		return fmt.Errorf("--max-upload and --max-attachment must be at least 1 (MiB)")
	}
	if c.VerifyRate <= 0 {
		return fmt.Errorf("--verify-rate must be positive")
	}
	if c.LoginRate <= 0 || c.LoginBurst < 1 || c.SignupRate <= 0 {
		return fmt.Errorf("--login-rate, --login-burst and --signup-rate must be positive")
	}
	switch c.Files {
	case "local":
	case "s3":
		if c.S3Endpoint == "" || c.S3Bucket == "" || c.S3AccessKey == "" || c.S3SecretKey == "" {
			return errors.New("--files s3 needs --s3-endpoint, --s3-bucket, --s3-access-key and CARTABLE_S3_SECRET_KEY")
		}
		if strings.Contains(c.S3Endpoint, "/") {
			return fmt.Errorf("--s3-endpoint: %q must be host:port, without scheme or path (--s3-tls chooses https)", c.S3Endpoint)
		}
	default:
		return fmt.Errorf("--files: %q is not local or s3", c.Files)
	}
	return c.validateSMTP()
}

// validateSMTP checks the e-mail settings.
func (c *Config) validateSMTP() error {
	if c.SMTPHost == "" {
		return nil
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		return fmt.Errorf("--smtp-tls: %q is not starttls, tls or none", c.SMTPTLS)
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		return fmt.Errorf("--smtp-port: %d is not a port", c.SMTPPort)
	}
	if c.SMTPFrom == "" {
		return fmt.Errorf("--smtp-from is required with --smtp-host")
	}
	if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		return fmt.Errorf("--smtp-from: %q is not an address: %v", c.SMTPFrom, err)
	}
	if (c.SMTPUser == "") != (c.SMTPPassword == "") {
		return fmt.Errorf("--smtp-user and CARTABLE_SMTP_PASSWORD (or CARTABLE_SMTP_PASSWORD_FILE) go together")
	}
	return nil
}

// BlobDir is the directory of the local file store.
func (c *Config) BlobDir() string { return filepath.Join(c.DataDir, "blobs") }

// SecureCookie tells whether cookies must carry the Secure attribute.
func (c *Config) SecureCookie() bool {
	return c.SecureCookies || c.TLSCert != "" || strings.HasPrefix(c.BaseURL, "https://")
}

// MaxUpload is the upload limit in bytes.
func (c *Config) MaxUpload() int64 { return int64(c.MaxUploadMiB) << 20 }

// TempDir is where uploads are spooled (in the data directory: /tmp may be small).
func (c *Config) TempDir() string { return filepath.Join(c.DataDir, "tmp") }

// KeyFile is the path of the key file in the data directory.
func (c *Config) KeyFile() string { return filepath.Join(c.DataDir, "keys.json") }
