-- Issue 10: the credentials of an opened enrolment link stay visible, in the browser that
-- opened it, until the account is activated or the link expires. They are kept encrypted
-- by the keyring (associated data: enrollments, reveal_enc, id) and bound to that
-- browser: viewer_hash is the SHA-256 of a random token held in its cookie only. Both
-- are cleared at activation, at a new link and when the account is disabled.
ALTER TABLE enrollments ADD COLUMN reveal_enc {{bytes}};
ALTER TABLE enrollments ADD COLUMN viewer_hash {{bytes}};
