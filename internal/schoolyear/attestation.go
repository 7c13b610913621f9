package schoolyear

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/i18n"
	"github.com/cartable/cartable/internal/pdfdoc"
	"github.com/cartable/cartable/internal/secret"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/student"
)

// Attestation is an attestation de scolarité issued for a pupil and a year. Its
// verification URL (Token) is signed by the platform (HMAC-SHA-256 under the secret
// "attestation"); revoking it makes the URL answer "revoked".
type Attestation struct {
	ID        int64      `json:"id"`
	StudentID int64      `json:"student_id"`
	YearID    int64      `json:"year_id"`
	StartYear int        `json:"start_year"`
	IssuedAt  time.Time  `json:"issued_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Token     string     `json:"-"`
}

// Verified is all a third party learns from a verification URL.
type Verified struct {
	Name          string `json:"name"`
	Establishment string `json:"establishment"`
	UAI           string `json:"uai"`
	Year          string `json:"year"`
	IssuedOn      string `json:"issued_on"`
	Revoked       bool   `json:"revoked"`
}

var errBadToken = apperr.NotFound("attestation_not_found", "no such attestation")

func (s *Service) key(ctx context.Context) ([]byte, error) {
	if s.Secrets == nil {
		return nil, errors.New("schoolyear: no secret store")
	}
	return s.Secrets.Get(ctx, secret.Attestation)
}

// sign is "<id>.<nonce>.<mac>", the mac over the id and the nonce (base64url, 16 bytes).
func sign(key []byte, id int64, nonce string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("attestation:" + strconv.FormatInt(id, 10) + ":" + nonce))
	return strconv.FormatInt(id, 10) + "." + nonce + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// VerifyURL is the public address of a token.
func (s *Service) VerifyURL(token string) string {
	return strings.TrimRight(s.BaseURL, "/") + "/attestations/" + token
}

// IssueAttestation issues an attestation de scolarité for a pupil's current-year
// enrolment (staff: administrator; audited).
func (s *Service) IssueAttestation(ctx context.Context, p *authz.Principal, uai string, studentID int64) (Attestation, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return Attestation{}, err
	}
	key, err := s.key(ctx)
	if err != nil {
		return Attestation{}, err
	}
	var out Attestation
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		y, err := s.CurrentYear(ctx, e.ID)
		if err != nil {
			return err
		}
		n, err := s.EnrolmentOf(ctx, e.ID, y.ID, studentID)
		if err != nil {
			return err
		}
		if n.Status == Left {
			return apperr.Conflict("pupil_left", "the pupil left on %s: no attestation for this year", n.LeftOn).With("date", n.LeftOn)
		}
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		nonce := base64.RawURLEncoding.EncodeToString(b[:])
		now := s.now()
		if err := s.db.QueryRow(ctx, `INSERT INTO school_attestations (establishment_id, student_id, year_id, nonce, issued_at, issued_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.ID, studentID, y.ID, nonce, now, audit.ID(p.AccountID)).Scan(&out.ID); err != nil {
			return err
		}
		out.StudentID, out.YearID, out.StartYear, out.IssuedAt, out.Token = studentID, y.ID, y.StartYear, now, sign(key, out.ID, nonce)
		return s.audit.Record(ctx, audit.Event{Action: audit.AttestationIssued, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"student_id": studentID, "attestation_id": out.ID, "year_id": y.ID}})
	})
	return out, err
}

// Attestations lists a pupil's attestations, the latest first (staff).
func (s *Service) Attestations(ctx context.Context, p *authz.Principal, uai string, studentID int64) ([]Attestation, error) {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return nil, err
	}
	key, err := s.key(ctx)
	if err != nil {
		return nil, err
	}
	out := []Attestation{}
	err = s.db.Each(ctx, func(rows *sql.Rows) error {
		var a Attestation
		var nonce string
		var revoked sql.NullTime
		if err := rows.Scan(&a.ID, &a.StudentID, &a.YearID, &a.StartYear, &nonce, &a.IssuedAt, &revoked); err != nil {
			return err
		}
		a.IssuedAt = a.IssuedAt.UTC()
		a.RevokedAt = store.NullTime(revoked)
		a.Token = sign(key, a.ID, nonce)
		out = append(out, a)
		return nil
	}, `SELECT a.id, a.student_id, a.year_id, y.start_year, a.nonce, a.issued_at, a.revoked_at FROM school_attestations a
		JOIN school_years y ON y.id = a.year_id AND y.establishment_id = a.establishment_id
		WHERE a.establishment_id = $1 AND a.student_id = $2 ORDER BY a.issued_at DESC, a.id DESC`, e.ID, studentID)
	return out, err
}

// RevokeAttestation revokes an attestation: its URL then answers "revoked".
func (s *Service) RevokeAttestation(ctx context.Context, p *authz.Principal, uai string, studentID, attestationID int64) error {
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecCount(ctx, `UPDATE school_attestations SET revoked_at = $1, revoked_by = $2
			WHERE establishment_id = $3 AND student_id = $4 AND id = $5 AND revoked_at IS NULL`, s.now(), audit.ID(p.AccountID), e.ID, studentID, attestationID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errBadToken
		}
		return s.audit.Record(ctx, audit.Event{Action: audit.AttestationRevoked, ActorID: audit.ID(p.AccountID), ActorLogin: p.Login,
			EstablishmentID: &e.ID, Detail: map[string]any{"student_id": studentID, "attestation_id": attestationID}})
	})
}

// Verify answers a verification URL's token: who, where, which year, and whether it
// was revoked. A token that is malformed, forged or unknown is NotFound (the same
// answer for all, so nothing can be probed).
func (s *Service) Verify(ctx context.Context, token string) (Verified, error) {
	if len(token) > 200 {
		return Verified{}, errBadToken
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Verified{}, errBadToken
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || id <= 0 {
		return Verified{}, errBadToken
	}
	key, err := s.key(ctx)
	if err != nil {
		return Verified{}, err
	}
	if !hmac.Equal([]byte(sign(key, id, parts[1])), []byte(token)) {
		return Verified{}, errBadToken
	}
	var est, studentID int64
	var nonce string
	var startYear int
	var issued time.Time
	var revoked sql.NullTime
	err = s.db.QueryRow(ctx, `SELECT a.establishment_id, a.student_id, a.nonce, y.start_year, a.issued_at, a.revoked_at FROM school_attestations a
		JOIN school_years y ON y.id = a.year_id AND y.establishment_id = a.establishment_id WHERE a.id = $1`, id).
		Scan(&est, &studentID, &nonce, &startYear, &issued, &revoked)
	if errors.Is(err, store.ErrNotFound) || (err == nil && nonce != parts[1]) {
		return Verified{}, errBadToken
	}
	if err != nil {
		return Verified{}, err
	}
	e, err := s.establishments.ByID(ctx, est)
	if err != nil {
		return Verified{}, err
	}
	people, err := student.People(ctx, s.db, []int64{studentID})
	if err != nil {
		return Verified{}, err
	}
	pe := people[studentID]
	return Verified{Name: strings.TrimSpace(pe.LastName + " " + pe.FirstName), Establishment: e.Name, UAI: e.UAI,
		Year: Year{StartYear: startYear}.Label(), IssuedOn: calendar.Date(issued), Revoked: revoked.Valid}, nil
}

// AttestationPDF writes the PDF of an attestation: the establishment, the pupil (name,
// birth date), the year, his class and MEF, the date, and the QR code of its
// verification URL.
func (s *Service) AttestationPDF(ctx context.Context, p *authz.Principal, uai string, studentID, attestationID int64, w io.Writer, lang string) error {
	list, err := s.Attestations(ctx, p, uai, studentID)
	if err != nil {
		return err
	}
	var a *Attestation
	for i := range list {
		if list[i].ID == attestationID {
			a = &list[i]
		}
	}
	if a == nil {
		return errBadToken
	}
	e, err := s.Resolve(ctx, p, uai, Managers...)
	if err != nil {
		return err
	}
	n, err := s.EnrolmentOf(ctx, e.ID, a.YearID, studentID)
	if err != nil {
		return err
	}
	people, err := student.People(ctx, s.db, []int64{studentID})
	if err != nil {
		return err
	}
	pe := people[studentID]
	birth, err := student.BirthDate(ctx, s.db, e.ID, studentID)
	if err != nil {
		return err
	}
	tag := "fr-FR"
	if lang == "en" {
		tag = "en-GB"
	}
	title := i18n.T(lang, "schoolyear.attestation.title")
	d, err := pdfdoc.New(pdfdoc.Options{Title: title, Lang: tag, Generated: s.now(), Left: 20, Top: 20, Right: 20, Bottom: 280, AutoPageBreak: true})
	if err != nil {
		return apperr.Internal(err)
	}
	d.PDF.AddPage()
	d.PDF.SetFont("Helvetica", "B", 12)
	d.PDF.MultiCell(d.ContentW(), 6, d.Text(e.Name+" ("+e.UAI+")"), "", "L", false)
	d.PDF.Ln(8)
	d.PDF.SetFont("Helvetica", "B", 16)
	d.PDF.MultiCell(d.ContentW(), 8, d.Text(title), "", "C", false)
	d.PDF.Ln(6)
	d.PDF.SetFont("Helvetica", "", 11)
	y := Year{StartYear: a.StartYear}.Label()
	name := strings.TrimSpace(pe.LastName + " " + pe.FirstName)
	body := i18n.T(lang, "schoolyear.attestation.body", name, e.Name, y)
	d.PDF.MultiCell(d.ContentW(), 6, d.Para(body), "", "L", false)
	d.PDF.Ln(4)
	if birth != "" {
		if t, err := calendar.ParseDate(birth); err == nil {
			d.Field(i18n.T(lang, "schoolyear.attestation.born"), calendar.LongDate(lang, t))
		}
	}
	if n.Class != "" {
		d.Field(i18n.T(lang, "schoolyear.class"), n.Class)
	}
	if n.MEF != "" {
		d.Field(i18n.T(lang, "schoolyear.mef"), n.MEF)
	}
	d.Field(i18n.T(lang, "schoolyear.year"), y)
	d.Field(i18n.T(lang, "schoolyear.attestation.issued"), calendar.LongDate(lang, a.IssuedAt))
	d.PDF.Ln(8)
	code, err := pdfdoc.NewQR(s.VerifyURL(a.Token))
	if err != nil {
		return apperr.Internal(err)
	}
	top := d.PDF.GetY()
	side := d.DrawQR(code, 20, top, 35)
	d.PDF.SetXY(20+side+5, top)
	d.PDF.SetFont("Helvetica", "", 9)
	d.PDF.MultiCell(d.ContentW()-side-5, 5, d.Para(i18n.T(lang, "schoolyear.attestation.verify")+"\n"+s.VerifyURL(a.Token)), "", "L", false)
	if a.RevokedAt != nil {
		d.PDF.Ln(4)
		d.PDF.SetFont("Helvetica", "B", 12)
		d.PDF.MultiCell(d.ContentW(), 6, d.Text(i18n.T(lang, "schoolyear.attestation.revoked")), "", "L", false)
	}
	return d.Output(w)
}
