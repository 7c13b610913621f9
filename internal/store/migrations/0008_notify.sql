-- Notifications (issue 12, docs/decisions/0018-notifications.md): the notices a person
-- reads on "Mon compte", the e-mail address he confirmed, and the outbox of e-mails a job
-- sends.

-- A notice: an i18n message key and its named parameters, written in the reader's
-- language when shown or sent. once_key, when not empty, makes a notice be given once
-- per account (the credential-expiry reminders: "expiry30:2026-06-30").
CREATE TABLE notify_notices (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    msg_key TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    once_key TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    read_at {{timestamp}}
);
CREATE INDEX notify_notices_account ON notify_notices (account_id, created_at);
CREATE UNIQUE INDEX notify_notices_once ON notify_notices (account_id, once_key) WHERE once_key <> '';

-- The e-mail address of an account: email is the confirmed one ('' for none), pending the
-- one waiting for its confirmation link, whose token is kept hashed (SHA-256).
CREATE TABLE notify_addresses (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL DEFAULT '',
    verified_at {{timestamp}},
    pending TEXT NOT NULL DEFAULT '',
    token_hash {{bytes}},
    token_expires_at {{timestamp}},
    updated_at {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX notify_addresses_token ON notify_addresses (token_hash);

-- The e-mails to send, written in the transaction of the change that caused them. kind
-- notice: the notice's text to the confirmed address; verify: the confirmation link
-- (its token encrypted by the keyring in secret_enc, bound to (notify_outbox, secret_enc,
-- ref)) to the pending address. A sender claims rows (claimed_by, claimed_until) before
-- sending, so two instances never send the same row; a failure counts an attempt and
-- waits (next_attempt_at) before the next; after the last attempt the row is failed.
CREATE TABLE notify_outbox (
    id {{id}},
    ref TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('notice', 'verify')),
    msg_key TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    secret_enc {{bytes}},
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{timestamp}} NOT NULL,
    claimed_by TEXT NOT NULL DEFAULT '',
    claimed_until {{timestamp}},
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    sent_at {{timestamp}}
);
CREATE INDEX notify_outbox_due ON notify_outbox (status, next_attempt_at);
CREATE INDEX notify_outbox_account ON notify_outbox (account_id);
