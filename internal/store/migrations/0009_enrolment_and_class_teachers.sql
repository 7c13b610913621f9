-- Issue 10: the credentials of an opened enrolment link stay visible, in the browser that
-- opened it, until the account is activated or the link expires. They are kept encrypted
-- by the keyring (associated data: enrollments, reveal_enc, id) and bound to that
-- browser: viewer_hash is the SHA-256 of a random token held in its cookie only. Both
-- are cleared at activation, at a new link and when the account is disabled.
ALTER TABLE enrollments ADD COLUMN reveal_enc {{bytes}};
ALTER TABLE enrollments ADD COLUMN viewer_hash {{bytes}};

-- Issue 10: the classes a teacher is assigned to, by an administrator of the
-- establishment (later also by the timetable import). A teacher lands on them ("Mes
-- classes"). Owned by the student package, which owns the classes (students.class).
CREATE TABLE class_teachers (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    class TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_by BIGINT,
    created_at {{timestamp}} NOT NULL,
    PRIMARY KEY (establishment_id, class, account_id)
);
CREATE INDEX class_teachers_account ON class_teachers (account_id);
