-- Establishments, accounts, credentials, sessions and the audit trail.

CREATE TABLE establishments (
    id {{id}},
    uai TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    academie TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    transfers_send BOOLEAN NOT NULL DEFAULT FALSE,
    transfers_receive BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

-- An account's secrets (password hash, TOTP secret) are encrypted by the keyring with
-- associated data binding them to (accounts, column, id). They are NULL until the
-- enrolment link is opened: nothing secret exists before the user can receive it.
CREATE TABLE accounts (
    id {{id}},
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    password_enc {{bytes}},
    totp_secret_enc {{bytes}},
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    credentials_issued_at {{timestamp}},
    activated_at {{timestamp}},
    expires_at {{timestamp}},
    expiry_notified BOOLEAN NOT NULL DEFAULT FALSE,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until {{timestamp}},
    hard_locked_at {{timestamp}},
    last_login_at {{timestamp}},
    lang TEXT NOT NULL DEFAULT 'fr',
    self_signup BOOLEAN NOT NULL DEFAULT FALSE,
    created_by BIGINT,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);
CREATE INDEX accounts_expires_at ON accounts (expires_at);

-- Roles per establishment; platform-admin has no establishment.
CREATE TABLE memberships (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    establishment_id BIGINT REFERENCES establishments (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('platform-admin', 'admin', 'teacher', 'inspector', 'student', 'parent')),
    created_at {{timestamp}} NOT NULL,
    CHECK ((role = 'platform-admin') = (establishment_id IS NULL))
);
CREATE UNIQUE INDEX memberships_unique ON memberships (account_id, COALESCE(establishment_id, 0), role);
CREATE INDEX memberships_establishment ON memberships (establishment_id, role);

-- Single-use enrolment links. Only the SHA-256 of the token is kept.
CREATE TABLE enrollments (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash {{bytes}} NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    created_by BIGINT,
    created_at {{timestamp}} NOT NULL,
    expires_at {{timestamp}} NOT NULL,
    opened_at {{timestamp}},
    opened_ip TEXT,
    revoked_at {{timestamp}}
);
CREATE INDEX enrollments_account ON enrollments (account_id);

CREATE TABLE recovery_codes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash {{bytes}} NOT NULL,
    used_at {{timestamp}},
    PRIMARY KEY (account_id, code_hash)
);

-- Web sessions, API sessions and personal API tokens. Only the SHA-256 of the token is
-- kept. A web session in stage 'mfa' has passed the password step (or pretended to, for
-- an unknown login: pending_ok says which, and nothing else does).
CREATE TABLE sessions (
    id {{id}},
    token_hash {{bytes}} NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('web', 'api', 'personal')),
    stage TEXT NOT NULL CHECK (stage IN ('mfa', 'full')),
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    pending_login TEXT,
    pending_ok BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    last_seen_at {{timestamp}} NOT NULL,
    expires_at {{timestamp}} NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Platform-wide secrets (CSRF key, INE hashing key), encrypted by the keyring.
CREATE TABLE platform_secrets (
    name TEXT PRIMARY KEY,
    value_enc {{bytes}} NOT NULL,
    created_at {{timestamp}} NOT NULL
);

-- The audit trail: append-only, written in the transaction of the change it records.
-- No foreign keys: events outlive the accounts and establishments they mention.
CREATE TABLE audit_events (
    id {{id}},
    at {{timestamp}} NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'ok',
    actor_id BIGINT,
    actor_login TEXT NOT NULL DEFAULT '',
    target_id BIGINT,
    target_login TEXT NOT NULL DEFAULT '',
    establishment_id BIGINT,
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_target ON audit_events (target_id, at);
CREATE INDEX audit_events_establishment ON audit_events (establishment_id, at);
{{append_only audit_events}};
