// Package audit writes and reads the append-only audit trail.
//
// An event is written with the context of the change it records, so when that context
// carries a transaction (store.DB.Tx) the event commits or rolls back with the change.
// Events never contain a secret: callers put identifiers and counts in Detail, never
// passwords, codes, tokens or an INE.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/store"
)

// Actions recorded in the trail.
const (
	AccountCreated         = "account.created"
	AccountReissued        = "account.reissued"
	AccountUnlocked        = "account.unlocked"
	AccountLocked          = "account.locked"
	AccountExpired         = "account.expired"
	AccountDisabled        = "account.disabled"
	AccountRoleAdded       = "account.role_added"
	EnrollmentOpened       = "enrollment.opened"
	AccountActivated       = "account.activated"
	LoginSucceeded         = "login.succeeded"
	LoginFailed            = "login.failed"
	Logout                 = "session.logout"
	SessionRevoked         = "session.revoked"
	CredentialsRenewed     = "credentials.renewed"
	RecoveryCodeUsed       = "recovery_code.used"
	TokenCreated           = "token.created"
	TokenRevoked           = "token.revoked"
	KeyRotated             = "key.rotated"
	KeyRetired             = "key.retired"
	EstablishmentChange    = "establishment.changed"
	SelfSignup             = "account.self_signup"
	StudentsListed         = "student.listed"
	StudentViewed          = "student.viewed"
	ImportRun              = "import.run"
	LettersPrinted         = "letters.printed"
	ReferentialSaved       = "referential.saved"
	EvaluationCreated      = "evaluation.created"
	EvaluationSaved        = "evaluation.saved"
	EvaluationViewed       = "evaluation.viewed"
	EvaluationDeleted      = "evaluation.deleted"
	ClassTeacherAssigned   = "class.teacher_assigned"
	ClassTeacherRemoved    = "class.teacher_removed"
	ResultsViewed          = "student.results_viewed"
	SituationCreated       = "situation.created"
	SituationUpdated       = "situation.updated"
	SituationViewed        = "situation.viewed"
	AttachmentAdded        = "attachment.added"
	AttachmentRead         = "attachment.read"
	SituationDeleted       = "situation.deleted"
	AttachmentDeleted      = "attachment.deleted"
	PassportProduced       = "passport.produced"
	TransferDone           = "transfer.done"
	TransferDiplomaChanged = "transfer.diploma_changed"
	// TransferIdentityRefused: a new student carries the INE of a student who left
	// another establishment, with another birth date (a typo, or a forged import).
	TransferIdentityRefused = "transfer.identity_refused"
	TransferConfirmed       = "transfer.confirmed"
	TransferRefused         = "transfer.refused"
	PurgeRun                = "purge.run"
	// Single sign-on (internal/sso). Every event names the provider and, when one was
	// received, the external identity; a refusal says why (detail "reason").
	SSOLoginSucceeded   = "login.sso_succeeded"
	SSOLoginRefused     = "login.sso_refused"
	SSOLinked           = "sso.linked"
	SSOUnlinked         = "sso.unlinked"
	SSOLinkRefused      = "sso.link_refused"
	SSOSingleLogout     = "sso.single_logout"
	SSOProviderSaved    = "sso.provider_saved"
	SSOEstablishmentSet = "sso.establishment_changed"
	// Notifications (internal/notify): a person's e-mail address, and the record of
	// processing activities exported for the data protection officer.
	EmailRequested          = "email.requested"
	EmailConfirmed          = "email.confirmed"
	EmailRemoved            = "email.removed"
	PrivacyRegisterExported = "privacy.register_exported"
	// Higher education and graduation (internal/highered, internal/graduation).
	ProgrammeSaved        = "programme.saved"
	CohortSaved           = "cohort.saved"
	RegistrarImportRun    = "registrar.import"
	GraduationRuleSaved   = "graduation.rule_saved"
	GraduationItemChanged = "graduation.item_changed"
	GraduationViewed      = "graduation.viewed"
	GraduationProofRead   = "graduation.proof_read"
	GraduationPurgeRun    = "graduation.purge"
	// The jury's minutes of a cohort session written or read.
	GraduationMinutesSaved = "graduation.minutes_saved"
	GraduationMinutesRead  = "graduation.minutes_read"
	// The school year (internal/schoolyear).
	SchoolYearSaved         = "schoolyear.year_saved"
	SchoolPeriodChanged     = "schoolyear.period_changed"
	SchoolClassSaved        = "schoolyear.class_saved"
	SchoolEnrolmentSaved    = "schoolyear.enrolment_saved"
	SchoolPupilsMoved       = "schoolyear.pupils_moved"
	SchoolServiceSaved      = "schoolyear.service_saved"
	SchoolServicesImported  = "schoolyear.services_imported"
	SchoolResultsSaved      = "schoolyear.results_saved"
	SchoolCampaignConfirmed = "schoolyear.campaign_confirmed"
	SchoolFileViewed        = "schoolyear.file_viewed"
	AttestationIssued       = "attestation.issued"
	AttestationRevoked      = "attestation.revoked"
	AttestationDownloaded   = "attestation.downloaded"
	SchoolCampaignViewed    = "schoolyear.campaign_viewed"
	// Marks (internal/marks): assessments, marks, class councils, report cards.
	MarksAssessmentSaved   = "marks.assessment_saved"
	MarksAssessmentDeleted = "marks.assessment_deleted"
	MarksSaved             = "marks.saved"
	MarksImported          = "marks.imported"
	MarksViewed            = "marks.viewed"
	MarksCouncilSaved      = "marks.council_saved"
	MarksClassLocked       = "marks.class_locked"
	MarksReportCardRead    = "marks.report_card_read"
	// Learning agreements (internal/agreement): catalogue and IP imports, an agreement
	// started, changed (units, state, comment), read by staff, the registrar files.
	AgreementCatalogueImport = "agreement.catalogue_import"
	AgreementEnrolmentImport = "agreement.enrolment_import"
	AgreementStarted         = "agreement.started"
	AgreementChanged         = "agreement.changed"
	AgreementViewed          = "agreement.viewed"
	AgreementExported        = "agreement.exported"
	AgreementAcknowledged    = "agreement.acknowledged"
)

// Source describes where a request came from; the HTTP layer puts it in the context.
type Source struct {
	IP        string
	RequestID string
}

type sourceKey struct{}

// WithSource returns a context carrying the request's source.
func WithSource(ctx context.Context, s Source) context.Context {
	return context.WithValue(ctx, sourceKey{}, s)
}

// SourceFrom returns the source carried by ctx (zero when none).
func SourceFrom(ctx context.Context) Source {
	s, _ := ctx.Value(sourceKey{}).(Source)
	return s
}

// Event is one entry of the trail.
type Event struct {
	ID              int64          `json:"id"`
	At              time.Time      `json:"at"`
	Action          string         `json:"action"`
	Outcome         string         `json:"outcome"`
	ActorID         *int64         `json:"actor_id,omitempty"`
	ActorLogin      string         `json:"actor_login,omitempty"`
	TargetID        *int64         `json:"target_id,omitempty"`
	TargetLogin     string         `json:"target_login,omitempty"`
	EstablishmentID *int64         `json:"establishment_id,omitempty"`
	IP              string         `json:"ip,omitempty"`
	RequestID       string         `json:"request_id,omitempty"`
	Detail          map[string]any `json:"detail,omitempty"`
}

// Log writes and reads events.
type Log struct {
	db  *store.DB
	now func() time.Time
}

// New returns a Log over db using the clock now.
func New(db *store.DB, now func() time.Time) *Log { return &Log{db: db, now: now} }

// Record writes e, filling its time, outcome and request source.
func (l *Log) Record(ctx context.Context, e Event) error {
	src := SourceFrom(ctx)
	if e.IP == "" {
		e.IP = src.IP
	}
	if e.RequestID == "" {
		e.RequestID = src.RequestID
	}
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	detail := ""
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		detail = string(b)
	}
	_, err := l.db.Exec(ctx, `INSERT INTO audit_events
		(at, action, outcome, actor_id, actor_login, target_id, target_login, establishment_id, ip, request_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		l.now(), e.Action, e.Outcome, e.ActorID, e.ActorLogin, e.TargetID, e.TargetLogin, e.EstablishmentID,
		e.IP, e.RequestID, detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Filter selects events; zero fields select everything.
type Filter struct {
	Action          string // exact action, or a prefix ending in "." (e.g. "login.")
	Login           string // actor or target login
	TargetID        int64
	EstablishmentID int64
	Since, Until    time.Time
	Limit           int   // default 100, at most 10,000
	BeforeID        int64 // for paging: events with a smaller id
	// Within, when set, keeps only the events of some establishments.
	Within *Scope
}

// Scope is a set of establishments whose events a reader may see.
type Scope struct {
	Establishments []int64
	// Unattached also lets through the events of no establishment (an account's
	// logins, reissues…).
	Unattached bool
}

// List returns events, newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Event, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add("action LIKE ? ESCAPE '\\'", strings.TrimPrefix(store.Like(f.Action), "%"))
		} else {
			add("action = ?", f.Action)
		}
	}
	if f.Login != "" {
		args = append(args, f.Login)
		n := len(args)
		where = append(where, fmt.Sprintf("(actor_login = $%d OR target_login = $%d)", n, n))
	}
	if f.TargetID != 0 {
		add("target_id = ?", f.TargetID)
	}
	if f.EstablishmentID != 0 {
		add("establishment_id = ?", f.EstablishmentID)
	}
	if f.Within != nil {
		var or []string
		for _, id := range f.Within.Establishments {
			args = append(args, id)
			or = append(or, fmt.Sprintf("establishment_id = $%d", len(args)))
		}
		if f.Within.Unattached {
			or = append(or, "establishment_id IS NULL")
		}
		if len(or) == 0 {
			or = append(or, "1 = 0")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if !f.Since.IsZero() {
		add("at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		add("at < ?", f.Until)
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 10000 {
		limit = 10000
	}
	q := `SELECT id, at, action, outcome, actor_id, actor_login, target_id, target_login, establishment_id, ip, request_id, detail FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	var out []Event
	err := l.db.Each(ctx, func(rows *sql.Rows) error {
		var e Event
		var actor, target, est sql.NullInt64
		var detail string
		if err := rows.Scan(&e.ID, &e.At, &e.Action, &e.Outcome, &actor, &e.ActorLogin, &target, &e.TargetLogin, &est, &e.IP, &e.RequestID, &detail); err != nil {
			return err
		}
		e.At = e.At.UTC()
		e.ActorID, e.TargetID, e.EstablishmentID = nullID(actor), nullID(target), nullID(est)
		if detail != "" {
			_ = json.Unmarshal([]byte(detail), &e.Detail)
		}
		out = append(out, e)
		return nil
	}, q, args...)
	return out, err
}

func nullID(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// ID returns a pointer to id, or nil for 0: handy to fill Event fields.
func ID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
