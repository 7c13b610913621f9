package sso

import (
	"context"
	"database/sql"
	"net/url"

	"github.com/cartable/cartable/internal/apperr"
	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/cas"
)

// errBadLogout answers a logout request that is not one.
var errBadLogout = apperr.Invalid("sso_bad_logout_request", "not a logout request of this provider")

// CASSingleLogout honours a single-logout request a provider's CAS server posted to
// CallbackURL(provider) (form field logoutRequest): it ends the cartable sessions
// opened with the service ticket it names, and returns how many. Such requests are not
// signed: knowing a ticket (already validated, so useless to log in) is enough to end
// the session it opened, as with every CAS client. A request that is not one is
// refused and audited; one for a session already ended is ignored.
func (s *Service) CASSingleLogout(ctx context.Context, provider, logoutRequest string) (int, error) {
	prov, err := s.provider(ctx, provider)
	if err != nil {
		return 0, err
	}
	if prov.Kind != KindCAS {
		return 0, errBadLogout
	}
	lr, err := cas.ParseLogoutRequest(logoutRequest)
	if err != nil {
		return 0, s.refused(ctx, event{action: audit.SSOSingleLogout, provider: prov.Name, reason: "cas_" + cas.ReasonOf(err),
			detail: map[string]any{"error": clip(err.Error(), 200)}}, errBadLogout)
	}
	return s.endSessions(ctx, prov, lr.SessionIndex, "cas_single_logout")
}

// BackChannelLogout honours an OpenID Connect back-channel logout token a provider
// posted to BackChannelLogoutURL(provider) (form field logout_token): signed by the
// provider, for this client, with a session id (sid) — the client is registered with
// backchannel_logout_session_required (see checkLogout). It ends the cartable sessions opened in that
// provider session, and returns how many.
func (s *Service) BackChannelLogout(ctx context.Context, provider, logoutToken string) (int, error) {
	prov, err := s.provider(ctx, provider)
	if err != nil {
		return 0, err
	}
	if prov.Kind != KindOIDC || len(logoutToken) > MaxBody {
		return 0, errBadLogout
	}
	c, err := s.oidcFor(ctx, prov)
	if err != nil {
		return 0, err
	}
	sid, err := s.checkLogout(ctx, c, logoutToken)
	if err != nil {
		return 0, s.refused(ctx, event{action: audit.SSOSingleLogout, provider: prov.Name, reason: verifyReason(err),
			detail: map[string]any{"error": clip(err.Error(), 200)}}, errBadLogout)
	}
	return s.endSessions(ctx, prov, sid, "oidc_backchannel_logout")
}

// endSessions ends the sessions a provider session opened, each audited as a logout.
func (s *Service) endSessions(ctx context.Context, prov Provider, index, by string) (int, error) {
	if index == "" {
		return 0, nil
	}
	var ids []int64
	var external string
	err := s.db.Each(ctx, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id, &external)
		ids = append(ids, id)
		return err
	}, `SELECT session_id, external_id FROM sso_sessions WHERE provider_id = $1 AND session_index = $2`, prov.ID, index)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ended, err := s.accounts.EndSession(ctx, id, map[string]any{"by": by, "provider": prov.Name, "identity": external})
		if err != nil {
			return n, err
		}
		if ended {
			n++
		}
	}
	return n, nil
}

// LogoutURL is where to send the browser of a session being logged out so that it also
// leaves the provider's session, then comes back to after (registered at the
// provider): the CAS logout URL, or the OIDC end-session endpoint with the ID token as
// hint (RP-initiated logout). It is "" for a session a provider did not open, or a
// provider without such an endpoint. Call it before ending the cartable session.
func (s *Service) LogoutURL(ctx context.Context, sessionID int64, after string) (string, error) {
	k, err := s.keptSession(ctx, sessionID)
	if err != nil || k == nil {
		return "", err
	}
	var prov Provider
	prov, err = scanProvider(s.db.QueryRow(ctx, `SELECT `+providerColumns+` FROM sso_providers WHERE id = $1`, k.providerID))
	if err != nil {
		return "", err
	}
	switch prov.Kind {
	case KindCAS:
		c, err := cas.New(prov.CASURL, prov.CASProtocol, s.hc)
		if err != nil {
			return "", apperr.Internal(err)
		}
		return c.LogoutURL(after), nil
	}
	c, err := s.oidcFor(ctx, prov)
	if err != nil || c.endSession == "" {
		return "", err
	}
	u, err := url.Parse(c.endSession)
	if err != nil {
		return "", nil
	}
	q := u.Query()
	if k.idToken != "" {
		q.Set("id_token_hint", k.idToken)
	}
	q.Set("client_id", prov.ClientID)
	if after != "" {
		q.Set("post_logout_redirect_uri", after)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// AfterLogoutURL is where a provider's logout sends the browser back: cartable's login
// page, BaseURL + "/login" (register it at OpenID Connect providers as a
// post_logout_redirect_uri).
func (s *Service) AfterLogoutURL() string { return s.baseURL + "/login" }
