-- Single sign-on (issue 11, docs/decisions/0014-sso.md): identity providers (CAS, OpenID
-- Connect), which ones each establishment allows, the policy per establishment and role,
-- links between an account and an external identity, login flows kept server-side, and
-- the sessions an SSO login opened (for single logout).

-- An identity provider. name is the stable key that appears in URLs (the CAS service
-- URL, the OIDC redirect URI). The OIDC client secret is encrypted by the keyring,
-- bound to (sso_providers, oidc_client_secret_enc, id).
CREATE TABLE sso_providers (
    id {{id}},
    name TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cas', 'oidc')),
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- CAS: base URL (…/cas), protocol 2 or 3
    cas_url TEXT NOT NULL DEFAULT '',
    cas_protocol INTEGER NOT NULL DEFAULT 3,
    -- OIDC: issuer (discovery at issuer/.well-known/openid-configuration), client
    oidc_issuer TEXT NOT NULL DEFAULT '',
    oidc_client_id TEXT NOT NULL DEFAULT '',
    oidc_client_secret_enc {{bytes}},
    oidc_scopes TEXT NOT NULL DEFAULT '',
    -- the attribute (CAS; empty: cas:user) or claim (OIDC; empty: sub) naming a person
    identity TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

-- The providers an establishment lets its people use.
CREATE TABLE sso_establishment_providers (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    created_at {{timestamp}} NOT NULL,
    PRIMARY KEY (establishment_id, provider_id)
);
CREATE INDEX sso_establishment_providers_provider ON sso_establishment_providers (provider_id);

-- How the people of a role log in, per establishment; a missing row is the default
-- (sso.DefaultPolicy).
CREATE TABLE sso_policies (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    policy TEXT NOT NULL CHECK (policy IN ('sso_only', 'sso_then_totp', 'cartable_only')),
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (establishment_id, role)
);

-- An external identity (provider, external_id) reaches one account, and an account has
-- at most one identity per provider. origin: self (the person, after a cartable
-- login), admin, import.
CREATE TABLE sso_links (
    id {{id}},
    provider_id BIGINT NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    origin TEXT NOT NULL CHECK (origin IN ('self', 'admin', 'import')),
    created_by BIGINT,
    created_at {{timestamp}} NOT NULL,
    last_used_at {{timestamp}}
);
CREATE UNIQUE INDEX sso_links_identity ON sso_links (provider_id, external_id);
CREATE UNIQUE INDEX sso_links_account ON sso_links (account_id, provider_id);

-- A login (or link) under way: single use (deleted when the browser comes back), valid
-- a few minutes. Only the SHA-256 of the browser's flow token is kept; state and nonce
-- travel in URLs anyway; the PKCE verifier is useless without the authorization code,
-- which only the browser sees, and dies with the row.
CREATE TABLE sso_flows (
    token_hash {{bytes}} PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'link')),
    state TEXT NOT NULL,
    nonce TEXT NOT NULL DEFAULT '',
    verifier TEXT NOT NULL DEFAULT '',
    return_to TEXT NOT NULL DEFAULT '',
    -- the account a link is made for (purpose link)
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at {{timestamp}} NOT NULL,
    expires_at {{timestamp}} NOT NULL
);
CREATE INDEX sso_flows_expires_at ON sso_flows (expires_at);

-- The cartable session an SSO login opened (a pending second step too), with the
-- provider's session index: the CAS service ticket, or the OIDC sid. A single-logout
-- request names it. The ID token (for the RP-initiated logout's id_token_hint) is
-- encrypted, bound to (sso_sessions, id_token_enc, session_id).
CREATE TABLE sso_sessions (
    session_id BIGINT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    provider_id BIGINT NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    session_index TEXT NOT NULL DEFAULT '',
    id_token_enc {{bytes}},
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX sso_sessions_index ON sso_sessions (provider_id, session_index);
