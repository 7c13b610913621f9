package sso

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cartable/cartable/internal/apperr"
)

// DiscoveryTTL is how long a provider's discovery document is kept before it is read
// again. Its keys are fetched by go-oidc when a token names a key it does not know
// (rotation), whatever this says.
const DiscoveryTTL = time.Hour

// signingAlgs are the signatures an ID token may carry: what the provider announces,
// among these. Never "none", never HMAC (whose key would be the client secret).
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// oidcClient is what the discovery of a provider gave.
type oidcClient struct {
	key      string // the provider's settings it was made for
	fetched  time.Time
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
	// logout checks the signature, issuer and audience of logout tokens, whose other
	// claims checkLogout reads: it skips the expiry check, as some providers (Hydra
	// v2.3.0) send no exp in them.
	logout     *oidc.IDTokenVerifier
	endSession string
}

// oidcFor returns the OIDC client of a provider, reading its discovery document when
// none is cached, the settings changed or DiscoveryTTL passed.
func (s *Service) oidcFor(ctx context.Context, prov Provider) (*oidcClient, error) {
	key := fmt.Sprint(prov.Issuer, "\x00", prov.ClientID, "\x00", prov.Scopes, "\x00", prov.UpdatedAt.UnixNano())
	now := s.now()
	s.mu.Lock()
	c := s.oidc[prov.ID]
	s.mu.Unlock()
	if c != nil && c.key == key && now.Sub(c.fetched) < DiscoveryTTL {
		return c, nil
	}
	secret, err := s.clientSecret(ctx, prov.ID)
	if err != nil {
		return nil, err
	}
	hctx := oidc.ClientContext(ctx, s.hc)
	p, err := oidc.NewProvider(hctx, prov.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var meta struct {
		Algs       []string `json:"id_token_signing_alg_values_supported"`
		EndSession string   `json:"end_session_endpoint"`
		JWKS       string   `json:"jwks_uri"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var algs []string
	for _, a := range meta.Algs {
		if slices.Contains(signingAlgs, a) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		algs = []string{oidc.RS256} // the one every provider must support
	}
	// The keys are fetched with our client, outside any request's context: the key
	// set outlives the request that first needs it.
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), s.hc), meta.JWKS)
	c = &oidcClient{key: key, fetched: now, endSession: meta.EndSession,
		config: oauth2.Config{ClientID: prov.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(),
			RedirectURL: s.CallbackURL(prov.Name), Scopes: prov.Scopes},
		verifier: oidc.NewVerifier(prov.Issuer, keys, &oidc.Config{ClientID: prov.ClientID, SupportedSigningAlgs: algs, Now: s.now}),
		logout: oidc.NewVerifier(prov.Issuer, keys, &oidc.Config{ClientID: prov.ClientID, SupportedSigningAlgs: algs, Now: s.now,
			SkipExpiryCheck: true}),
	}
	s.mu.Lock()
	s.oidc[prov.ID] = c
	s.mu.Unlock()
	return c, nil
}

// forget drops the cached client of a provider whose settings changed.
func (s *Service) forget(id int64) {
	s.mu.Lock()
	delete(s.oidc, id)
	s.mu.Unlock()
}

// oidcIdentity is what a verified ID token says.
type oidcIdentity struct {
	external string
	sid      string
	raw      string
}

// Reasons of a refused OIDC login, stable for the audit trail.
const (
	ReasonProviderError  = "provider_error"     // the provider sent the browser back with an error
	ReasonStateMismatch  = "state_mismatch"     // the callback's state is not the flow's
	ReasonNoCode         = "no_code"            // no authorization code
	ReasonCodeExchange   = "code_exchange"      // the token endpoint refused the code (replayed, forged, wrong verifier)
	ReasonNoIDToken      = "no_id_token"        // the token response had no ID token
	ReasonSignature      = "id_token_signature" // not signed by a key of the provider (unknown key, alg none, tampered)
	ReasonExpired        = "id_token_expired"
	ReasonAudience       = "id_token_audience" // issued for another client
	ReasonIssuer         = "id_token_issuer"   // issued by another provider
	ReasonNonce          = "nonce_mismatch"    // the ID token answers another authorization request
	ReasonInvalidToken   = "id_token_invalid"
	ReasonIdentity       = "identity_missing" // no usable identifying claim
	ReasonDiscovery      = "discovery"        // the provider's metadata could not be read
	ReasonIdentityLength = "identity_too_long"
)

// refusal is a refused answer of a provider: the reason for the trail, and the
// provider's own words (or the library's), clipped.
type refusal struct {
	reason string
	detail string
}

func (r *refusal) Error() string { return r.reason + ": " + r.detail }

// verifyOIDC runs the end of an authorization code flow: state, code exchange with the
// PKCE verifier, ID token (signature through the provider's keys, issuer, audience,
// expiry), nonce, and the identifying claim.
func (s *Service) verifyOIDC(ctx context.Context, prov Provider, f flow, q map[string][]string) (oidcIdentity, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if e := get("error"); e != "" {
		return oidcIdentity{}, &refusal{ReasonProviderError, clip(e+": "+get("error_description"), 200)}
	}
	if !equal(get("state"), f.state) {
		return oidcIdentity{}, &refusal{ReasonStateMismatch, "the state is not the one sent"}
	}
	code := get("code")
	if code == "" {
		return oidcIdentity{}, &refusal{ReasonNoCode, "no code"}
	}
	c, err := s.oidcFor(ctx, prov)
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return oidcIdentity{}, err
		}
		return oidcIdentity{}, &refusal{ReasonDiscovery, clip(err.Error(), 200)}
	}
	tok, err := c.config.Exchange(oidc.ClientContext(ctx, s.hc), code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		return oidcIdentity{}, &refusal{ReasonCodeExchange, clip(err.Error(), 200)}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return oidcIdentity{}, &refusal{ReasonNoIDToken, "no id_token"}
	}
	idt, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return oidcIdentity{}, &refusal{verifyReason(err), clip(err.Error(), 200)}
	}
	if !equal(idt.Nonce, f.nonce) {
		return oidcIdentity{}, &refusal{ReasonNonce, "the nonce is not the one sent"}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return oidcIdentity{}, &refusal{ReasonInvalidToken, clip(err.Error(), 200)}
	}
	// OpenID Connect Core §3.1.3.7: with several audiences, azp must be this client.
	if len(idt.Audience) > 1 {
		if azp, _ := claims["azp"].(string); azp != prov.ClientID {
			return oidcIdentity{}, &refusal{ReasonAudience, "several audiences and another authorized party"}
		}
	}
	ext := claimString(claims[prov.IdentityName()])
	if ext == "" {
		return oidcIdentity{}, &refusal{ReasonIdentity, "no claim " + prov.IdentityName()}
	}
	sid, _ := claims["sid"].(string)
	return oidcIdentity{external: ext, sid: clip(sid, MaxExternalID), raw: raw}, nil
}

// claimString is a claim as an identity: a string, or a number written as JSON does.
func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", v), "0"), ".")
	}
	return ""
}

// LogoutTokenMaxAge is how old (by its iat) a logout token may be, and how far in the
// future its iat may lie (clock skew).
const LogoutTokenMaxAge = 5 * time.Minute

// checkLogout verifies a back-channel logout token (OpenID Connect Back-Channel Logout
// 1.0 §2.6) and returns its sid: signed by the provider for this client, with the
// logout event, a jti, no nonce (so an ID token is never taken for one), issued
// within LogoutTokenMaxAge, not expired when it says when it expires.
func (s *Service) checkLogout(ctx context.Context, c *oidcClient, raw string) (string, error) {
	t, err := c.logout.Verify(ctx, raw)
	if err != nil {
		return "", err
	}
	var claims struct {
		Events map[string]any `json:"events"`
		JTI    string         `json:"jti"`
		Nonce  *string        `json:"nonce"`
		SID    string         `json:"sid"`
		Exp    *float64       `json:"exp"`
	}
	if err := t.Claims(&claims); err != nil {
		return "", err
	}
	now := s.now()
	_, event := claims.Events["http://schemas.openid.net/event/backchannel-logout"]
	switch {
	case !event:
		return "", errors.New("oidc: not a logout token (no logout event)")
	case claims.Nonce != nil:
		return "", errors.New("oidc: a logout token has no nonce")
	case claims.JTI == "":
		return "", errors.New("oidc: a logout token without jti")
	case claims.SID == "":
		return "", errors.New("oidc: a logout token without sid")
	case t.IssuedAt.Before(now.Add(-LogoutTokenMaxAge)) || t.IssuedAt.After(now.Add(LogoutTokenMaxAge)):
		return "", errors.New("oidc: a logout token issued too long ago, or in the future")
	case claims.Exp != nil && !t.Expiry.After(now):
		return "", &oidc.TokenExpiredError{Expiry: t.Expiry}
	}
	return claims.SID, nil
}

// verifyReason classifies go-oidc's errors.
func verifyReason(err error) string {
	var exp *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &exp):
		return ReasonExpired
	case strings.Contains(msg, "expected audience"):
		return ReasonAudience
	case strings.Contains(msg, "issued by a different provider"):
		return ReasonIssuer
	case strings.Contains(msg, "malformed jwt"), strings.Contains(msg, "signature"), strings.Contains(msg, "verify"):
		return ReasonSignature
	}
	return ReasonInvalidToken
}
