package passport

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Service runs situations, attachments and passports.
type Service struct {
	db             *store.DB
	audit          *audit.Log
	establishments *establishment.Service
	students       *student.Service
	competencies   *competency.Service
	blobs          blob.Store
	now            func() time.Time
	// MaxAttachment caps the size of an attached file.
	MaxAttachment int64
	// TempDir receives a copy of an attached file given as a plain stream, to read a
	// ZIP's directory ("": the system's temporary directory).
	TempDir string
	// Extra, when set, gives the files other features add to a student's passport ZIP
	// (the graduation items and their proofs), for the account the passport is of.
	Extra func(ctx context.Context, accountID int64) ([]ExtraFile, error)
}

// ExtraFile is a file another feature adds to the passport ZIP, under Name.
type ExtraFile struct {
	Name  string
	Write func(ctx context.Context, w io.Writer) error
}

// New returns a Service.
func New(db *store.DB, log *audit.Log, est *establishment.Service, st *student.Service, comp *competency.Service, blobs blob.Store, now func() time.Time) *Service {
	return &Service{db: db, audit: log, establishments: est, students: st, competencies: comp, blobs: blobs, now: now, MaxAttachment: 20 << 20}
}

// Limits of a situation sheet and of its assessment (docs/limits.md), in characters.
const (
	MaxSituationText         = 500 // context, period, company, title
	MaxDescription           = 20000
	MaxSituationCompetencies = 100
	MaxCompetencyCode        = 20 // as a referential's competency codes
	MaxEvaluator             = 200
	MaxResult                = 200
	MaxAssessmentComment     = 5000
)

// SituationInput is what a student writes on a sheet (and staff may write for him).
type SituationInput struct {
	Level        string   `json:"level"`
	Context      string   `json:"context"`
	Period       string   `json:"period"`
	Company      string   `json:"company"`
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	Competencies []string `json:"competencies"`
}

// Assessment is what a teacher writes on a sheet.
type Assessment struct {
	Evaluator string `json:"evaluator"`
	Result    string `json:"result"`
	Comment   string `json:"comment"`
}

func (in *SituationInput) validate() error {
	in.Level = strings.ToLower(strings.TrimSpace(in.Level))
	if in.Level != "" && !slices.Contains(AllLevels, in.Level) {
		return apperr.Invalid("invalid_level", "level must be \"bac\", \"bep\" or \"cap\"")
	}
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{
		{"context", &in.Context, MaxSituationText}, {"period", &in.Period, MaxSituationText},
		{"company", &in.Company, MaxSituationText}, {"title", &in.Title, MaxSituationText},
		{"description", &in.Description, MaxDescription},
	} {
		*f.value = strings.TrimSpace(*f.value)
		if err := apperr.CheckLen(f.name, *f.value, f.max); err != nil {
			return err
		}
	}
	if in.Description == "" && in.Title == "" {
		return apperr.Invalid("invalid_situation", "a situation needs a title or a description")
	}
	if len(in.Competencies) > MaxSituationCompetencies {
		return apperr.TooManyItems("competencies", MaxSituationCompetencies)
	}
	for i, c := range in.Competencies {
		if apperr.CheckLen("", c, MaxCompetencyCode) != nil {
			return apperr.TooLong(fmt.Sprintf("competencies[%d]", i), MaxCompetencyCode)
		}
	}
	return nil
}

// lookup authorises p on the student: the student himself, or staff of the
// establishment (who write for him) — inspectors only read.
func (s *Service) lookup(ctx context.Context, p *authz.Principal, uai string, studentID int64, write bool) (student.Student, bool, error) {
	st, staff, err := s.students.Lookup(ctx, p, uai, studentID)
	if err != nil {
		return st, staff, err
	}
	if write && staff && !p.IsPlatformAdmin() && !p.Has(authz.RoleTeacher, st.EstablishmentID) && !p.Has(authz.RoleAdmin, st.EstablishmentID) {
		return st, staff, apperr.Forbidden("forbidden", "inspectors read situations, they do not write them")
	}
	return st, staff, nil
}

// CreateSituation adds a sheet to a student's record.
func (s *Service) CreateSituation(ctx context.Context, p *authz.Principal, uai string, studentID int64, in SituationInput) (Situation, error) {
	st, _, err := s.lookup(ctx, p, uai, studentID, true)
	if err != nil {
		return Situation{}, err
	}
	if err := in.validate(); err != nil {
		return Situation{}, err
	}
	if err := s.checkDiploma(ctx, st, &in); err != nil {
		return Situation{}, err
	}
	comps, _ := json.Marshal(nonNil(in.Competencies))
	now := s.now()
	var id int64
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.QueryRow(ctx, `INSERT INTO situations (establishment_id, student_id, level, context, period, company, title, description,
			competencies, author_id, author_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			st.EstablishmentID, st.ID, in.Level, in.Context, in.Period, in.Company, in.Title, in.Description, string(comps),
			nullID(p.AccountID), p.Login, now).Scan(&id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SituationCreated, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"situation_id": id, "student_id": st.ID}})
	})
	if err != nil {
		return Situation{}, err
	}
	return s.situation(ctx, st, id)
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// UpdateSituation changes the student's part of a sheet (the student, or staff).
func (s *Service) UpdateSituation(ctx context.Context, p *authz.Principal, uai string, studentID, id int64, in SituationInput) (Situation, error) {
	st, _, err := s.lookup(ctx, p, uai, studentID, true)
	if err != nil {
		return Situation{}, err
	}
	if err := in.validate(); err != nil {
		return Situation{}, err
	}
	if err := s.checkDiploma(ctx, st, &in); err != nil {
		return Situation{}, err
	}
	comps, _ := json.Marshal(nonNil(in.Competencies))
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecCount(ctx, `UPDATE situations SET level = $4, context = $5, period = $6, company = $7, title = $8, description = $9,
			competencies = $10, updated_at = $11 WHERE establishment_id = $1 AND student_id = $2 AND id = $3`,
			st.EstablishmentID, st.ID, id, in.Level, in.Context, in.Period, in.Company, in.Title, in.Description, string(comps), s.now())
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoSituation
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SituationUpdated, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"situation_id": id, "student_id": st.ID, "part": "sheet"}})
	})
	if err != nil {
		return Situation{}, err
	}
	return s.situation(ctx, st, id)
}

// Assess records a teacher's evaluation of a sheet: evaluator, result, comment.
func (s *Service) Assess(ctx context.Context, p *authz.Principal, uai string, studentID, id int64, a Assessment) (Situation, error) {
	st, staff, err := s.lookup(ctx, p, uai, studentID, true)
	if err != nil {
		return Situation{}, err
	}
	if !staff {
		return Situation{}, apperr.Forbidden("forbidden", "teachers evaluate situations")
	}
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{{"evaluator", &a.Evaluator, MaxEvaluator}, {"result", &a.Result, MaxResult}, {"comment", &a.Comment, MaxAssessmentComment}} {
		*f.value = strings.TrimSpace(*f.value)
		if err := apperr.CheckLen(f.name, *f.value, f.max); err != nil {
			return Situation{}, err
		}
	}
	if a.Evaluator == "" {
		a.Evaluator = p.DisplayName
		if a.Evaluator == "" {
			a.Evaluator = p.Login
		}
	}
	now := s.now()
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecCount(ctx, `UPDATE situations SET evaluator = $4, result = $5, comment = $6, evaluated_by = $7, evaluated_at = $8, updated_at = $8
			WHERE establishment_id = $1 AND student_id = $2 AND id = $3`, st.EstablishmentID, st.ID, id, a.Evaluator, a.Result, a.Comment, nullID(p.AccountID), now)
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoSituation
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SituationUpdated, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"situation_id": id, "student_id": st.ID, "part": "assessment"}})
	})
	if err != nil {
		return Situation{}, err
	}
	return s.situation(ctx, st, id)
}

var errNoSituation = apperr.NotFound("situation_not_found", "no such situation")

const situationColumns = `id, level, context, period, company, title, description, competencies, evaluator, result, comment, author_name, created_at, updated_at`

func scanSituation(sc interface{ Scan(...any) error }) (Situation, error) {
	var x Situation
	var comps string
	err := sc.Scan(&x.ID, &x.Level, &x.Context, &x.Period, &x.Company, &x.Title, &x.Description, &comps, &x.Evaluator, &x.Result,
		&x.Comment, &x.Author, &x.CreatedAt, &x.UpdatedAt)
	if err != nil {
		return x, err
	}
	var codes []string
	_ = json.Unmarshal([]byte(comps), &codes)
	x.Competencies = []CompetencyRef{}
	for _, c := range codes {
		x.Competencies = append(x.Competencies, CompetencyRef{Code: c})
	}
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	x.Attachments = []Attachment{}
	return x, nil
}

// situations loads a student's sheets with their attachments.
func (s *Service) situations(ctx context.Context, establishmentID, studentID int64) ([]Situation, error) {
	var out []Situation
	idx := map[int64]int{}
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		x, err := scanSituation(rows)
		idx[x.ID] = len(out)
		out = append(out, x)
		return err
	}, `SELECT `+situationColumns+` FROM situations WHERE establishment_id = $1 AND student_id = $2 ORDER BY created_at, id`, establishmentID, studentID)
	if err != nil {
		return nil, err
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var a Attachment
		var sid int64
		if err := rows.Scan(&a.ID, &sid, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return err
		}
		// Names stored before blob.FileName existed get its rule when they are read.
		a.Name = blob.FileName(a.Name, a.ContentType)
		if i, ok := idx[sid]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
		return nil
	}, `SELECT a.id, a.situation_id, a.name, a.content_type, a.size, a.sha256 FROM attachments a
		JOIN situations x ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
		WHERE x.establishment_id = $1 AND x.student_id = $2 ORDER BY a.id`, establishmentID, studentID)
	return out, err
}

func (s *Service) situation(ctx context.Context, st student.Student, id int64) (Situation, error) {
	all, err := s.situations(ctx, st.EstablishmentID, st.ID)
	if err != nil {
		return Situation{}, err
	}
	for _, x := range all {
		if x.ID == id {
			return x, nil
		}
	}
	return Situation{}, errNoSituation
}

// Situations lists a student's sheets (the student, or staff — audited).
func (s *Service) Situations(ctx context.Context, p *authz.Principal, uai string, studentID int64) ([]Situation, error) {
	st, staff, err := s.lookup(ctx, p, uai, studentID, false)
	if err != nil {
		return nil, err
	}
	out, err := s.situations(ctx, st.EstablishmentID, st.ID)
	if err != nil {
		return nil, err
	}
	if staff {
		err = s.audit.Record(ctx, audit.Event{Action: audit.SituationViewed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"student_id": st.ID, "situations": len(out)}})
	}
	if out == nil {
		out = []Situation{}
	}
	return out, err
}

// Attach stores a file on a sheet. Only PDF, ZIP, JPEG and PNG files are accepted, told from the
// content (never the name): a PDF must start like one, a ZIP must be an archive whose
// directory reads and whose entries stay inside their folder (blob.Detect). The name is
// cleaned and takes the extension of the type (blob.FileName); the size is capped; the
// content is stored once by checksum. r is read from its current position; a reader
// without random access (neither an *os.File nor a bytes or strings Reader) is first
// copied to a temporary file in TempDir, because a ZIP's directory is at its end.
func (s *Service) Attach(ctx context.Context, p *authz.Principal, uai string, studentID, situationID int64, name string, r io.Reader) (Attachment, error) {
	st, _, err := s.lookup(ctx, p, uai, studentID, true)
	if err != nil {
		return Attachment{}, err
	}
	if _, err := s.situation(ctx, st, situationID); err != nil {
		return Attachment{}, err
	}
	shown := blob.FileName(name, "")
	content, size, done, err := s.randomAccess(r)
	if err != nil {
		return Attachment{}, err
	}
	defer done()
	if size > s.MaxAttachment {
		return Attachment{}, apperr.TooLarge("too_large", "%s is larger than %d MiB", shown, s.MaxAttachment>>20)
	}
	ctype, err := blob.Detect(content, size)
	switch {
	case errors.Is(err, blob.ErrUnsupported):
		return Attachment{}, apperr.Unsupported("unsupported_file", "%s is neither a PDF, a ZIP, a JPEG nor a PNG file (the content was checked, not the name)", shown)
	case errors.Is(err, blob.ErrHEIC):
		return Attachment{}, apperr.Unsupported("heic_photo", "%s is a HEIC photo, which cannot be converted here: send it as JPEG", shown).With("file", shown)
	case errors.Is(err, blob.ErrBadImage):
		return Attachment{}, apperr.Unsupported("bad_image", "%s: the image cannot be read", shown).With("file", shown)
	case errors.Is(err, blob.ErrBadArchive):
		e := apperr.Unsupported("invalid_archive", "%s: %v", shown, err)
		var why *blob.ArchiveError
		if errors.As(err, &why) {
			// What the pages say, in the reader's language.
			e.Key, e.Params = "invalid_archive."+why.Reason, map[string]any{"file": shown, "entry": why.Entry, "max": why.Max}
		}
		return Attachment{}, e
	case err != nil:
		return Attachment{}, apperr.Invalid("bad_upload", "the file could not be read").Wrap(err)
	}
	name = blob.FileName(name, ctype)
	sum, size, err := s.blobs.Put(ctx, io.NewSectionReader(content, 0, size), s.MaxAttachment)
	if errors.Is(err, blob.ErrTooLarge) {
		return Attachment{}, apperr.TooLarge("too_large", "%s is larger than %d MiB", name, s.MaxAttachment>>20)
	}
	if err != nil {
		return Attachment{}, apperr.Internal(err)
	}
	a := Attachment{Name: name, ContentType: ctype, Size: size, SHA256: sum}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.QueryRow(ctx, `INSERT INTO attachments (establishment_id, situation_id, name, content_type, size, sha256, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, st.EstablishmentID, situationID, name, ctype, size, sum, s.now()).Scan(&a.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AttachmentAdded, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"situation_id": situationID, "attachment_id": a.ID, "size": size, "type": ctype}})
	})
	return a, err
}

// randomAccess is blob.RandomAccess within MaxAttachment, with the pages' errors.
func (s *Service) randomAccess(r io.Reader) (content io.ReaderAt, size int64, done func(), err error) {
	content, size, done, err = blob.RandomAccess(r, s.TempDir, s.MaxAttachment)
	if errors.Is(err, blob.ErrRead) {
		return nil, 0, nil, apperr.Invalid("bad_upload", "the file could not be read").Wrap(err)
	}
	if err != nil {
		return nil, 0, nil, apperr.Internal(err)
	}
	return content, size, done, nil
}

// OpenAttachment returns an attachment's content (the student, or staff — audited).
func (s *Service) OpenAttachment(ctx context.Context, p *authz.Principal, uai string, studentID, id int64) (Attachment, io.ReadCloser, error) {
	st, staff, err := s.lookup(ctx, p, uai, studentID, false)
	if err != nil {
		return Attachment{}, nil, err
	}
	var a Attachment
	err = s.db.QueryRow(ctx, `SELECT a.id, a.name, a.content_type, a.size, a.sha256 FROM attachments a
		JOIN situations x ON x.establishment_id = a.establishment_id AND x.id = a.situation_id
		WHERE a.establishment_id = $1 AND x.student_id = $2 AND a.id = $3`, st.EstablishmentID, st.ID, id).Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256)
	if errors.Is(err, store.ErrNotFound) {
		return Attachment{}, nil, apperr.NotFound("attachment_not_found", "no such file")
	}
	if err != nil {
		return Attachment{}, nil, err
	}
	a.Name = blob.FileName(a.Name, a.ContentType)
	rc, err := s.blobs.Open(ctx, a.SHA256)
	if err != nil {
		return Attachment{}, nil, apperr.Internal(fmt.Errorf("attachment %d: %w", a.ID, err))
	}
	if staff {
		if err := s.audit.Record(ctx, audit.Event{Action: audit.AttachmentRead, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			TargetID: audit.ID(st.AccountID), TargetLogin: st.Login, EstablishmentID: &st.EstablishmentID,
			Detail: map[string]any{"attachment_id": a.ID}}); err != nil {
			rc.Close()
			return Attachment{}, nil, err
		}
	}
	return a, rc, nil
}

// Referentials returns the referentials the student's formation (MEF) prepares: the
// competencies his sheets may name.
func (s *Service) Referentials(ctx context.Context, st student.Student) ([]competency.Referential, error) {
	if strings.TrimSpace(st.MEF) == "" {
		return nil, nil
	}
	return s.competencies.ForMEF(ctx, st.MEF)
}

// AllLevels are the levels a situation sheet may have.
var AllLevels = []string{"bac", "bep", "cap"}

// Levels are the situation levels of the student's diplomas: a bac pro has the BEP as
// its intermediate certification; a BEP and a CAP only their own; unknown: all.
func Levels(refs []competency.Referential) []string {
	bac, bep, cap := false, false, false
	for _, r := range refs {
		switch strings.ToLower(strings.TrimSpace(r.Kind)) {
		case "bac pro", "bacpro", "bac":
			bac, bep = true, true
		case "bep":
			bep = true
		case "cap":
			cap = true
		}
	}
	var out []string
	for _, l := range []struct {
		on   bool
		name string
	}{{bac, "bac"}, {bep, "bep"}, {cap, "cap"}} {
		if l.on {
			out = append(out, l.name)
		}
	}
	if len(out) == 0 {
		return AllLevels
	}
	return out
}

// checkDiploma refuses a level the student's diploma does not have (a CAP student's
// sheet is CAP level) and a code that is not a competency of it (issue 10: "C9.9" was
// accepted and printed in the passport). A student whose formation no referential
// prepares has nothing to check against: his sheet is kept as written.
//
// An empty level is the diploma's own (the first of Levels).
func (s *Service) checkDiploma(ctx context.Context, st student.Student, in *SituationInput) error {
	refs, err := s.Referentials(ctx, st)
	if err != nil {
		return err
	}
	if in.Level == "" {
		in.Level = Levels(refs)[0]
	}
	if len(refs) == 0 {
		return nil
	}
	var labels []string
	for _, r := range refs {
		labels = append(labels, r.Label)
	}
	if levels := Levels(refs); !slices.Contains(levels, in.Level) {
		return apperr.Invalid("level_not_in_diploma", "level %q is not a level of the student's diploma (%s)", in.Level, strings.Join(labels, ", ")).
			With("level", strings.ToUpper(in.Level)).With("diploma", strings.Join(labels, ", "))
	}
	known := map[string]bool{}
	for _, r := range refs {
		for _, c := range r.Competencies {
			known[c.Code] = true
		}
	}
	for _, c := range in.Competencies {
		if !known[c] {
			return apperr.Invalid("unknown_competency", "competency %q is not in the referential of the student's diploma (%s)", c, strings.Join(labels, ", ")).
				With("code", c).With("diploma", strings.Join(labels, ", "))
		}
	}
	return nil
}
