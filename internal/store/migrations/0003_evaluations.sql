-- Competency referentials, evaluations, professional situations and their files.

-- A referential is a diploma's list of competencies and its result scale. Referentials
-- are shared by the platform: a diploma is national.
CREATE TABLE referentials (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    -- the ordered result scale, a JSON array of {"value","label"}
    scale TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

CREATE TABLE competencies (
    referential_id BIGINT NOT NULL REFERENCES referentials (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    block_code TEXT NOT NULL DEFAULT '',
    block_label TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    PRIMARY KEY (referential_id, code)
);

-- The MEF codes that prepare a referential's diploma: a prefix of the MEF (e.g. the
-- first 6 digits, dispositif + speciality group) or a full code.
CREATE TABLE referential_mefs (
    referential_id BIGINT NOT NULL REFERENCES referentials (id) ON DELETE CASCADE,
    mef_prefix TEXT NOT NULL,
    PRIMARY KEY (referential_id, mef_prefix)
);

CREATE TABLE evaluations (
    id {{id}},
    establishment_id BIGINT NOT NULL REFERENCES establishments (id),
    title TEXT NOT NULL,
    eval_date TEXT NOT NULL,
    level TEXT NOT NULL DEFAULT '',
    -- the class the evaluation was given to (its grid), '' when none
    class TEXT NOT NULL DEFAULT '',
    referential_id BIGINT NOT NULL REFERENCES referentials (id),
    -- the author: an account of the establishment, or none with author_name
    -- "ancien établissement" for evaluations received by transfer
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (establishment_id, id)
);
CREATE INDEX evaluations_establishment ON evaluations (establishment_id, eval_date);

CREATE TABLE evaluation_results (
    establishment_id BIGINT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    competency TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (establishment_id, evaluation_id, student_id, competency),
    FOREIGN KEY (establishment_id, evaluation_id) REFERENCES evaluations (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX evaluation_results_student ON evaluation_results (establishment_id, student_id);

CREATE TABLE evaluation_comments (
    establishment_id BIGINT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (establishment_id, evaluation_id, student_id),
    FOREIGN KEY (establishment_id, evaluation_id) REFERENCES evaluations (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX evaluation_comments_student ON evaluation_comments (establishment_id, student_id);

-- Professional situations (BAC or BEP level sheets), written by the student, evaluated
-- by teachers.
CREATE TABLE situations (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('bac', 'bep')),
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
CREATE INDEX situations_student ON situations (establishment_id, student_id);

-- Files a student attached to a situation. The content is in the blob store, addressed
-- by its SHA-256; the same content attached twice is stored once.
CREATE TABLE attachments (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    situation_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL,
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, situation_id) REFERENCES situations (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX attachments_situation ON attachments (establishment_id, situation_id);
CREATE INDEX attachments_sha256 ON attachments (sha256);
