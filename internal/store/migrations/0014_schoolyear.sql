-- Issue 14, part A: the school year (docs/school-year.md, docs/decisions/0023-school-year.md).
-- Owned by internal/schoolyear. Civil dates are TEXT 'YYYY-MM-DD' (0006).

-- A school year of an establishment: start_year 2026 is the year 2026-2027.
CREATE TABLE school_years (
    id {{id}},
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    start_year INTEGER NOT NULL CHECK (start_year BETWEEN 1900 AND 2999),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    -- 'trimestre' (3 periods) or 'semestre' (2 periods)
    period_kind TEXT NOT NULL CHECK (period_kind IN ('trimestre', 'semestre')),
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (establishment_id, start_year),
    UNIQUE (establishment_id, id)
);

-- The periods of a year (trimestres or semestres). A closed period is read-only.
CREATE TABLE school_periods (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    year_id BIGINT NOT NULL,
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 3),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    closed_at {{timestamp}},
    closed_by BIGINT,
    UNIQUE (year_id, position),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, year_id) REFERENCES school_years (establishment_id, id) ON DELETE CASCADE
);

-- The classes (divisions) of a year.
CREATE TABLE school_classes (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    year_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    mef TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL DEFAULT 0 CHECK (capacity BETWEEN 0 AND 1000),
    -- the professeur principal
    main_teacher_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (year_id, code),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, year_id) REFERENCES school_years (establishment_id, id) ON DELETE CASCADE
);

-- The enrolment of a pupil for a year: pre-enrolled -> enrolled -> left. The
-- end-of-year results (decision, next MEF, orientation, diploma) are kept on it.
CREATE TABLE school_enrolments (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    year_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    class_id BIGINT,
    mef TEXT NOT NULL DEFAULT '',
    groups TEXT NOT NULL DEFAULT '',
    regime TEXT NOT NULL DEFAULT '' CHECK (regime IN ('', 'externe', 'demi-pensionnaire', 'interne')),
    status TEXT NOT NULL CHECK (status IN ('pre-enrolled', 'enrolled', 'left')),
    -- how the enrolment came: 'siecle', 'manual', 'campaign', 'migration'
    source TEXT NOT NULL DEFAULT 'manual',
    left_on TEXT NOT NULL DEFAULT '',
    left_reason TEXT NOT NULL DEFAULT '',
    destination TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'passage', 'redoublement', 'orientation', 'depart')),
    next_mef TEXT NOT NULL DEFAULT '',
    orientation TEXT NOT NULL DEFAULT '',
    diploma TEXT NOT NULL DEFAULT '',
    diploma_result TEXT NOT NULL DEFAULT '' CHECK (diploma_result IN ('', 'admis', 'ajourne', 'absent')),
    diploma_mention TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (year_id, student_id),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, year_id) REFERENCES school_years (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, class_id) REFERENCES school_classes (establishment_id, id)
);
CREATE INDEX school_enrolments_class ON school_enrolments (class_id);
CREATE INDEX school_enrolments_student ON school_enrolments (student_id);

-- Teaching services: a subject taught to a class (or a group of a year) by a teacher,
-- with its coefficient in hundredths (100 = 1).
CREATE TABLE school_services (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    year_id BIGINT NOT NULL,
    class_id BIGINT,
    group_code TEXT NOT NULL DEFAULT '',
    subject_code TEXT NOT NULL,
    subject_label TEXT NOT NULL DEFAULT '',
    teacher_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    coefficient INTEGER NOT NULL DEFAULT 100 CHECK (coefficient BETWEEN 0 AND 10000),
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    CHECK ((class_id IS NULL) <> (group_code = '')),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, year_id) REFERENCES school_years (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, class_id) REFERENCES school_classes (establishment_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX school_services_unique ON school_services (year_id, COALESCE(class_id, 0), group_code, subject_code, COALESCE(teacher_id, 0));
CREATE INDEX school_services_teacher ON school_services (teacher_id);
CREATE INDEX school_services_class ON school_services (class_id);

-- Attestations de scolarité: each has a verification URL signed by the platform
-- (HMAC); revoked_at set, the URL answers "revoked".
CREATE TABLE school_attestations (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    year_id BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    issued_at {{timestamp}} NOT NULL,
    issued_by BIGINT,
    revoked_at {{timestamp}},
    revoked_by BIGINT,
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, year_id) REFERENCES school_years (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX school_attestations_student ON school_attestations (student_id);
