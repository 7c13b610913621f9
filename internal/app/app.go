// Package app is the bundle of cartable's services: built once, over one database, by
// New, then used by the command line and handed to both transports (the JSON API and the
// pages). A new service is a field of Services and the lines of New that build it; a new
// background job is one Register call in registerJobs (docs/architecture.md, "Wiring").
package app

import (
	"context"
	"github.com/cartable/cartable/internal/agreement"
	"log/slog"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/graduation"
	"github.com/cartable/cartable/internal/highered"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/jobs"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/marks"
	"github.com/cartable/cartable/internal/notify"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/schoolyear"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/sso"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
	"github.com/cartable/cartable/internal/transfer"
)

// Services are the application's services, each built once and shared by every
// transport. Transport settings (rate limiters, the CSRF key, cookies, the OpenAPI
// document) stay with the transports.
type Services struct {
	Log *slog.Logger
	// Now is the clock every service reads.
	Now            func() time.Time
	Audit          *audit.Log
	Accounts       *account.Service
	Establishments *establishment.Service
	Secrets        *secret.Store
	Students       *student.Service
	Importer       *importer.Service
	Competencies   *competency.Service
	Passports      *passport.Service
	Blobs          blob.Store
	Transfers      *transfer.Service
	// Notify gives people notices (their account page) and e-mails them; Mailer sends
	// the outbox (notify.NoSMTP when no SMTP server is configured).
	Notify *notify.Service
	Mailer notify.Mailer
	// SSO runs the logins through identity providers (CAS, OpenID Connect).
	SSO *sso.Service
	// Highered holds programmes and cohorts of higher education; Graduation the
	// graduation tracker over them.
	Highered   *highered.Service
	Graduation *graduation.Service
	// SchoolYear holds the school years of secondary schools: periods, classes,
	// enrolments, teaching services, attestations.
	SchoolYear *schoolyear.Service
	// Marks holds assessments, marks, class councils and report cards over the school
	// year's services (internal/schoolyear).
	Marks *marks.Service
	// Agreements are the learning agreements (contrat pédagogique) over them.
	Agreements *agreement.Service
	// Jobs runs the background jobs registered by New (registerJobs): the command line,
	// serve's schedules, the API and the pages list and run them from it.
	Jobs *jobs.Runner

	// PrivacyURL is the privacy notice's address, printed on letters and e-mails.
	PrivacyURL string

	// TempDir receives uploads; MaxUpload caps them (bytes).
	TempDir   string
	MaxUpload int64
}

// Keys encrypt and decrypt the secrets kept in the database (the keyring in use).
type Keys interface {
	Encrypt(plaintext []byte, ad keyring.AD) ([]byte, error)
	Decrypt(ciphertext []byte, ad keyring.AD) ([]byte, error)
}

// New builds every service over db, with the settings of cfg, the keys, the logger and
// the clock. It opens no connection and starts nothing: the jobs' schedules start with
// Jobs.Start (serve).
func New(cfg config.Config, db *store.DB, keys Keys, log *slog.Logger, now func() time.Time) (*Services, error) {
	s := &Services{Log: log, Now: now, TempDir: cfg.TempDir(), MaxUpload: cfg.MaxUpload(), PrivacyURL: cfg.BaseURL + "/privacy"}
	s.Audit = audit.New(db, now)
	var err error
	s.Accounts, err = account.New(db, s.Audit, keys, now, account.PolicyFrom(&cfg), account.Options{})
	if err != nil {
		return nil, err
	}
	s.Establishments = establishment.New(db, s.Audit, now)
	s.Secrets = secret.New(db, keys, now)
	s.Students = student.New(db, s.Audit, s.Establishments, now)
	s.Accounts.AccessRule = s.Students.AccessMode
	s.SSO = sso.New(db, s.Audit, s.Accounts, keys, now, sso.Options{BaseURL: cfg.BaseURL})
	s.Importer = importer.New(db, s.Audit, s.Establishments, s.Accounts, s.Secrets, now)
	s.Importer.SSO = s.SSO
	// The XML decompressed from a ZIP is held to the upload limit, as a plain upload is.
	s.Importer.MaxSize = cfg.MaxUpload()
	s.Competencies = competency.New(db, s.Audit, s.Establishments, s.Students, now)
	if s.Blobs, err = NewBlobs(cfg); err != nil {
		return nil, err
	}
	s.Passports = passport.New(db, s.Audit, s.Establishments, s.Students, s.Competencies, s.Blobs, now)
	s.Passports.MaxAttachment = int64(cfg.MaxAttachmentMiB) << 20
	s.Passports.TempDir = cfg.TempDir()
	s.Transfers = transfer.New(db, s.Audit, s.Establishments, s.Blobs, now)
	s.Notify = notify.New(db, s.Audit, keys, s.Accounts, now, notify.Options{Mail: cfg.SMTPHost != "", BaseURL: cfg.BaseURL})
	s.Mailer = notify.NoSMTP{}
	if cfg.SMTPHost != "" {
		s.Mailer = notify.SMTP{S: notify.SMTPSettings{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS,
			User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.SMTPFrom}}
	}
	// A re-import that reactivates a student whose records were transferred away says so.
	s.Importer.MovedAway = s.Transfers.MovedAway
	s.Highered = highered.New(db, s.Audit, s.Establishments, now)
	s.Graduation = graduation.New(db, s.Audit, s.Establishments, s.Highered, s.Blobs, now)
	s.Graduation.MaxProof = int64(cfg.MaxAttachmentMiB) << 20
	s.Graduation.TempDir = cfg.TempDir()
	s.Graduation.Members = s.Accounts.WithRole
	s.Graduation.Notifier = s.Notify
	s.Graduation.RetentionMonths = cfg.GraduationRetentionMonths
	s.Agreements = agreement.New(db, s.Audit, s.Highered, now)
	s.Agreements.Members = s.Accounts.WithRole
	s.Agreements.Notifier = s.Notify
	s.Highered.Accounts = s.Accounts
	s.Highered.OnJoin = s.Graduation.JoinCohort
	s.Highered.Addresses = s.Notify
	s.Passports.Extra = s.Graduation.ExportFiles
	s.SchoolYear = schoolyear.New(db, s.Audit, s.Establishments, now)
	s.SchoolYear.Accounts, s.SchoolYear.Secrets, s.SchoolYear.BaseURL = s.Accounts, s.Secrets, cfg.BaseURL
	// A SIECLE import feeds the classes and enrolments of its school year.
	s.Importer.Placements = func(ctx context.Context, establishmentID int64, startYear int, list []student.Placement) error {
		_, err := s.SchoolYear.Feed(ctx, establishmentID, startYear, list, "siecle")
		return err
	}
	s.Marks = marks.New(db, s.Audit, s.Establishments, s.Students, marks.SchoolYear(s.SchoolYear), now)
	s.Marks.Rank = cfg.MarksRank
	s.SchoolYear.FileSections = append(s.SchoolYear.FileSections, s.Marks.FileSection)
	s.Jobs = jobs.New(db, log, now)
	s.registerJobs(cfg)
	return s, nil
}

// NewBlobs returns the file store the settings select: the local directory or a bucket
// of an S3-compatible object store (shared by every instance).
func NewBlobs(cfg config.Config) (blob.Store, error) {
	if cfg.Files == "s3" {
		return blob.NewS3(blob.S3Options{Endpoint: cfg.S3Endpoint, TLS: cfg.S3TLS, Region: cfg.S3Region,
			Bucket: cfg.S3Bucket, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, TempDir: cfg.TempDir()})
	}
	return blob.NewLocal(cfg.BlobDir())
}

// registerJobs registers the background jobs, with their schedules from the settings.
// A new job is one Register call here, a label jobs.job.<name> in the pages' catalogue
// and its name in docs/openapi.yaml (both checked by tests).
func (s *Services) registerJobs(cfg config.Config) {
	s.Jobs.Register(jobs.Job{Name: "transfer", Schedule: cfg.TransferSchedule,
		Run: func(ctx context.Context) (any, error) { return s.Transfers.RunTransfers(ctx) }})
	s.Jobs.Register(jobs.Job{Name: "purge", Schedule: cfg.PurgeSchedule, Deletes: true,
		Run: func(ctx context.Context) (any, error) { return s.Transfers.RunPurge(ctx) }})
	// Without an SMTP server nothing is queued: the mail job is not scheduled.
	mailSchedule := cfg.MailSchedule
	if cfg.SMTPHost == "" {
		mailSchedule = ""
	}
	s.Jobs.Register(jobs.Job{Name: "mail", Schedule: mailSchedule,
		Run: func(ctx context.Context) (any, error) { return s.Notify.RunSend(ctx, s.Mailer) }})
	s.Jobs.Register(jobs.Job{Name: "reminders", Schedule: cfg.ReminderSchedule, Deletes: true,
		Run: func(ctx context.Context) (any, error) { return s.Notify.RunReminders(ctx) }})
	s.Jobs.Register(jobs.Job{Name: "sso_flows", Schedule: cfg.SSOFlowsSchedule, Deletes: true,
		Run: func(ctx context.Context) (any, error) {
			n, err := s.SSO.Purge(ctx)
			return map[string]int64{"expired_flows": n}, err
		}})
	s.Jobs.Register(jobs.Job{Name: "graduation", Schedule: cfg.GraduationSchedule,
		Run: func(ctx context.Context) (any, error) { return s.Graduation.RunNightly(ctx) }})
	s.Jobs.Register(jobs.Job{Name: "graduation_digest", Schedule: cfg.GraduationDigestSchedule,
		Run: func(ctx context.Context) (any, error) { return s.Graduation.RunDigest(ctx) }})
	s.Jobs.Register(jobs.Job{Name: "graduation_purge", Schedule: cfg.GraduationPurgeSchedule, Deletes: true,
		Run: func(ctx context.Context) (any, error) { return s.Graduation.RunPurge(ctx) }})
	s.Jobs.Register(jobs.Job{Name: "agreement_reminders", Schedule: cfg.AgreementRemindersSchedule,
		Run: func(ctx context.Context) (any, error) { return s.Agreements.RunReminders(ctx) }})
}
