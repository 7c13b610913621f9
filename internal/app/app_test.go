package app

import (
	"crypto/rand"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/keyring"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestNewBuildsEverything: New fills every field of Services (a service added to the
// bundle but not built fails here) and registers the jobs with the configured schedules.
func TestNewBuildsEverything(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.TransferSchedule, cfg.PurgeSchedule, cfg.SSOFlowsSchedule = "01:15", "", "04:10"
	cfg.SMTPHost, cfg.SMTPFrom = "smtp.example.org", "no-reply@example.org"
	cfg.GraduationSchedule, cfg.GraduationDigestSchedule, cfg.GraduationPurgeSchedule = "01:45", "mon 08:00", ""
	f, err := keyring.CreateFile(filepath.Join(cfg.DataDir, "keys.json"), rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ring, err := f.Ring()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, storetest.Open(t, store.SQLite), ring, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("New leaves Services.%s unset", v.Type().Field(i).Name)
		}
	}
	var got []string
	for _, j := range s.Jobs.Jobs() {
		got = append(got, j.Name+"@"+j.Schedule)
	}
	if want := []string{"transfer@01:15", "purge@", "mail@every 2m", "reminders@07:00", "sso_flows@04:10", "graduation@01:45", "graduation_digest@mon 08:00", "graduation_purge@", "agreement_reminders@07:30"}; !reflect.DeepEqual(got, want) {
		t.Errorf("jobs %v, want %v", got, want)
	}

	// Without an SMTP server, nothing is queued and the mail job is not scheduled.
	cfg.SMTPHost = ""
	s, err = New(cfg, storetest.Open(t, store.SQLite), ring, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := s.Jobs.Job("mail"); j.Schedule != "" || s.Notify.MailEnabled() {
		t.Errorf("without SMTP: mail job scheduled %q, mail enabled %v", j.Schedule, s.Notify.MailEnabled())
	}
}
