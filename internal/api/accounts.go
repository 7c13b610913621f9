package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/credential"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/qr"
)

// enrollmentResponse is what an opened enrolment link shows, once.
type enrollmentResponse struct {
	Login         string    `json:"login"`
	Password      string    `json:"password"`
	PasswordQR    string    `json:"password_qr"`
	TOTPSecret    string    `json:"totp_secret"`
	TOTPQR        string    `json:"totp_qr"`
	OTPAuthURI    string    `json:"otpauth_uri"`
	RecoveryCodes []string  `json:"recovery_codes"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// qrSize is the rendered width of QR codes in pixels.
const qrSize = 320

func (s *Server) openEnrollment(w http.ResponseWriter, r *http.Request) error {
	httpx.NoStore(w)
	c, err := s.Accounts.OpenEnrollment(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	pwQR, err := qr.DataURL(c.Password, qrSize)
	if err != nil {
		return apperr.Internal(err)
	}
	totpQR, err := qr.DataURL(c.OTPAuthURI, qrSize)
	if err != nil {
		return apperr.Internal(err)
	}
	httpx.WriteJSON(w, http.StatusOK, enrollmentResponse{
		Login: c.Login, Password: c.Password, PasswordQR: pwQR, TOTPSecret: credential.TOTPSecretText(c.TOTPSecret),
		TOTPQR: totpQR, OTPAuthURI: c.OTPAuthURI, RecoveryCodes: c.RecoveryCodes, ExpiresAt: c.ActivateBefore,
	})
	return nil
}

// proofRequest is the body of activation, login and renewal.
type proofRequest struct {
	Login        string `json:"login"`
	Password     string `json:"password"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

func (p proofRequest) proof() (account.Proof, error) {
	if p.Login == "" || p.Password == "" || (p.Code == "" && p.RecoveryCode == "") {
		return account.Proof{}, apperr.Invalid("invalid_request", "login, password and code (or recovery_code) are required")
	}
	if len(p.Password) > 256 || len(p.Login) > 256 {
		return account.Proof{}, account.ErrInvalidCredentials
	}
	return account.Proof{Login: p.Login, Password: p.Password, Code: p.Code, RecoveryCode: p.RecoveryCode}, nil
}

func (s *Server) readProof(r *http.Request) (account.Proof, error) {
	var req proofRequest
	if err := decode(r, &req); err != nil {
		return account.Proof{}, err
	}
	return req.proof()
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) error {
	httpx.NoStore(w)
	p, err := s.readProof(r)
	if err != nil {
		return err
	}
	acc, err := s.Accounts.Activate(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "active", "login": acc.Login, "expires_at": acc.ExpiresAt})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	httpx.NoStore(w)
	p, err := s.readProof(r)
	if err != nil {
		return err
	}
	acc, err := s.Accounts.Login(r.Context(), p)
	if err != nil {
		return err
	}
	token, ss, err := s.Accounts.StartSession(r.Context(), acc.ID, account.KindAPI, account.Client{
		IP: audit.SourceFrom(r.Context()).IP, UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"token": token, "expires_at": ss.ExpiresAt,
		"credentials_expire_at": acc.ExpiresAt})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	token, _ := bearer(r)
	if err := s.Accounts.Logout(r.Context(), token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) renew(w http.ResponseWriter, r *http.Request) error {
	httpx.NoStore(w)
	p, err := s.readProof(r)
	if err != nil {
		return err
	}
	enr, err := s.Accounts.Renew(r.Context(), p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, enr)
	return nil
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	httpx.NoStore(w)
	if !s.Accounts.Policy().SelfSignup {
		return apperr.Forbidden("signup_disabled", "self sign-up is not enabled on this service")
	}
	if s.SignupLimiter != nil {
		if ok, wait := s.SignupLimiter.Allow(audit.SourceFrom(r.Context()).IP); !ok {
			return apperr.TooMany("too_many_attempts", wait, "too many sign-ups from your address: retry later")
		}
	}
	var req struct {
		Login       string `json:"login"`
		DisplayName string `json:"display_name"`
		Lang        string `json:"lang"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	enr, err := s.Accounts.SelfSignup(r.Context(), req.Login, req.DisplayName, req.Lang)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, enr)
	return nil
}

// accountResponse is an account in API answers.
type accountResponse struct {
	account.Account
	State         string `json:"state"`
	ExpiresInDays *int   `json:"expires_in_days,omitempty"`
}

func (s *Server) accountJSON(a account.Account) accountResponse {
	now := s.Now()
	out := accountResponse{Account: a, State: a.State(now)}
	if d, ok := a.DaysLeft(now); ok {
		out.ExpiresInDays = &d
	}
	return out
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	acc, err := s.Accounts.Me(r.Context(), p)
	if err != nil {
		return err
	}
	roles := make([]string, 0, len(acc.Roles))
	for _, m := range acc.Roles {
		roles = append(roles, string(m.Role))
	}
	out := map[string]any{
		"id": acc.ID, "login": acc.Login, "display_name": acc.DisplayName, "roles": roles, "memberships": acc.Roles,
		"state": acc.State(s.Now()), "activated_at": acc.ActivatedAt, "credentials_expire_at": acc.ExpiresAt,
		"recovery_codes_left": acc.RecoveryCodesLeft, "lang": acc.Lang,
	}
	if d, ok := acc.DaysLeft(s.Now()); ok {
		out["expires_in_days"] = d
		out["renewal_open"] = s.Accounts.RenewalOpen(&acc, s.Now())
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) mySessions(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	ss, err := s.Accounts.Sessions(r.Context(), p.AccountID)
	if err != nil {
		return err
	}
	type item struct {
		account.Session
		Current bool `json:"current"`
	}
	out := make([]item, 0, len(ss))
	for _, x := range ss {
		out = append(out, item{x, x.ID == p.SessionID})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (s *Server) revokeMySession(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Accounts.RevokeSession(r.Context(), p.Actor(), p.AccountID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound("not_found", "no such %s", name)
	}
	return id, nil
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	q := r.URL.Query()
	f := account.ListFilter{State: q.Get("state"), Query: q.Get("q"), Role: authz.Role(q.Get("role"))}
	if v := q.Get("expiring"); v != "" {
		per, err := config.ParsePeriod(v)
		if err != nil {
			return apperr.Invalid("invalid_expiring", "expiring: %v", err)
		}
		d := per.After(s.Now()).Sub(s.Now())
		f.Expiring = &d
	}
	if uai := q.Get("uai"); uai != "" {
		e, err := s.Establishments.ByUAI(r.Context(), uai)
		if err != nil {
			return err
		}
		f.EstablishmentID = e.ID
	}
	if v := q.Get("limit"); v != "" {
		f.Limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("offset"); v != "" {
		f.Offset, _ = strconv.Atoi(v)
	}
	list, err := s.Accounts.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]accountResponse, 0, len(list))
	for _, a := range list {
		out = append(out, s.accountJSON(a))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"accounts": out})
	return nil
}

type roleRequest struct {
	Role string `json:"role"`
	UAI  string `json:"uai,omitempty"`
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	httpx.NoStore(w)
	var req struct {
		Login       string        `json:"login"`
		DisplayName string        `json:"display_name"`
		Lang        string        `json:"lang"`
		Role        string        `json:"role"`
		UAI         string        `json:"uai"`
		Roles       []roleRequest `json:"roles"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Role != "" {
		req.Roles = append(req.Roles, roleRequest{Role: req.Role, UAI: req.UAI})
	}
	ms, err := s.memberships(r, req.Roles)
	if err != nil {
		return err
	}
	acc, enr, err := s.Accounts.Create(r.Context(), p, account.CreateInput{Login: req.Login, DisplayName: req.DisplayName, Lang: req.Lang, Roles: ms})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"id": acc.ID, "login": acc.Login,
		"enrollment_url": enr.URL, "expires_at": enr.ExpiresAt})
	return nil
}

func (s *Server) memberships(r *http.Request, roles []roleRequest) ([]authz.Membership, error) {
	var ms []authz.Membership
	for _, rr := range roles {
		role, err := authz.ParseRole(rr.Role)
		if err != nil {
			return nil, err
		}
		m := authz.Membership{Role: role}
		if rr.UAI != "" {
			e, err := s.Establishments.ByUAI(r.Context(), rr.UAI)
			if err != nil {
				return nil, err
			}
			m.EstablishmentID, m.UAI = e.ID, e.UAI
		}
		ms = append(ms, m)
	}
	return ms, nil
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	acc, err := s.Accounts.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s.accountJSON(acc))
	return nil
}

func (s *Server) reissueAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	httpx.NoStore(w)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	enr, err := s.Accounts.Reissue(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, enr)
	return nil
}

func (s *Server) accountAction(w http.ResponseWriter, r *http.Request, p *authz.Principal, fn func(*authz.Principal, int64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := fn(p, id); err != nil {
		return err
	}
	acc, err := s.Accounts.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s.accountJSON(acc))
	return nil
}

func (s *Server) unlockAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.accountAction(w, r, p, func(p *authz.Principal, id int64) error { return s.Accounts.Unlock(r.Context(), p, id) })
}

func (s *Server) expireAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.accountAction(w, r, p, func(p *authz.Principal, id int64) error { return s.Accounts.Expire(r.Context(), p, id) })
}

func (s *Server) disableAccount(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	return s.accountAction(w, r, p, func(p *authz.Principal, id int64) error { return s.Accounts.Disable(r.Context(), p, id) })
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p *authz.Principal) error {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), Login: q.Get("login")}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	f.BeforeID, _ = strconv.ParseInt(q.Get("before_id"), 10, 64)
	if !p.IsPlatformAdmin() {
		mine := p.Establishments(authz.RoleAdmin)
		if len(mine) != 1 {
			return apperr.Forbidden("forbidden", "only administrators can read the audit trail")
		}
		f.EstablishmentID = mine[0]
	}
	evs, err := s.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []audit.Event{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"events": evs})
	return nil
}
