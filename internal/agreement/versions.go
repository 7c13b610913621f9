package agreement

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Settings are a programme's rules for its agreements.
type Settings struct {
	Programme string `json:"programme"`
	ECTSMin   int    `json:"ects_min"`
	ECTSMax   int    `json:"ects_max"`
	// Deadline is the last day to submit (YYYY-MM-DD, "" for none).
	Deadline string `json:"deadline"`
}

func (s *Service) settings(ctx context.Context, programmeID int64) (Settings, error) {
	st := Settings{ECTSMin: DefaultECTS, ECTSMax: DefaultECTS}
	err := s.db.QueryRow(ctx, `SELECT ects_min, ects_max, deadline FROM agreement_settings WHERE programme_id = $1`, programmeID).
		Scan(&st.ECTSMin, &st.ECTSMax, &st.Deadline)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return st, err
}

// SaveSettings sets a programme's ECTS bounds per semester and its deadline (the office).
func (s *Service) SaveSettings(ctx context.Context, p *authz.Principal, uai string, in Settings) (Settings, error) {
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return in, err
	}
	if in.ECTSMin < 0 || in.ECTSMax < in.ECTSMin || in.ECTSMax > 120 {
		return in, apperr.Invalid("invalid_ects_bounds", "ECTS bounds %d–%d: 0 ≤ min ≤ max ≤ 120", in.ECTSMin, in.ECTSMax).
			With("min", in.ECTSMin).With("max", in.ECTSMax)
	}
	if in.Deadline != "" {
		if _, err := time.Parse("2006-01-02", in.Deadline); err != nil {
			return in, apperr.Invalid("invalid_date", "deadline %q: use YYYY-MM-DD", in.Deadline)
		}
	}
	return in, s.db.Tx(ctx, func(ctx context.Context) error {
		prog, err := s.programme(ctx, e.ID, in.Programme)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO agreement_settings (programme_id, establishment_id, ects_min, ects_max, deadline, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (programme_id) DO UPDATE SET ects_min = excluded.ects_min, ects_max = excluded.ects_max,
			deadline = excluded.deadline, updated_at = excluded.updated_at`, prog.ID, e.ID, in.ECTSMin, in.ECTSMax, in.Deadline, s.now()); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"programme": prog.Code, "settings": in}})
	})
}

// Edit is a change of the newest version's content.
type Edit struct {
	Units       []VersionUnit `json:"units"`
	Measures    []string      `json:"measures"`
	Adjustments []string      `json:"adjustments"`
}

// current returns the newest version of an agreement.
func (s *Service) current(ctx context.Context, agreementID int64) (Version, error) {
	v, err := scanVersion(s.db.QueryRow(ctx, `SELECT `+versionCols+` FROM agreement_versions WHERE agreement_id = $1 ORDER BY number DESC LIMIT 1`, agreementID))
	if err != nil {
		return v, err
	}
	v.Units, err = s.units(ctx, v.ID)
	return v, err
}

// SetContent replaces the units, support measures and adjustments of the newest
// version while it is a draft or to revise: the student builds his own, the referent
// proposes, the office corrects. Units must be of the catalogue (their semester and
// ECTS come from it); measures and adjustments from the fixed lists.
func (s *Service) SetContent(ctx context.Context, p *authz.Principal, uai string, agreementID int64, in Edit) (View, error) {
	e, err := s.resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleOffice, authz.RoleReferent, authz.RoleStudent)
	if err != nil {
		return View{}, err
	}
	if len(in.Units) > MaxUnits {
		return View{}, apperr.TooManyItems("units", MaxUnits)
	}
	for _, m := range in.Measures {
		if !slices.Contains(Measures, m) {
			return View{}, apperr.Invalid("invalid_support_measure", "unknown support measure %q", m).With("value", m)
		}
	}
	for _, m := range in.Adjustments {
		if !slices.Contains(Adjustments, m) {
			return View{}, apperr.Invalid("invalid_adjustment", "unknown adjustment %q: only the fixed list, never a medical detail", m).With("value", m)
		}
	}
	var out View
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		a, err := s.agreement(ctx, e.ID, agreementID)
		if err != nil {
			return err
		}
		w, err := s.who(ctx, p, e.ID, a)
		if err != nil {
			return err
		}
		if !w.Student && !w.Referent && !w.Office {
			return errNotFound
		}
		if a.Closed {
			return apperr.Conflict("agreement_closed", "this agreement is closed")
		}
		v, err := s.current(ctx, a.ID)
		if err != nil {
			return err
		}
		if !v.State.Editable() {
			return apperr.Conflict("agreement_not_editable", "a version in state %s cannot be changed: amend it", v.State).With("state", string(v.State))
		}
		cat, err := s.catalogue(ctx, a.ProgrammeID, a.Year)
		if err != nil {
			return err
		}
		units := make([]VersionUnit, 0, len(in.Units))
		seen := map[string]bool{}
		for _, u := range in.Units {
			c, ok := cat[u.Code]
			if !ok {
				return apperr.Invalid("unknown_unit", "unit %q is not in the catalogue", u.Code).With("value", u.Code)
			}
			if seen[u.Code] {
				continue
			}
			seen[u.Code] = true
			if u.Origin == "" {
				u.Origin = "year"
				if c.Kind == "free" {
					u.Origin = "free"
				}
			}
			if !slices.Contains(Origins, u.Origin) {
				return apperr.Invalid("invalid_origin", "origin %q: use year, next, free or exemption", u.Origin).With("value", u.Origin)
			}
			units = append(units, VersionUnit{Code: c.Code, Semester: c.Semester, ECTS: c.ECTS, Origin: u.Origin})
		}
		measures, adjustments := uniq(in.Measures), uniq(in.Adjustments)
		if _, err := s.db.Exec(ctx, `UPDATE agreement_versions SET measures = $1, adjustments = $2, updated_at = $3 WHERE id = $4`,
			strings.Join(measures, " "), strings.Join(adjustments, " "), s.now(), v.ID); err != nil {
			return err
		}
		if err := s.putUnits(ctx, v.ID, units); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: audit.AgreementChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "version": v.Number, "units": len(units)}}); err != nil {
			return err
		}
		out, err = s.view(ctx, e.ID, a, w)
		return err
	})
	return out, err
}

func uniq(l []string) []string {
	out := slices.Clone(l)
	sort.Strings(out)
	return slices.Compact(out)
}

// Problem is one failed check of a submission.
type Problem struct {
	Key    string            `json:"key"`
	Params map[string]string `json:"params"`
}

// Check runs the checks of a submission on a version: ECTS per semester within the
// programme's bounds, prerequisites chosen or acquired, capacity of each unit (the
// versions in force and submitted of the other students), the deadline.
func (s *Service) check(ctx context.Context, a Agreement, v Version) ([]Problem, error) {
	var out []Problem
	st, err := s.settings(ctx, a.ProgrammeID)
	if err != nil {
		return nil, err
	}
	if st.Deadline != "" && s.today() > st.Deadline {
		out = append(out, Problem{"agreement.check.deadline", map[string]string{"deadline": st.Deadline}})
	}
	if len(v.Units) == 0 {
		out = append(out, Problem{"agreement.check.empty", map[string]string{}})
	}
	sem := map[int]Tenths{}
	for _, u := range v.Units {
		if u.Origin != "exemption" {
			sem[u.Semester] += u.ECTS
		} else {
			sem[u.Semester] += 0
		}
	}
	sems := make([]int, 0, len(sem))
	for k := range sem {
		sems = append(sems, k)
	}
	sort.Ints(sems)
	adapted := a.Kind == "adapted"
	for _, k := range sems {
		t := sem[k]
		// An adapted agreement (spread over more years) may hold fewer credits.
		if (t < Tenths(st.ECTSMin*10) && !adapted) || t > Tenths(st.ECTSMax*10) {
			out = append(out, Problem{"agreement.check.ects", map[string]string{"semester": strconv.Itoa(k), "ects": t.String(),
				"min": strconv.Itoa(st.ECTSMin), "max": strconv.Itoa(st.ECTSMax)}})
		}
	}
	cat, err := s.catalogue(ctx, a.ProgrammeID, a.Year)
	if err != nil {
		return nil, err
	}
	ip, err := s.enrolment(ctx, a.EstablishmentID, a.StudentID, a.ProgrammeID, a.Year)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, r := range ip {
		if r.Result == "acquired" {
			have[r.UnitCode] = true
		}
	}
	for _, u := range v.Units {
		have[u.Code] = true
	}
	for _, u := range v.Units {
		for _, pre := range cat[u.Code].Prerequisites {
			if !have[pre] {
				out = append(out, Problem{"agreement.check.prerequisite", map[string]string{"unit": u.Code, "prerequisite": pre}})
			}
		}
	}
	for _, u := range v.Units {
		c := cat[u.Code]
		if c.Capacity == 0 {
			continue
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(DISTINCT g.student_id) FROM agreement_version_units vu
			JOIN agreement_versions v ON v.id = vu.version_id JOIN agreements g ON g.id = v.agreement_id
			WHERE g.programme_id = $1 AND g.year = $2 AND vu.unit_code = $3 AND g.student_id <> $4
			AND v.state IN ('submitted', 'validated', 'signed', 'transmitted', 'integrated', 'rejected')`,
			a.ProgrammeID, a.Year, u.Code, a.StudentID).Scan(&n); err != nil {
			return nil, err
		}
		if n >= c.Capacity {
			out = append(out, Problem{"agreement.check.capacity", map[string]string{"unit": u.Code, "capacity": strconv.Itoa(c.Capacity)}})
		}
	}
	return out, nil
}

// Act applies an action to the newest version of an agreement (submit, revise,
// validate, refuse, sign, transmit, retransmit), with its history, its audit event and
// its notices. A submission runs the checks and is refused with the list of problems;
// a signature completing an amendment supersedes the version it replaces.
func (s *Service) Act(ctx context.Context, p *authz.Principal, uai string, agreementID int64, act Action, reason string) (View, error) {
	e, err := s.resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleReferent, authz.RoleStudent)
	if err != nil {
		return View{}, err
	}
	reason = strings.TrimSpace(reason)
	var out View
	var notices []notice
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		a, err := s.agreement(ctx, e.ID, agreementID)
		if err != nil {
			return err
		}
		w, err := s.who(ctx, p, e.ID, a)
		if err != nil {
			return err
		}
		if !w.Student && !w.staff() {
			return errNotFound
		}
		if a.Closed {
			return apperr.Conflict("agreement_closed", "this agreement is closed")
		}
		v, err := s.current(ctx, a.ID)
		if err != nil {
			return err
		}
		if act == Integrate || act == Reject || act == Supersede || act == Close {
			// Through the acknowledgement file, amendments and the end of the year only.
			return apperr.Invalid("invalid_action", "unknown action %q", act).With("action", string(act))
		}
		to, err := Next(v.State, act, w, Signatures{Student: v.StudentSignedAt != nil, Director: v.DirectorSignedAt != nil}, reason)
		if err != nil {
			return err
		}
		if act == Submit {
			problems, err := s.check(ctx, a, v)
			if err != nil {
				return err
			}
			if len(problems) > 0 {
				return checkError(problems)
			}
		}
		now := s.now()
		notices, err = s.apply(ctx, e.ID, a, v, act, to, w, reason, p.Actor(), now)
		if err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: audit.AgreementChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "version": v.Number, "action": string(act), "from": string(v.State), "to": string(to)}}); err != nil {
			return err
		}
		if err := s.send(ctx, e.ID, notices); err != nil {
			return err
		}
		out, err = s.view(ctx, e.ID, a, w)
		return err
	})
	return out, err
}

// CheckError is a submission refused by its checks.
func checkError(problems []Problem) error {
	keys := make([]string, len(problems))
	for i, pr := range problems {
		keys[i] = pr.Key
	}
	err := apperr.Invalid("agreement_checks", "the version fails %d check(s): %s", len(problems), strings.Join(keys, ", ")).
		With("count", len(problems)).With("detail", strings.Join(keys, ", "))
	err.Err = &Problems{List: problems}
	return err
}

// Problems carries the failed checks of a submission (errors.As on the error of Act).
type Problems struct{ List []Problem }

func (p *Problems) Error() string { return strconv.Itoa(len(p.List)) + " problem(s)" }

// Check runs the submission checks on the newest version of an agreement without
// submitting it (the page shows them before the student submits).
func (s *Service) Check(ctx context.Context, p *authz.Principal, uai string, agreementID int64) ([]Problem, error) {
	e, err := s.resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleReferent, authz.RoleStudent)
	if err != nil {
		return nil, err
	}
	a, err := s.agreement(ctx, e.ID, agreementID)
	if err != nil {
		return nil, err
	}
	w, err := s.who(ctx, p, e.ID, a)
	if err != nil {
		return nil, err
	}
	if !w.Student && !w.staff() {
		return nil, errNotFound
	}
	v, err := s.current(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	out, err := s.check(ctx, a, v)
	if out == nil {
		out = []Problem{}
	}
	return out, err
}

type notice struct {
	to     []int64
	role   authz.Role
	key    string
	params map[string]string
}

// apply writes a change of state: the version, its signatures, the event; for a
// signature completing an amendment, the version it replaces is superseded. It returns
// the notices to send.
func (s *Service) apply(ctx context.Context, e int64, a Agreement, v Version, act Action, to State, w Who, reason string, actor authz.Actor, now time.Time) ([]notice, error) {
	set := `state = $1, updated_at = $2`
	args := []any{to, now}
	switch {
	case act == Sign && w.Student && v.StudentSignedAt == nil:
		set += `, student_signed_at = $2`
	case act == Sign:
		set += `, director_signed_at = $2, director_id = $3`
		var director any // the operator has no account
		if actor.ID != 0 {
			director = actor.ID
		}
		args = append(args, director)
	case act == Submit:
		set += `, submitted_at = $2`
	}
	if reason != "" && (act == Refuse || act == Reject) {
		set += `, reason = $` + strconv.Itoa(len(args)+1)
		args = append(args, reason)
	}
	args = append(args, v.ID)
	if _, err := s.db.Exec(ctx, `UPDATE agreement_versions SET `+set+` WHERE id = $`+strconv.Itoa(len(args)), args...); err != nil {
		return nil, err
	}
	if err := s.event(ctx, e, v.ID, v.State, to, act, reason, actor, now); err != nil {
		return nil, err
	}
	if act == Revise && reason != "" {
		if err := s.comment(ctx, e, a.ID, v.Number, actor, reason, now); err != nil {
			return nil, err
		}
	}
	if to == Signed && v.Number > 1 {
		// The amendment is in force: the versions it replaces are annulled and replaced.
		var olds []struct {
			id    int64
			state State
		}
		if err := s.db.Each(ctx, func(rows *sql.Rows) error {
			var o struct {
				id    int64
				state State
			}
			err := rows.Scan(&o.id, &o.state)
			olds = append(olds, o)
			return err
		}, `SELECT id, state FROM agreement_versions WHERE agreement_id = $1 AND number < $2 AND state IN ('signed', 'transmitted', 'integrated', 'rejected')`,
			a.ID, v.Number); err != nil {
			return nil, err
		}
		for _, o := range olds {
			if _, err := s.db.Exec(ctx, `UPDATE agreement_versions SET state = $1, updated_at = $2 WHERE id = $3`, Superseded, now, o.id); err != nil {
				return nil, err
			}
			if err := s.event(ctx, e, o.id, o.state, Superseded, Supersede, "", actor, now); err != nil {
				return nil, err
			}
		}
	}
	params := map[string]string{"programme": strconv.FormatInt(a.ProgrammeID, 10), "version": strconv.Itoa(v.Number), "reason": reason}
	if list := []Agreement{a}; s.complete(ctx, e, list) == nil {
		params["programme"], params["student"] = list[0].ProgrammeCode, list[0].StudentNumber
	}
	var out []notice
	switch {
	case act == Submit && a.ReferentID != 0:
		out = append(out, notice{to: []int64{a.ReferentID}, key: "agreement.notice.submitted", params: params})
	case act == Validate:
		out = append(out, notice{role: authz.RoleOffice, key: "agreement.notice.validated", params: params})
	case to == Signed:
		out = append(out, notice{role: authz.RoleOffice, key: "agreement.notice.signed", params: params})
	case act == Revise || act == Refuse:
		out = append(out, notice{to: s.studentAccounts(ctx, a.StudentID), key: "agreement.notice." + string(act), params: params})
	}
	return out, nil
}

func (s *Service) studentAccounts(ctx context.Context, studentID int64) []int64 {
	m, err := student.AccountIDs(ctx, s.db, []int64{studentID})
	if err != nil || m[studentID] == 0 {
		return nil
	}
	return []int64{m[studentID]}
}

// send delivers notices, in the caller's transaction.
func (s *Service) send(ctx context.Context, e int64, list []notice) error {
	if s.Notifier == nil {
		return nil
	}
	for _, n := range list {
		to := n.to
		if n.role != "" && s.Members != nil {
			accs, err := s.Members(ctx, e, n.role)
			if err != nil {
				return err
			}
			to = append(to, accs...)
		}
		// Each message takes exactly its own parameters.
		params := map[string]string{}
		if m, ok := i18n.Lookup(n.key); ok {
			for _, k := range i18n.Placeholders(m.FR) {
				params[k] = n.params[k]
			}
		}
		for _, acc := range to {
			if err := s.Notifier.Notify(ctx, acc, n.key, params); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) comment(ctx context.Context, e, agreementID int64, version int, actor authz.Actor, text string, now time.Time) error {
	var id any
	if actor.ID != 0 {
		id = actor.ID
	}
	_, err := s.db.Exec(ctx, `INSERT INTO agreement_comments (establishment_id, agreement_id, version_number, author_id, author_login, text, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e, agreementID, version, id, actor.Login, text, now)
	return err
}

// Comment adds a message to an agreement's thread: the student, his referent, the
// directors and the office write; a message by staff notifies the student.
func (s *Service) Comment(ctx context.Context, p *authz.Principal, uai string, agreementID int64, text string) error {
	e, err := s.resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleOffice, authz.RoleProgrammeDirector, authz.RoleReferent, authz.RoleStudent)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	return s.db.Tx(ctx, func(ctx context.Context) error {
		a, err := s.agreement(ctx, e.ID, agreementID)
		if err != nil {
			return err
		}
		w, err := s.who(ctx, p, e.ID, a)
		if err != nil {
			return err
		}
		if !w.Student && !w.staff() {
			return errNotFound
		}
		if text == "" {
			return apperr.Invalid("required", "text is required").With("field", "text")
		}
		if utf8.RuneCountInString(text) > MaxComment {
			return apperr.TooLong("text", MaxComment)
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM agreement_comments WHERE agreement_id = $1`, a.ID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxComments {
			return apperr.TooManyItems("comments", MaxComments)
		}
		v, err := s.current(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := s.comment(ctx, e.ID, a.ID, v.Number, p.Actor(), text, s.now()); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: audit.AgreementChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "comment": true}}); err != nil {
			return err
		}
		if w.Student {
			return nil
		}
		return s.send(ctx, e.ID, []notice{{to: s.studentAccounts(ctx, a.StudentID), key: "agreement.notice.comment",
			params: map[string]string{"version": strconv.Itoa(v.Number)}}})
	})
}

// Amend opens a new draft version copying the version in force (or the refused one):
// the signed version stays in force until the amendment is signed.
func (s *Service) Amend(ctx context.Context, p *authz.Principal, uai string, agreementID int64) (View, error) {
	e, err := s.resolve(ctx, p, uai, authz.RoleAdmin, authz.RoleOffice, authz.RoleReferent, authz.RoleStudent)
	if err != nil {
		return View{}, err
	}
	var out View
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		a, err := s.agreement(ctx, e.ID, agreementID)
		if err != nil {
			return err
		}
		w, err := s.who(ctx, p, e.ID, a)
		if err != nil {
			return err
		}
		if !w.Student && !w.Referent && !w.Office {
			return errNotFound
		}
		if a.Closed {
			return apperr.Conflict("agreement_closed", "this agreement is closed")
		}
		v, err := s.current(ctx, a.ID)
		if err != nil {
			return err
		}
		if !v.State.InForce() && v.State != Refused {
			return apperr.Conflict("agreement_open_version", "version %d is still %s: finish it before amending", v.Number, v.State).
				With("version", v.Number).With("state", string(v.State))
		}
		if _, err := s.newVersion(ctx, e.ID, a.ID, v.Number+1, v, p.Actor(), s.now()); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: audit.AgreementChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "amendment": v.Number + 1}}); err != nil {
			return err
		}
		out, err = s.view(ctx, e.ID, a, w)
		return err
	})
	return out, err
}

// Assign sets the teacher-referent and the disability office member of an agreement
// (the office; 0 removes them). They must hold the role in the establishment.
func (s *Service) Assign(ctx context.Context, p *authz.Principal, uai string, agreementID, referentID, disabilityID int64) error {
	e, err := s.resolve(ctx, p, uai, office...)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		a, err := s.agreement(ctx, e.ID, agreementID)
		if err != nil {
			return err
		}
		for _, x := range []struct {
			id   int64
			role authz.Role
		}{{referentID, authz.RoleReferent}, {disabilityID, authz.RoleDisabilityOffice}} {
			if x.id == 0 || s.Members == nil {
				continue
			}
			accs, err := s.Members(ctx, e.ID, x.role)
			if err != nil {
				return err
			}
			if !slices.Contains(accs, x.id) {
				return apperr.Invalid("not_a_member", "account %d is not %s of this establishment", x.id, x.role).With("role", string(x.role))
			}
		}
		nullable := func(id int64) any {
			if id == 0 {
				return nil
			}
			return id
		}
		if _, err := s.db.Exec(ctx, `UPDATE agreements SET referent_id = $1, disability_office_id = $2, updated_at = $3 WHERE id = $4`,
			nullable(referentID), nullable(disabilityID), s.now(), a.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AgreementChanged, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"agreement_id": a.ID, "referent_id": referentID, "disability_office_id": disabilityID}})
	})
}
