-- cartable:foreign-keys-off
-- Professional situations get the CAP level (issue 10). SQLite cannot alter a CHECK:
-- the table is rebuilt (the 12-step procedure of https://www.sqlite.org/lang_altertable.html),
-- with foreign keys off so that dropping the old table does not cascade to the
-- attachments; the runner checks PRAGMA foreign_key_check before committing.
CREATE TABLE situations_new (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('bac', 'bep', 'cap')),
    context TEXT NOT NULL DEFAULT '',
    period TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    -- JSON array of competency codes
    competencies TEXT NOT NULL DEFAULT '[]',
    referential_id BIGINT REFERENCES referentials (id),
    evaluator TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL DEFAULT '',
    evaluated_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    evaluated_at {{timestamp}},
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
INSERT INTO situations_new (id, establishment_id, student_id, level, context, period, company, title, description,
    competencies, referential_id, evaluator, result, comment, author_id, author_name, evaluated_by, evaluated_at,
    created_at, updated_at)
SELECT id, establishment_id, student_id, level, context, period, company, title, description,
    competencies, referential_id, evaluator, result, comment, author_id, author_name, evaluated_by, evaluated_at,
    created_at, updated_at FROM situations;
-- A deleted sheet's id is never handed out again: the new table goes on from the old
-- table's sequence, not from its highest remaining id.
DELETE FROM sqlite_sequence WHERE name = 'situations_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'situations_new', seq FROM sqlite_sequence WHERE name = 'situations';
DROP TABLE situations;
ALTER TABLE situations_new RENAME TO situations;
CREATE INDEX situations_student ON situations (establishment_id, student_id);
CREATE INDEX situations_author ON situations (author_id);
CREATE INDEX situations_evaluated_by ON situations (evaluated_by);
