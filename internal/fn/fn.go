// Package fn serves cartable's account steps as OpenFaaS functions (seed 002):
// generate-password, generate-2fa and authenticate, each run by `cartable fn NAME` as its
// own process. It speaks the OpenFaaS HTTP contract (of-watchdog "http" mode, or the
// gateway's probes when the process is its own watchdog): one handler at "/" for every
// request the gateway forwards, the health endpoint "/_/health" (and "/_/ready"), and the
// read, write and exec timeouts the watchdog passes in its environment.
//
// The functions are the same account service the pages and the API use (decision 0020):
//
//   - generate-password opens a single-use enrolment link ({"token"}) and returns the
//     generated 24-character password with its QR code, and the TOTP secret generated in
//     the same step as an otpauth:// URI and its QR code (the link works once: both
//     secrets are shown by that one opening, never again);
//   - generate-2fa validates the first code of the authenticator app that scanned the
//     TOTP QR code ({"login","password","code"}): that activates the account;
//   - authenticate checks login, password and code (or recovery code) and the validity of
//     the credentials (6 months); expired credentials, when still renewable, relaunch
//     the process: the answer carries a new enrolment link.
//
// The registered jobs are functions too, "job-" and their name (job-transfer,
// job-purge): an invocation runs the job once, under its lease, as `cartable jobs run`
// does; the cron connector invokes them on their schedules.
package fn

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/httpx"
	"github.com/cartable/cartable/internal/jobs"
	"github.com/cartable/cartable/internal/qr"
)

// The functions' names, as in deploy/openfaas/stack.yml.
const (
	GeneratePassword = "generate-password"
	Generate2FA      = "generate-2fa"
	Authenticate     = "authenticate"
)

// Names lists the account functions.
func Names() []string { return []string{GeneratePassword, Generate2FA, Authenticate} }

// JobPrefix starts the name of a job's function: job-transfer runs the transfer job.
const JobPrefix = "job-"

// maxBody caps a request body: a function's input is a few short strings.
const maxBody = 16 << 10

// qrPixels is the module size of the QR codes returned (as PNG data URLs).
const qrPixels = 4

// Server holds what the functions need. One process serves one function.
type Server struct {
	Accounts *account.Service
	Jobs     *jobs.Runner
	Log      *slog.Logger
	Metrics  *httpx.Metrics
	// Ready tells whether the function can serve (the database answers).
	Ready func(ctx context.Context) error
	// ExecTimeout bounds one invocation (the watchdog's exec_timeout); 0: none.
	ExecTimeout time.Duration
	// Limiter, when set, limits invocations per client address (the gateway forwards
	// X-Forwarded-For; TrustedProxies says whose to believe).
	Limiter        *httpx.Limiter
	TrustedProxies []netip.Prefix
}

type handlerFunc func(ctx context.Context, body []byte) (status int, out any, err error)

// Handler returns the HTTP handler of function name.
func (s *Server) Handler(name string) (http.Handler, error) {
	var f handlerFunc
	switch name {
	case GeneratePassword:
		f = s.generatePassword
	case Generate2FA:
		f = s.generate2FA
	case Authenticate:
		f = s.authenticate
	default:
		job, ok := strings.CutPrefix(name, JobPrefix)
		if !ok || s.Jobs == nil {
			return nil, s.notFound(name)
		}
		if _, known := s.Jobs.Job(job); !known {
			return nil, s.notFound(name)
		}
		f = s.runJob(job)
	}
	mux := http.NewServeMux()
	health := func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if s.Ready != nil {
			if err := s.Ready(ctx); err != nil {
				s.Log.WarnContext(ctx, "function not ready", "function", name, "err", err)
				http.Error(w, "not ready", http.StatusServiceUnavailable)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "OK")
	}
	mux.HandleFunc("GET /_/health", health)
	mux.HandleFunc("GET /_/ready", health)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.invoke(w, r, name, f) })
	return httpx.Wrap(mux, httpx.Options{Log: s.Log, Metrics: s.Metrics, TrustedProxies: s.TrustedProxies}), nil
}

func (s *Server) notFound(name string) error {
	names := strings.Join(s.AllNames(), ", ")
	return apperr.NotFound("function_not_found", "no function %q: the functions are %s", name, names).
		With("name", name).With("names", names)
}

// AllNames lists the account functions and the functions of the registered jobs.
func (s *Server) AllNames() []string {
	names := Names()
	if s.Jobs != nil {
		for _, j := range s.Jobs.Names() {
			names = append(names, JobPrefix+j)
		}
	}
	return names
}

// runJob runs a job once per invocation: 200 and the run when it succeeded, 500 and the
// run when it failed, 409 job_running when another instance holds its lease.
func (s *Server) runJob(job string) handlerFunc {
	return func(ctx context.Context, body []byte) (int, any, error) {
		run, err := s.Jobs.Run(ctx, job, "cron-connector")
		switch {
		case errors.Is(err, jobs.ErrBusy):
			return 0, nil, apperr.Conflict("job_running", "the job %s is already running on another instance", job)
		case run.ID == 0 || run.FinishedAt == nil:
			if err == nil {
				err = errors.New("job run not recorded")
			}
			return 0, nil, apperr.Internal(err)
		case err != nil:
			return http.StatusInternalServerError, run, nil
		}
		return http.StatusOK, run, nil
	}
}

// invoke runs one invocation: the gateway forwards POST /function/NAME[/path] as
// POST /[path] with the body untouched.
func (s *Server) invoke(w http.ResponseWriter, r *http.Request, name string, f handlerFunc) {
	start := time.Now()
	httpx.NoStore(w)
	status, err := s.run(w, r, f)
	if err != nil {
		status = httpx.Status(apperr.KindOf(err))
		httpx.WriteError(w, r, s.Log, err)
	}
	if s.Metrics != nil {
		s.Metrics.Function(name, status, time.Since(start))
	}
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, f handlerFunc) (int, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return 0, apperr.Invalid("method_not_allowed", "a function is invoked with POST, not %s", r.Method).With("method", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return 0, apperr.Unsupported("unsupported_media_type", "send JSON (Content-Type: application/json)")
		}
	}
	if s.Limiter != nil {
		if ok, wait := s.Limiter.Allow(audit.SourceFrom(r.Context()).IP); !ok {
			return 0, apperr.TooMany("too_many_attempts", wait, "too many attempts from your address: retry later")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return 0, apperr.Invalid("invalid_json", "the request body could not be read").With("detail", "the request body could not be read")
	}
	if len(body) > maxBody {
		return 0, apperr.TooLarge("request_too_large", "the request body is larger than %d bytes", maxBody).With("max", maxBody)
	}
	ctx := r.Context()
	if s.ExecTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.ExecTimeout)
		defer cancel()
	}
	status, out, err := f(ctx, body)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, apperr.Unavailable("overloaded", time.Second, "the function did not finish within its exec_timeout (%s)", s.ExecTimeout)
		}
		return 0, err
	}
	httpx.WriteJSON(w, status, out)
	return status, nil
}

// decode reads a JSON object into v: unknown fields and trailing data are refused.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var detail string
		switch {
		case errors.Is(err, io.EOF):
			detail = "the request body is empty: send a JSON object"
		case errors.As(err, &se):
			detail = "malformed JSON at byte " + itoa(se.Offset)
		case errors.As(err, &te):
			detail = "field " + te.Field + " must be a " + te.Type.String()
		default:
			detail = strings.TrimPrefix(err.Error(), "json: ")
		}
		return apperr.Invalid("invalid_json", "%s", detail).With("detail", detail)
	}
	if dec.More() {
		return apperr.Invalid("invalid_json", "unexpected data after the JSON object").With("detail", "unexpected data after the JSON object")
	}
	return nil
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// PasswordOutput is what generate-password answers.
type PasswordOutput struct {
	Login          string    `json:"login"`
	Password       string    `json:"password"`
	PasswordQR     string    `json:"password_qr"`
	TOTPURI        string    `json:"totp_uri"`
	TOTPQR         string    `json:"totp_qr"`
	RecoveryCodes  []string  `json:"recovery_codes"`
	ActivateBefore time.Time `json:"activate_before"`
}

func (s *Server) generatePassword(ctx context.Context, body []byte) (int, any, error) {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	if in.Token == "" {
		return 0, nil, apperr.Invalid("invalid_request", "token is required: the enrolment link's token").WithKey("invalid_request.token")
	}
	c, err := s.Accounts.OpenEnrollment(ctx, in.Token)
	if err != nil {
		return 0, nil, err
	}
	pwQR, err := qr.DataURL(c.Password, qrPixels)
	if err != nil {
		return 0, nil, apperr.Internal(err)
	}
	totpQR, err := qr.DataURL(c.OTPAuthURI, qrPixels)
	if err != nil {
		return 0, nil, apperr.Internal(err)
	}
	return http.StatusCreated, PasswordOutput{Login: c.Login, Password: c.Password, PasswordQR: pwQR,
		TOTPURI: c.OTPAuthURI, TOTPQR: totpQR, RecoveryCodes: c.RecoveryCodes, ActivateBefore: c.ActivateBefore.UTC()}, nil
}

type proofInput struct {
	Login        string `json:"login"`
	Password     string `json:"password"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

func readProof(body []byte, recovery bool) (account.Proof, error) {
	var in proofInput
	if err := decode(body, &in); err != nil {
		return account.Proof{}, err
	}
	if !recovery {
		in.RecoveryCode = ""
	}
	if in.Login == "" || in.Password == "" || (in.Code == "" && in.RecoveryCode == "") {
		return account.Proof{}, apperr.Invalid("invalid_request", "login, password and code (or recovery_code) are required")
	}
	if len(in.Password) > 256 || len(in.Login) > 256 || len(in.Code) > 64 || len(in.RecoveryCode) > 64 {
		return account.Proof{}, account.ErrInvalidCredentials
	}
	return account.Proof{Login: in.Login, Password: in.Password, Code: in.Code, RecoveryCode: in.RecoveryCode}, nil
}

// AccountOutput is what generate-2fa and authenticate answer.
type AccountOutput struct {
	Login               string     `json:"login"`
	Status              string     `json:"status"`
	CredentialsExpireAt *time.Time `json:"credentials_expire_at"`
}

func (s *Server) generate2FA(ctx context.Context, body []byte) (int, any, error) {
	p, err := readProof(body, false)
	if err != nil {
		return 0, nil, err
	}
	acc, err := s.Accounts.Activate(ctx, p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, AccountOutput{Login: acc.Login, Status: "active", CredentialsExpireAt: acc.ExpiresAt}, nil
}

// Renewal is the new enrolment link an expired, still renewable, account gets.
type Renewal struct {
	EnrollmentURL string    `json:"enrollment_url"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// ExpiredOutput is authenticate's answer to a right proof for expired credentials.
type ExpiredOutput struct {
	httpx.ErrorBody
	Renewal *Renewal `json:"renewal,omitempty"`
}

func (s *Server) authenticate(ctx context.Context, body []byte) (int, any, error) {
	p, err := readProof(body, true)
	if err != nil {
		return 0, nil, err
	}
	acc, err := s.Accounts.Login(ctx, p)
	if apperr.CodeOf(err) == "credentials_expired" {
		// The seed relaunches the creation process for expired credentials: during the
		// renewal grace a right proof gets a new enrolment link at once.
		var out ExpiredOutput
		e := apperr.As(err)
		out.Error.Code, out.Error.Message = e.Code, e.Message
		if p.RecoveryCode == "" {
			enr, rerr := s.Accounts.Renew(ctx, p)
			switch {
			case rerr == nil:
				out.Renewal = &Renewal{EnrollmentURL: enr.URL, ExpiresAt: enr.ExpiresAt.UTC()}
			case apperr.CodeOf(rerr) != "renewal_closed":
				return 0, nil, rerr
			}
		}
		return http.StatusForbidden, out, nil
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, AccountOutput{Login: acc.Login, Status: "authenticated", CredentialsExpireAt: acc.ExpiresAt}, nil
}
