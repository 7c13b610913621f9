package marks

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/store"
)

// Mentions the class council may give (the page and the card say them in words).
var Mentions = []string{"", "felicitations", "compliments", "encouragements", "warning_work", "warning_conduct"}

// Lock is a class's state for a period: locked by its council (marks and appreciations
// read-only, report cards generated) and published to pupils from PublishOn.
type Lock struct {
	Locked    bool   `json:"locked"`
	LockedAt  string `json:"locked_at,omitempty"`
	PublishOn string `json:"publish_on,omitempty"` // YYYY-MM-DD; "" unpublished
}

// Published says whether pupils see the report cards on day today (YYYY-MM-DD).
func (l Lock) Published(today string) bool {
	return l.Locked && l.PublishOn != "" && l.PublishOn <= today
}

func (s *Service) lock(ctx context.Context, estID, periodID, classID int64) (Lock, error) {
	var l Lock
	var at sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT locked_at, publish_on FROM mark_class_periods WHERE establishment_id = $1 AND period_id = $2 AND class_id = $3`,
		estID, periodID, classID).Scan(&at, &l.PublishOn)
	if errors.Is(err, store.ErrNotFound) {
		return Lock{}, nil
	}
	if at.Valid {
		l.Locked, l.LockedAt = true, calendar.Date(at.Time)
	}
	return l, err
}

// Opinion is the council's word on a pupil: the general appreciation, the mention and
// the decision.
type Opinion struct {
	Appreciation string `json:"appreciation"`
	Mention      string `json:"mention"`
	Decision     string `json:"decision"`
}

// Council is a class's period as its council sees it: every subject, every pupil's
// averages, the class figures, the appreciations and opinions.
type Council struct {
	E        establishment.Establishment `json:"-"`
	Class    Class                       `json:"class"`
	Period   Period                      `json:"period"`
	Services []TeachingService           `json:"services"`
	Pupils   []Pupil                     `json:"pupils"`
	Results  Results                     `json:"results"`
	// Appreciations maps a pupil to a service to its teacher's appreciation.
	Appreciations map[int64]map[int64]string `json:"appreciations"`
	Opinions      map[int64]Opinion          `json:"opinions"`
	Lock          Lock                       `json:"lock"`
	// MayChair: p may write opinions and lock (main teacher, admin); MayAppreciate lists
	// the services whose appreciations p may write.
	MayChair      bool           `json:"may_chair"`
	MayAppreciate map[int64]bool `json:"may_appreciate"`
}

// classScope resolves a class and a period of the establishment for p (staff).
func (s *Service) classScope(ctx context.Context, p *authz.Principal, uai string, classID, periodID int64) (establishment.Establishment, Class, Period, error) {
	e, err := s.establishments.Resolve(ctx, p, uai, staffRoles...)
	if err != nil {
		return e, Class{}, Period{}, err
	}
	c, err := s.year.Class(ctx, e.ID, classID)
	if err != nil {
		return e, c, Period{}, err
	}
	pe, err := s.year.Period(ctx, e.ID, periodID)
	if err != nil {
		return e, c, pe, err
	}
	if c.YearID != 0 && pe.YearID != 0 && c.YearID != pe.YearID {
		return e, c, pe, apperr.NotFound("period_not_found", "no such period for this class")
	}
	return e, c, pe, nil
}

// Council returns the class's period for its council (staff; audited).
func (s *Service) Council(ctx context.Context, p *authz.Principal, uai string, classID, periodID int64) (Council, error) {
	e, c, pe, err := s.classScope(ctx, p, uai, classID, periodID)
	if err != nil {
		return Council{}, err
	}
	co, err := s.council(ctx, e, c, pe)
	if err != nil {
		return co, err
	}
	co.MayChair = isAdmin(p, e.ID) || (c.MainTeacherID == p.AccountID && p.Has(authz.RoleTeacher, e.ID))
	co.MayAppreciate = map[int64]bool{}
	for _, sv := range co.Services {
		co.MayAppreciate[sv.ID] = isAdmin(p, e.ID) || co.MayChair || (sv.TeacherID == p.AccountID && p.Has(authz.RoleTeacher, e.ID))
	}
	return co, s.record(ctx, p, e.ID, audit.MarksViewed, map[string]any{"class_id": classID, "period_id": periodID, "council": true})
}

// council loads everything of a class's period, without access checks nor audit.
func (s *Service) council(ctx context.Context, e establishment.Establishment, c Class, pe Period) (Council, error) {
	co := Council{E: e, Class: c, Period: pe, Appreciations: map[int64]map[int64]string{}, Opinions: map[int64]Opinion{}}
	var err error
	if co.Services, err = s.year.ClassServices(ctx, e.ID, c.ID); err != nil {
		return co, err
	}
	if co.Pupils, err = s.year.ClassPupils(ctx, e.ID, c.ID); err != nil {
		return co, err
	}
	if co.Lock, err = s.lock(ctx, e.ID, pe.ID, c.ID); err != nil {
		return co, err
	}
	subjects := make([]Subject, len(co.Services))
	index := map[int64]int{}
	ids := []any{e.ID, pe.ID}
	for i, sv := range co.Services {
		subjects[i] = Subject{ServiceID: sv.ID, Coef: sv.Coef}
		index[sv.ID] = i
		ids = append(ids, sv.ID)
	}
	if len(co.Services) == 0 {
		ids = append(ids, int64(0))
	}
	in := placeholders(3, len(ids)-2)
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var a Assessment
		if err := rows.Scan(&a.ID, &a.ServiceID, &a.OutOf, &a.Coef); err != nil {
			return err
		}
		if i, ok := index[a.ServiceID]; ok {
			subjects[i].Assessments = append(subjects[i].Assessments, AssessmentWeight{ID: a.ID, OutOf: a.OutOf, Coef: a.Coef})
		}
		return nil
	}, `SELECT id, service_id, out_of, coefficient FROM mark_assessments WHERE establishment_id = $1 AND period_id = $2 AND service_id IN (`+in+`)`,
		ids...); err != nil {
		return co, err
	}
	var cells []Cell
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var cl Cell
		var code string
		if err := rows.Scan(&cl.AssessmentID, &cl.StudentID, &cl.Mark.Value, &code); err != nil {
			return err
		}
		cl.Mark.Code = Code(code)
		cells = append(cells, cl)
		return nil
	}, `SELECT m.assessment_id, m.student_id, m.value, m.code FROM marks m JOIN mark_assessments a ON a.id = m.assessment_id
		WHERE a.establishment_id = $1 AND a.period_id = $2 AND a.service_id IN (`+in+`)`, ids...); err != nil {
		return co, err
	}
	students := make([]int64, len(co.Pupils))
	for i, pu := range co.Pupils {
		students[i] = pu.StudentID
	}
	co.Results = Compute(students, subjects, cells, s.Rank)
	if err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var st, sv int64
		var text string
		if err := rows.Scan(&st, &sv, &text); err != nil {
			return err
		}
		if co.Appreciations[st] == nil {
			co.Appreciations[st] = map[int64]string{}
		}
		co.Appreciations[st][sv] = text
		return nil
	}, `SELECT student_id, service_id, text FROM mark_appreciations WHERE establishment_id = $1 AND class_id = $2 AND period_id = $3`,
		e.ID, c.ID, pe.ID); err != nil {
		return co, err
	}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var st int64
		var o Opinion
		if err := rows.Scan(&st, &o.Appreciation, &o.Mention, &o.Decision); err != nil {
			return err
		}
		co.Opinions[st] = o
		return nil
	}, `SELECT student_id, appreciation, mention, decision FROM mark_opinions WHERE establishment_id = $1 AND class_id = $2 AND period_id = $3`,
		e.ID, c.ID, pe.ID)
	return co, err
}

// Appreciation is a teacher's appreciation of a pupil in a subject.
type Appreciation struct {
	StudentID int64  `json:"student_id"`
	ServiceID int64  `json:"service_id"`
	Text      string `json:"text"`
}

// CouncilInput is what the council page saves: appreciations of subjects and opinions.
type CouncilInput struct {
	Appreciations []Appreciation    `json:"appreciations"`
	Opinions      map[int64]Opinion `json:"opinions"`
}

// SaveCouncil saves appreciations (each by its service's teacher, the main teacher or an
// admin) and opinions (main teacher, admin) of a class's period, while it is open and
// not locked, in one transaction.
func (s *Service) SaveCouncil(ctx context.Context, p *authz.Principal, uai string, classID, periodID int64, in CouncilInput) error {
	e, c, pe, err := s.classScope(ctx, p, uai, classID, periodID)
	if err != nil {
		return err
	}
	co, err := s.council(ctx, e, c, pe)
	if err != nil {
		return err
	}
	chair := isAdmin(p, e.ID) || (c.MainTeacherID == p.AccountID && p.Has(authz.RoleTeacher, e.ID))
	if !pe.Open {
		return apperr.Conflict("period_closed", "the period %s is closed: its marks are read-only", pe.Label).With("period", pe.Label)
	}
	if co.Lock.Locked {
		return apperr.Conflict("class_locked", "the class council locked this period for the class: its marks are read-only")
	}
	services := map[int64]TeachingService{}
	for _, sv := range co.Services {
		services[sv.ID] = sv
	}
	pupils := map[int64]bool{}
	for _, pu := range co.Pupils {
		pupils[pu.StudentID] = true
	}
	for _, a := range in.Appreciations {
		sv, ok := services[a.ServiceID]
		if !ok || !pupils[a.StudentID] {
			return apperr.NotFound("not_in_class", "the pupil or the subject is not of this class")
		}
		if !chair && !(sv.TeacherID == p.AccountID && p.Has(authz.RoleTeacher, e.ID)) {
			return apperr.Forbidden("not_service_teacher", "only the teacher of this service or an administrator enters its marks")
		}
		if err := apperr.CheckLen("appreciation", strings.TrimSpace(a.Text), MaxAppreciation); err != nil {
			return err
		}
	}
	if len(in.Opinions) > 0 && !chair {
		return apperr.Forbidden("not_main_teacher", "only the main teacher of the class or an administrator writes the council’s opinions")
	}
	for st, o := range in.Opinions {
		if !pupils[st] {
			return apperr.NotFound("not_in_class", "the pupil or the subject is not of this class")
		}
		if !contains(Mentions, o.Mention) {
			return apperr.Invalid("invalid_mention", "mention %q is not one of the list", o.Mention).With("value", o.Mention)
		}
		if err := apperr.CheckLen("appreciation", strings.TrimSpace(o.Appreciation), MaxAppreciation); err != nil {
			return err
		}
		if err := apperr.CheckLen("decision", strings.TrimSpace(o.Decision), MaxDecision); err != nil {
			return err
		}
	}
	now := s.now()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var rows [][]any
		for _, a := range in.Appreciations {
			rows = append(rows, []any{e.ID, pe.ID, c.ID, a.ServiceID, a.StudentID, strings.TrimSpace(a.Text), author(p), now})
		}
		if err := s.db.InsertRowsOn(ctx, "mark_appreciations", []string{"establishment_id", "period_id", "class_id", "service_id", "student_id", "text", "author_id", "updated_at"}, rows,
			`ON CONFLICT (period_id, service_id, student_id) DO UPDATE SET text = excluded.text, author_id = excluded.author_id, updated_at = excluded.updated_at`, "", nil); err != nil {
			return err
		}
		rows = rows[:0]
		for st, o := range in.Opinions {
			rows = append(rows, []any{e.ID, pe.ID, c.ID, st, strings.TrimSpace(o.Appreciation), o.Mention, strings.TrimSpace(o.Decision), author(p), now})
		}
		if err := s.db.InsertRowsOn(ctx, "mark_opinions", []string{"establishment_id", "period_id", "class_id", "student_id", "appreciation", "mention", "decision", "author_id", "updated_at"}, rows,
			`ON CONFLICT (period_id, class_id, student_id) DO UPDATE SET appreciation = excluded.appreciation, mention = excluded.mention, decision = excluded.decision,
				author_id = excluded.author_id, updated_at = excluded.updated_at`, "", nil); err != nil {
			return err
		}
		return s.record(ctx, p, e.ID, audit.MarksCouncilSaved, map[string]any{"class_id": c.ID, "period_id": pe.ID,
			"appreciations": len(in.Appreciations), "opinions": len(in.Opinions)})
	})
}

// SetLock locks (or, for an admin, unlocks) a class's period and sets the day its report
// cards are published to pupils ("" for not yet). The main teacher or an admin.
func (s *Service) SetLock(ctx context.Context, p *authz.Principal, uai string, classID, periodID int64, locked bool, publishOn string) (Lock, error) {
	e, c, pe, err := s.classScope(ctx, p, uai, classID, periodID)
	if err != nil {
		return Lock{}, err
	}
	if !isAdmin(p, e.ID) && !(c.MainTeacherID == p.AccountID && p.Has(authz.RoleTeacher, e.ID)) {
		return Lock{}, apperr.Forbidden("not_main_teacher", "only the main teacher of the class or an administrator writes the council’s opinions")
	}
	publishOn = strings.TrimSpace(publishOn)
	if publishOn != "" {
		if _, err := calendar.ParseDate(publishOn); err != nil {
			return Lock{}, apperr.Invalid("invalid_date", "date %q: use YYYY-MM-DD", publishOn)
		}
	}
	old, err := s.lock(ctx, e.ID, pe.ID, c.ID)
	if err != nil {
		return Lock{}, err
	}
	if old.Locked && !locked && !isAdmin(p, e.ID) {
		return Lock{}, apperr.Forbidden("unlock_admin_only", "only an administrator unlocks a class’s period")
	}
	if publishOn != "" && !locked {
		return Lock{}, apperr.Invalid("publish_unlocked", "report cards are published only once the council has locked the period")
	}
	now := s.now()
	var at any
	if locked {
		at = now
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `INSERT INTO mark_class_periods (establishment_id, period_id, class_id, locked_at, publish_on, author_id, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (period_id, class_id) DO UPDATE SET
				locked_at = CASE WHEN excluded.locked_at IS NULL THEN NULL ELSE COALESCE(mark_class_periods.locked_at, excluded.locked_at) END, publish_on = excluded.publish_on,
				author_id = excluded.author_id, updated_at = excluded.updated_at`, e.ID, pe.ID, c.ID, at, publishOn, author(p), now); err != nil {
			return err
		}
		return s.record(ctx, p, e.ID, audit.MarksClassLocked, map[string]any{"class_id": c.ID, "period_id": pe.ID, "locked": locked, "publish_on": publishOn})
	})
	if err != nil {
		return Lock{}, err
	}
	return s.lock(ctx, e.ID, pe.ID, c.ID)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
