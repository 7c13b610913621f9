// Package app is the bundle of cartable's services: built once, over one database, by
// New, then used by the command line and handed to both transports (the JSON API and the
// pages). A new service is a field of Services and the lines of New that build it; a new
// background job is one Register call in registerJobs (docs/architecture.md, "Wiring").
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/importer"
	"github.com/cartable/cartable/internal/jobs"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/passport"
	"github.com/cartable/cartable/internal/secret"
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
	// Jobs runs the background jobs registered by New (registerJobs): the command line,
	// serve's schedules, the API and the pages list and run them from it.
	Jobs *jobs.Runner

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
	s := &Services{Log: log, Now: now, TempDir: cfg.TempDir(), MaxUpload: cfg.MaxUpload()}
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
	s.Importer = importer.New(db, s.Audit, s.Establishments, s.Accounts, s.Secrets, now)
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
}
