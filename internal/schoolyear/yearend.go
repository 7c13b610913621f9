package schoolyear

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/student"
)

// Result is a pupil's end-of-year results: the council's decision (passage,
// redoublement, orientation, départ), the MEF of next year, the orientation chosen,
// and a diploma's result.
type Result struct {
	StudentID      int64  `json:"student_id"`
	Decision       string `json:"decision"`
	NextMEF        string `json:"next_mef"`
	Orientation    string `json:"orientation"`
	Diploma        string `json:"diploma"`
	DiplomaResult  string `json:"diploma_result"`
	DiplomaMention string `json:"diploma_mention"`
}

// SaveResults writes the end-of-year results of pupils enrolled for a year (all or
// none: the first bad one names its pupil).
func (s *Service) SaveResults(ctx context.Context, p *authz.Principal, uai string, yearID int64, list []Result) (int, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return 0, err
	}
	if len(list) > 5000 {
		return 0, apperr.TooManyItems("results", 5000)
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.writableYear(ctx, e.ID, yearID); err != nil {
			return err
		}
		now := s.now()
		for _, r := range list {
			if err := oneOf("decision", r.Decision, Decisions); err != nil {
				return err
			}
			if err := oneOf("diploma_result", r.DiplomaResult, DiplomaResults); err != nil {
				return err
			}
			for _, f := range []struct {
				name string
				v    *string
				max  int
			}{{"next_mef", &r.NextMEF, MaxCode}, {"orientation", &r.Orientation, MaxLabel}, {"diploma", &r.Diploma, MaxLabel}, {"diploma_mention", &r.DiplomaMention, MaxLabel}} {
				if *f.v, err = clean(f.name, *f.v, f.max, false); err != nil {
					return err
				}
			}
			n, err := s.db.ExecCount(ctx, `UPDATE school_enrolments SET decision = $1, next_mef = $2, orientation = $3, diploma = $4, diploma_result = $5,
				diploma_mention = $6, updated_at = $7 WHERE establishment_id = $8 AND year_id = $9 AND student_id = $10`,
				r.Decision, r.NextMEF, r.Orientation, r.Diploma, r.DiplomaResult, r.DiplomaMention, now, e.ID, yearID, r.StudentID)
			if err != nil {
				return err
			}
			if n == 0 {
				return apperr.NotFound("pupil_not_enrolled", "pupil %d is not enrolled this year", r.StudentID).With("student_id", r.StudentID)
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolResultsSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"year_id": yearID, "pupils": len(list)}})
	})
	if err != nil {
		return 0, err
	}
	return len(list), nil
}

// Proposal is a next year's enrolment the campaign proposes for a pupil, from this
// year's decision.
type Proposal struct {
	Pupil    Pupil  `json:"pupil"`
	Decision string `json:"decision"`
	// MEF is next year's: NextMEF for a passage or an orientation, the same MEF for a
	// redoublement. Class is next year's class code when the decision keeps the class
	// (redoublement), else empty (to assign).
	MEF string `json:"mef"`
	// Skip tells the pupil leaves (départ, or left during the year): no enrolment.
	Skip bool `json:"skip"`
	// Exists tells the pupil already has an enrolment next year (the campaign keeps it).
	Exists bool `json:"exists"`
}

// Campaign proposes next year's enrolments (pre-enrolled) from the end-of-year
// decisions of a year: a passage or an orientation takes the next MEF, a redoublement
// the same; a départ or a pupil who left is skipped. Nothing is written.
func (s *Service) Campaign(ctx context.Context, p *authz.Principal, uai string, yearID int64) ([]Proposal, Year, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return nil, Year{}, err
	}
	return s.campaign(ctx, e.ID, yearID)
}

func (s *Service) campaign(ctx context.Context, establishmentID, yearID int64) ([]Proposal, Year, error) {
	y, err := s.Year(ctx, establishmentID, yearID)
	if err != nil {
		return nil, y, err
	}
	pupils, err := s.YearPupils(ctx, establishmentID, yearID)
	if err != nil {
		return nil, y, err
	}
	next := map[int64]bool{}
	if ny, err := s.YearOf(ctx, establishmentID, y.StartYear+1); err == nil {
		nexts, err := s.YearPupils(ctx, establishmentID, ny.ID)
		if err != nil {
			return nil, y, err
		}
		for _, n := range nexts {
			next[n.StudentID] = true
		}
	}
	out := make([]Proposal, 0, len(pupils))
	for _, pu := range pupils {
		n, err := s.EnrolmentOf(ctx, establishmentID, yearID, pu.StudentID)
		if err != nil {
			return nil, y, err
		}
		pr := Proposal{Pupil: pu, Decision: n.Decision, Exists: next[pu.StudentID]}
		switch {
		case pu.Status == Left || n.Decision == "depart":
			pr.Skip = true
		case n.Decision == "redoublement":
			pr.MEF = n.MEF
		case n.NextMEF != "":
			pr.MEF = n.NextMEF
		default:
			pr.MEF = n.MEF
		}
		out = append(out, pr)
	}
	return out, y, nil
}

// ConfirmCampaign creates next year (same kind of periods) if needed and pre-enrols
// the given pupils of the campaign (studentIDs: those the administrator kept checked)
// with the proposed MEF; pupils already enrolled next year are left as they are. It
// returns the number of enrolments created.
func (s *Service) ConfirmCampaign(ctx context.Context, p *authz.Principal, uai string, yearID int64, studentIDs []int64) (int, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return 0, err
	}
	keep := map[int64]bool{}
	for _, id := range studentIDs {
		keep[id] = true
	}
	n := 0
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		props, y, err := s.campaign(ctx, e.ID, yearID)
		if err != nil {
			return err
		}
		ny, err := s.ensureYear(ctx, e.ID, YearInput{StartYear: y.StartYear + 1, PeriodKind: y.PeriodKind,
			StartDate: itoa(int64(y.StartYear+1)) + "-09-01", EndDate: itoa(int64(y.StartYear+2)) + "-07-04"})
		if err != nil {
			return err
		}
		if ny.Closed {
			return apperr.Conflict("year_closed", "the year %s is closed: it is read-only", ny.Label()).With("year", ny.Label())
		}
		now := s.now()
		for _, pr := range props {
			if pr.Skip || pr.Exists || !keep[pr.Pupil.StudentID] {
				continue
			}
			if _, err := s.db.Exec(ctx, `INSERT INTO school_enrolments (establishment_id, year_id, student_id, mef, regime, status, source, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, 'pre-enrolled', 'campaign', $6, $6)`, e.ID, ny.ID, pr.Pupil.StudentID, pr.MEF, pr.Pupil.Regime, now); err != nil {
				return err
			}
			n++
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolCampaignConfirmed, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"year_id": yearID, "next_year_id": ny.ID, "enrolments": n}})
	})
	return n, err
}

// NewPupil is the first entry of a pupil by hand (a school or a pupil outside SIECLE).
type NewPupil struct {
	LastName  string `json:"last_name"`
	FirstName string `json:"first_name"`
	BirthDate string `json:"birth_date"`
	Sex       string `json:"sex"`
	// PreviousUAI is the establishment he comes from, when known.
	PreviousUAI string `json:"previous_uai"`
	EnrolmentInput
}

// CreatePupil enters a pupil by hand: the student (his ELEVE_ID "M" and a random
// suffix, a pending account like an import's) and his enrolment for a year, in one
// transaction. It returns the enrolment.
func (s *Service) CreatePupil(ctx context.Context, p *authz.Principal, uai string, yearID int64, in NewPupil) (Enrolment, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Enrolment{}, err
	}
	if in.LastName, err = clean("last_name", in.LastName, MaxLabel, true); err != nil {
		return Enrolment{}, err
	}
	if in.FirstName, err = clean("first_name", in.FirstName, MaxLabel, true); err != nil {
		return Enrolment{}, err
	}
	if in.BirthDate != "" {
		if err := checkDate("birth_date", in.BirthDate); err != nil {
			return Enrolment{}, err
		}
	}
	if err := oneOf("sex", in.Sex, []string{"", "M", "F"}); err != nil {
		return Enrolment{}, err
	}
	if in.PreviousUAI, err = clean("previous_uai", strings.ToUpper(in.PreviousUAI), 8, false); err != nil {
		return Enrolment{}, err
	}
	if s.Accounts == nil {
		return Enrolment{}, apperr.Internal(errNoAccounts)
	}
	var out Enrolment
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.writableYear(ctx, e.ID, yearID); err != nil {
			return err
		}
		accs, err := s.Accounts.CreateMany(ctx, p.Actor(), authz.Membership{Role: authz.RoleStudent, EstablishmentID: e.ID, UAI: e.UAI},
			[]account.Person{{FirstName: in.FirstName, LastName: in.LastName}})
		if err != nil {
			return err
		}
		var b [5]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		rec := &student.Record{EleveID: "M" + strings.ToUpper(hex.EncodeToString(b[:])), LastName: strings.ToUpper(in.LastName), FirstName: in.FirstName,
			BirthDate: in.BirthDate, Sex: in.Sex, MEF: in.MEF, PreviousUAI: in.PreviousUAI, EntryDate: calendar.Date(s.now()),
			INEStatus: "missing", Status: student.StatusActive}
		ids, err := student.Apply(ctx, s.db, e, []student.Insert{{Record: rec, AccountID: accs[0].ID, NouvelEleve: student.NouvelRecent}}, nil, s.now())
		if err != nil {
			return err
		}
		in.StudentID = ids[0]
		if out, err = s.enrol(ctx, e.ID, yearID, in.EnrolmentInput, "manual"); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.SchoolEnrolmentSaved, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"student_id": in.StudentID, "year_id": yearID, "created": true}})
	})
	return out, err
}
