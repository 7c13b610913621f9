package sso

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/store"
)

// Kind is the protocol of a provider.
type Kind string

// The protocols.
const (
	KindCAS  Kind = "cas"
	KindOIDC Kind = "oidc"
)

// Provider is an identity provider as administrators see it; it never holds the
// client secret.
type Provider struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Label   string `json:"label"`
	Kind    Kind   `json:"kind"`
	Enabled bool   `json:"enabled"`
	// CAS
	CASURL      string `json:"cas_url,omitempty"`
	CASProtocol int    `json:"cas_protocol,omitempty"`
	// OpenID Connect
	Issuer    string   `json:"issuer,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	HasSecret bool     `json:"has_client_secret,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	// Identity is the CAS attribute (empty: the CAS user) or the OIDC claim (empty:
	// sub) whose value names a person.
	Identity  string    `json:"identity,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// IdentityName is the attribute or claim that names a person, with its default.
func (p *Provider) IdentityName() string {
	switch {
	case p.Identity != "":
		return p.Identity
	case p.Kind == KindOIDC:
		return "sub"
	}
	return "user"
}

// ProviderInput is what an operator sets on a provider.
type ProviderInput struct {
	Name  string
	Label string
	Kind  Kind
	// Enabled defaults to true at creation; nil keeps it on update.
	Enabled     *bool
	CASURL      string
	CASProtocol int // 2 or 3 (default 3)
	Issuer      string
	ClientID    string
	// ClientSecret is required at creation of an OIDC provider; empty on update keeps
	// the stored one.
	ClientSecret string
	// Scopes default to openid, profile and email; openid is always asked.
	Scopes   []string
	Identity string
}

var (
	namePattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)
	identityPattern = regexp.MustCompile(`^[A-Za-z0-9_:.-]+$`)
	scopePattern    = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,100}$`) // RFC 6749 §3.3
	errNotOperator  = apperr.Forbidden("forbidden", "only a platform administrator declares identity providers")
	errNoProvider   = apperr.NotFound("sso_provider_not_found", "no such identity provider")
)

// checkURL accepts an absolute https URL, or http on the machine itself (tests, a
// demo): tickets and codes are validated over TLS in production.
func checkURL(field, raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	if err := apperr.CheckLen(field, raw, MaxURL); err != nil {
		return "", err
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Scheme != "https" && u.Scheme != "http") {
		return "", apperr.Invalid("invalid_url", "%s: an absolute https:// URL without query is needed", field).With("field", field)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return "", apperr.Invalid("insecure_url", "%s: https:// is required (http:// only on 127.0.0.1 or localhost)", field).With("field", field)
	}
	return raw, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// normalize checks in and fills its defaults.
func (in *ProviderInput) normalize(create bool) error {
	in.Name = strings.TrimSpace(in.Name)
	if !namePattern.MatchString(in.Name) {
		return apperr.Invalid("invalid_provider_name", "provider name %q: 2 to 32 characters among a-z 0-9 -, starting with a letter or digit", clip(in.Name, 40))
	}
	in.Label = strings.TrimSpace(in.Label)
	if in.Label == "" {
		in.Label = in.Name
	}
	if err := apperr.CheckLen("label", in.Label, MaxLabel); err != nil {
		return err
	}
	if err := apperr.CheckLen("identity", in.Identity, MaxIdentity); err != nil {
		return err
	}
	if in.Identity != "" && !identityPattern.MatchString(in.Identity) {
		return apperr.Invalid("invalid_identity", "identity: an attribute or claim name (A-Z a-z 0-9 _ : . -)")
	}
	var err error
	switch in.Kind {
	case KindCAS:
		if in.CASURL, err = checkURL("cas_url", in.CASURL); err != nil {
			return err
		}
		if in.CASProtocol == 0 {
			in.CASProtocol = 3
		}
		if in.CASProtocol != 2 && in.CASProtocol != 3 {
			return apperr.Invalid("invalid_cas_protocol", "cas_protocol: 2 or 3")
		}
		in.Issuer, in.ClientID, in.ClientSecret, in.Scopes = "", "", "", nil
	case KindOIDC:
		if in.Issuer, err = checkURL("issuer", in.Issuer); err != nil {
			return err
		}
		in.ClientID = strings.TrimSpace(in.ClientID)
		if in.ClientID == "" {
			return apperr.Invalid("client_id_required", "client_id: required")
		}
		if err := apperr.CheckLen("client_id", in.ClientID, MaxClientID); err != nil {
			return err
		}
		if create && in.ClientSecret == "" {
			return apperr.Invalid("client_secret_required", "client_secret: required")
		}
		if err := apperr.CheckLen("client_secret", in.ClientSecret, MaxSecret); err != nil {
			return err
		}
		if len(in.Scopes) == 0 {
			in.Scopes = []string{"openid", "profile", "email"}
		}
		if len(in.Scopes) > MaxScopes {
			return apperr.TooManyItems("scopes", MaxScopes)
		}
		seen, scopes := map[string]bool{"openid": true}, []string{"openid"}
		for _, sc := range in.Scopes {
			if !scopePattern.MatchString(sc) {
				return apperr.Invalid("invalid_scope", "scope %q: printable characters without spaces", clip(sc, 40)).With("scope", clip(sc, 40))
			}
			if !seen[sc] {
				seen[sc] = true
				scopes = append(scopes, sc)
			}
		}
		in.Scopes = scopes
		in.CASURL, in.CASProtocol = "", 3
	default:
		return apperr.Invalid("invalid_provider_kind", "kind: cas or oidc")
	}
	return nil
}

const providerColumns = `id, name, label, kind, enabled, cas_url, cas_protocol, oidc_issuer, oidc_client_id,
	oidc_client_secret_enc IS NOT NULL, oidc_scopes, identity, created_at, updated_at`

func scanProvider(sc interface{ Scan(...any) error }) (Provider, error) {
	var p Provider
	var scopes string
	err := sc.Scan(&p.ID, &p.Name, &p.Label, &p.Kind, &p.Enabled, &p.CASURL, &p.CASProtocol, &p.Issuer, &p.ClientID,
		&p.HasSecret, &scopes, &p.Identity, &p.CreatedAt, &p.UpdatedAt)
	if p.Kind == KindCAS {
		p.CASProtocol = max(p.CASProtocol, 2)
	} else {
		p.CASProtocol = 0
	}
	p.Scopes = strings.Fields(scopes)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// provider loads a provider by name.
func (s *Service) provider(ctx context.Context, name string) (Provider, error) {
	if !namePattern.MatchString(name) {
		return Provider{}, errNoProvider
	}
	p, err := scanProvider(s.db.QueryRow(ctx, `SELECT `+providerColumns+` FROM sso_providers WHERE name = $1`, name))
	if errors.Is(err, store.ErrNotFound) {
		return Provider{}, errNoProvider
	}
	return p, err
}

// Provider returns a provider by name (anyone may see what a login page shows).
func (s *Service) Provider(ctx context.Context, name string) (Provider, error) {
	return s.provider(ctx, name)
}

// Providers lists every provider, by name, for administrators (who choose which ones
// their establishments allow).
func (s *Service) Providers(ctx context.Context, p *authz.Principal) ([]Provider, error) {
	if !p.IsPlatformAdmin() && len(p.Establishments(authz.RoleAdmin)) == 0 {
		return nil, apperr.Forbidden("forbidden", "only administrators see the identity providers")
	}
	var out []Provider
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		pr, err := scanProvider(rows)
		out = append(out, pr)
		return err
	}, `SELECT `+providerColumns+` FROM sso_providers ORDER BY name`)
	return out, err
}

// CreateProvider declares an identity provider (platform administrators only).
func (s *Service) CreateProvider(ctx context.Context, p *authz.Principal, in ProviderInput) (Provider, error) {
	if !p.IsPlatformAdmin() {
		return Provider{}, errNotOperator
	}
	if err := in.normalize(true); err != nil {
		return Provider{}, err
	}
	enabled := in.Enabled == nil || *in.Enabled
	now := s.now()
	var out Provider
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		var id int64
		err := s.db.QueryRow(ctx, `INSERT INTO sso_providers (name, label, kind, enabled, cas_url, cas_protocol, oidc_issuer,
			oidc_client_id, oidc_scopes, identity, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			in.Name, in.Label, string(in.Kind), enabled, in.CASURL, in.CASProtocol, in.Issuer, in.ClientID,
			strings.Join(in.Scopes, " "), in.Identity, now).Scan(&id)
		if errors.Is(err, store.ErrConflict) {
			return apperr.Conflict("sso_provider_exists", "an identity provider is already called %s", in.Name).With("name", in.Name)
		}
		if err != nil {
			return err
		}
		if err := s.setSecret(ctx, id, in.ClientSecret); err != nil {
			return err
		}
		if out, err = s.provider(ctx, in.Name); err != nil {
			return err
		}
		return s.record(ctx, event{action: audit.SSOProviderSaved, provider: in.Name, actor: p.Actor(), detail: providerDetail(out, true)})
	})
	return out, err
}

// UpdateProvider changes a provider (platform administrators only); its name stays.
func (s *Service) UpdateProvider(ctx context.Context, p *authz.Principal, in ProviderInput) (Provider, error) {
	if !p.IsPlatformAdmin() {
		return Provider{}, errNotOperator
	}
	if err := in.normalize(false); err != nil {
		return Provider{}, err
	}
	var out Provider
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		old, err := s.provider(ctx, in.Name)
		if err != nil {
			return err
		}
		enabled := old.Enabled
		if in.Enabled != nil {
			enabled = *in.Enabled
		}
		if _, err := s.db.Exec(ctx, `UPDATE sso_providers SET label = $2, kind = $3, enabled = $4, cas_url = $5, cas_protocol = $6,
			oidc_issuer = $7, oidc_client_id = $8, oidc_scopes = $9, identity = $10, updated_at = $11 WHERE id = $1`,
			old.ID, in.Label, string(in.Kind), enabled, in.CASURL, in.CASProtocol, in.Issuer, in.ClientID,
			strings.Join(in.Scopes, " "), in.Identity, s.now()); err != nil {
			return err
		}
		switch {
		case in.Kind == KindCAS:
			_, err = s.db.Exec(ctx, `UPDATE sso_providers SET oidc_client_secret_enc = NULL WHERE id = $1`, old.ID)
		case in.ClientSecret != "":
			err = s.setSecret(ctx, old.ID, in.ClientSecret)
		case !old.HasSecret:
			err = apperr.Invalid("client_secret_required", "client_secret: required")
		}
		if err != nil {
			return err
		}
		if out, err = s.provider(ctx, in.Name); err != nil {
			return err
		}
		d := providerDetail(out, false)
		d["secret_changed"] = in.ClientSecret != ""
		return s.record(ctx, event{action: audit.SSOProviderSaved, provider: in.Name, actor: p.Actor(), detail: d})
	})
	if err == nil {
		s.forget(out.ID)
	}
	return out, err
}

func providerDetail(p Provider, created bool) map[string]any {
	d := map[string]any{"created": created, "kind": string(p.Kind), "enabled": p.Enabled, "identity": p.IdentityName()}
	if p.Kind == KindCAS {
		d["cas_url"], d["cas_protocol"] = p.CASURL, p.CASProtocol
	} else {
		d["issuer"], d["client_id"] = p.Issuer, p.ClientID
	}
	return d
}

func (s *Service) setSecret(ctx context.Context, id int64, secret string) error {
	if secret == "" {
		return nil
	}
	enc, err := s.keys.Encrypt([]byte(secret), secretAD(id))
	if err != nil {
		return apperr.Internal(err)
	}
	_, err = s.db.Exec(ctx, `UPDATE sso_providers SET oidc_client_secret_enc = $2 WHERE id = $1`, id, enc)
	return err
}

// clientSecret decrypts a provider's client secret.
func (s *Service) clientSecret(ctx context.Context, id int64) (string, error) {
	var enc []byte
	if err := s.db.QueryRow(ctx, `SELECT oidc_client_secret_enc FROM sso_providers WHERE id = $1`, id).Scan(&enc); err != nil {
		return "", err
	}
	b, err := s.keys.Decrypt(enc, secretAD(id))
	if err != nil {
		return "", apperr.Internal(err)
	}
	return string(b), nil
}

// ReadableSecrets decrypts every client secret kept, with the keys in use, and returns
// how many there are: after a key rotation, each one must still open.
func (s *Service) ReadableSecrets(ctx context.Context) (int, error) {
	var ids []int64
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	}, `SELECT id FROM sso_providers WHERE oidc_client_secret_enc IS NOT NULL ORDER BY id`)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := s.clientSecret(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// Input returns what an update keeps of p: every setting, the client secret kept
// (empty), the enabled state unchanged (nil).
func (p Provider) Input() ProviderInput {
	return ProviderInput{Name: p.Name, Label: p.Label, Kind: p.Kind, CASURL: p.CASURL, CASProtocol: p.CASProtocol,
		Issuer: p.Issuer, ClientID: p.ClientID, Scopes: p.Scopes, Identity: p.Identity}
}
