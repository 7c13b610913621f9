// Package api is the JSON API v1 (/api/v1/…), authenticated by bearer tokens. Its
// contract is docs/openapi.yaml, served at /api/v1/openapi.yaml. API types are defined
// here, apart from the services' types, so the contract changes only on purpose.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/app"
	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/httpx"
)

// Server is the API: the services, and what only the API needs.
type Server struct {
	*app.Services
	// AuthLimiter limits login-like requests per client address.
	AuthLimiter *httpx.Limiter
	// SignupLimiter limits self sign-ups per client address.
	SignupLimiter *httpx.Limiter
	// OpenAPI is the API description served at /api/v1/openapi.yaml.
	OpenAPI []byte
}

// handlerFunc is an API handler: it returns an error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// authFunc is a handler that needs an authenticated principal.
type authFunc func(w http.ResponseWriter, r *http.Request, p *authz.Principal) error

// Register adds the API routes to mux and returns them.
func (s *Server) Register(mux *http.ServeMux) []httpx.Route {
	var routes []httpx.Route
	open := func(pattern string, h handlerFunc) {
		routes = append(routes, httpx.Route{Pattern: pattern})
		mux.Handle(pattern, s.wrap(h))
	}
	authed := func(pattern string, h authFunc) {
		routes = append(routes, httpx.Route{Pattern: pattern, Auth: true})
		mux.Handle(pattern, s.wrap(s.authenticated(h)))
	}
	open("GET /api/v1/openapi.yaml", s.openapi)
	open("GET /api/v1/enrollments/{token}", s.limited(s.openEnrollment))
	open("POST /api/v1/activation", s.limited(s.activate))
	open("POST /api/v1/sessions", s.limited(s.login))
	open("POST /api/v1/renewals", s.limited(s.renew))
	open("POST /api/v1/signups", s.signup)
	authed("DELETE /api/v1/sessions/current", s.logout)
	authed("GET /api/v1/me", s.me)
	authed("GET /api/v1/me/sessions", s.mySessions)
	authed("DELETE /api/v1/me/sessions/{id}", s.revokeMySession)
	authed("GET /api/v1/accounts", s.listAccounts)
	authed("POST /api/v1/accounts", s.createAccount)
	authed("GET /api/v1/accounts/{id}", s.getAccount)
	authed("POST /api/v1/accounts/{id}/reissue", s.reissueAccount)
	authed("POST /api/v1/accounts/{id}/unlock", s.unlockAccount)
	authed("POST /api/v1/accounts/{id}/expire", s.expireAccount)
	authed("POST /api/v1/accounts/{id}/disable", s.disableAccount)
	authed("GET /api/v1/audit", s.listAudit)
	authed("GET /api/v1/establishments", s.listEstablishments)
	authed("POST /api/v1/establishments", s.createEstablishment)
	authed("GET /api/v1/establishments/{uai}", s.getEstablishment)
	authed("PATCH /api/v1/establishments/{uai}", s.updateEstablishment)
	authed("GET /api/v1/establishments/{uai}/students", s.listStudents)
	authed("GET /api/v1/establishments/{uai}/students/{id}", s.getStudent)
	authed("GET /api/v1/establishments/{uai}/classes", s.listClasses)
	authed("POST /api/v1/establishments/{uai}/imports/siecle", s.importSiecle)
	authed("POST /api/v1/establishments/{uai}/imports/nomenclature", s.importNomenclature)
	authed("GET /api/v1/establishments/{uai}/imports", s.listImports)
	authed("GET /api/v1/establishments/{uai}/imports/{id}", s.getImport)
	authed("GET /api/v1/me/students", s.myStudentRecords)
	authed("GET /api/v1/me/passport", s.myPassport)
	authed("GET /api/v1/me/passport.zip", s.myPassportZIP)
	authed("GET /api/v1/referentials", s.listReferentials)
	authed("GET /api/v1/referentials/{code}", s.getReferential)
	authed("PUT /api/v1/referentials/{code}", s.putReferential)
	authed("GET /api/v1/establishments/{uai}/evaluations", s.listEvaluations)
	authed("POST /api/v1/establishments/{uai}/evaluations", s.createEvaluation)
	authed("GET /api/v1/establishments/{uai}/evaluations/{id}", s.getEvaluation)
	authed("PUT /api/v1/establishments/{uai}/evaluations/{id}/results", s.saveResults)
	authed("DELETE /api/v1/establishments/{uai}/evaluations/{id}", s.deleteEvaluation)
	authed("GET /api/v1/establishments/{uai}/students/{id}/results", s.studentResults)
	authed("GET /api/v1/establishments/{uai}/students/{id}/passport", s.studentPassport)
	authed("GET /api/v1/establishments/{uai}/students/{id}/situations", s.listSituations)
	authed("POST /api/v1/establishments/{uai}/students/{id}/situations", s.createSituation)
	authed("PUT /api/v1/establishments/{uai}/students/{id}/situations/{sid}", s.updateSituation)
	authed("PUT /api/v1/establishments/{uai}/students/{id}/situations/{sid}/assessment", s.assessSituation)
	authed("POST /api/v1/establishments/{uai}/students/{id}/situations/{sid}/attachments", s.addAttachment)
	authed("GET /api/v1/establishments/{uai}/students/{id}/attachments/{aid}", s.getAttachment)
	authed("GET /api/v1/establishments/{uai}/transfers", s.transfers)
	authed("POST /api/v1/establishments/{uai}/transfers/requests/{id}/confirm", s.confirmTransfer)
	authed("POST /api/v1/establishments/{uai}/transfers/requests/{id}/refuse", s.refuseTransfer)
	authed("GET /api/v1/jobs", s.listJobRuns)
	authed("POST /api/v1/jobs/{job}/runs", s.runJob)
	authed("GET /api/v1/me/notices", s.myNotices)
	s.registerSSO(authed)
	s.graduationRoutes(authed)
	s.schoolYearRoutes(authed)
	s.marksRoutes(authed)
	s.agreementRoutes(authed)
	// Unknown API paths answer JSON, not the web's HTML 404.
	mux.Handle("/api/", s.wrap(func(http.ResponseWriter, *http.Request) error {
		return apperr.NotFound("not_found", "no such API endpoint")
	}))
	return routes
}

func (s *Server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			httpx.WriteError(w, r, s.Log, err)
		}
	})
}

type principalKey struct{}

// passportOnlyRoutes are what a student who left may still use (seed 001, section d).
var passportOnlyRoutes = map[string]bool{
	"GET /api/v1/me":                  true,
	"GET /api/v1/me/passport":         true,
	"GET /api/v1/me/passport.zip":     true,
	"GET /api/v1/me/notices":          true,
	"DELETE /api/v1/sessions/current": true,
}

// authenticated checks the bearer token and passes the principal to h.
func (s *Server) authenticated(h authFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cartable"`)
			return apperr.Unauthenticated("unauthenticated", "this endpoint needs an Authorization: Bearer token")
		}
		p, err := s.Accounts.Authenticate(r.Context(), token, account.KindAPI, account.KindPersonal)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cartable", error="invalid_token"`)
			return err
		}
		// Every route of an establishment checks first that the caller has a role there:
		// nothing of the request (body, other ids) is looked at before.
		if uai := r.PathValue("uai"); uai != "" {
			if _, err := s.Establishments.Resolve(r.Context(), p, uai); err != nil {
				return err
			}
		}
		if p.PassportOnly && !passportOnlyRoutes[r.Pattern] {
			return apperr.Forbidden("passport_only", "your establishment deactivated your account: until %s you can only download your passport (GET /api/v1/me/passport.zip)",
				calendar.Date(p.AccessUntil))
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), p)
	}
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// limited applies the per-IP token bucket of login-like requests.
func (s *Server) limited(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.AuthLimiter != nil {
			if ok, wait := s.AuthLimiter.Allow(audit.SourceFrom(r.Context()).IP); !ok {
				return apperr.TooMany("too_many_attempts", wait, "too many attempts from your address: retry later")
			}
		}
		return h(w, r)
	}
}

// maxBody caps JSON request bodies: nothing in this API needs more.
const maxBody = 1 << 20

// decode reads a JSON body into v, refusing other content types, unknown fields and
// trailing data, with messages that say what is wrong.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return apperr.Unsupported("unsupported_media_type", "send JSON (Content-Type: application/json)")
		}
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return apperr.Invalid("invalid_json", "the request body is empty: send a JSON object")
		case errors.As(err, &se):
			return apperr.Invalid("invalid_json", "malformed JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return apperr.Invalid("invalid_json", "field %q must be a %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return apperr.Invalid("invalid_json", "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return apperr.Invalid("invalid_json", "invalid JSON body")
	}
	if dec.More() {
		return apperr.Invalid("invalid_json", "unexpected data after the JSON object")
	}
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, err := w.Write(s.OpenAPI)
	return err
}
