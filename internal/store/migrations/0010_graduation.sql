-- Higher education and the graduation tracker "Pass'Diplôme" (issue 12,
-- docs/decisions/0017-graduation.md, docs/graduation.md).

-- An establishment is of secondary or higher education (both have a UAI).
ALTER TABLE establishments ADD COLUMN sector TEXT NOT NULL DEFAULT 'secondary' CHECK (sector IN ('secondary', 'higher'));

-- memberships gains the higher-education roles: office (scolarité), programme director,
-- jury member. Rebuilt because both engines cannot change a CHECK in place.
CREATE TABLE memberships_new (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    establishment_id BIGINT REFERENCES establishments (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('platform-admin', 'admin', 'teacher', 'inspector', 'student', 'parent',
        'office', 'programme-director', 'jury')),
    created_at {{timestamp}} NOT NULL,
    CHECK ((role = 'platform-admin') = (establishment_id IS NULL))
);
INSERT INTO memberships_new (account_id, establishment_id, role, created_at)
    SELECT account_id, establishment_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE UNIQUE INDEX memberships_unique ON memberships (account_id, COALESCE(establishment_id, 0), role);
CREATE INDEX memberships_establishment ON memberships (establishment_id, role);

-- Programmes (formations) of a higher-education establishment.
CREATE TABLE programmes (
    id {{id}},
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    -- e.g. "Bac+5", "Master", "Diplôme d'ingénieur"
    level TEXT NOT NULL DEFAULT '',
    duration_years INTEGER NOT NULL CHECK (duration_years BETWEEN 1 AND 10),
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (establishment_id, code),
    UNIQUE (establishment_id, id)
);

-- Cohorts (promotions) of a programme. jury_date is a civil date YYYY-MM-DD (0006).
CREATE TABLE cohorts (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    programme_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    entry_year INTEGER NOT NULL,
    graduation_year INTEGER NOT NULL,
    jury_date TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (establishment_id, code),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, programme_id) REFERENCES programmes (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX cohorts_programme ON cohorts (programme_id);

-- The cohort a student belongs to (one at a time), his year of study and the e-mail
-- address the registrar gave (a verified address for notices).
CREATE TABLE cohort_students (
    student_id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL,
    cohort_id BIGINT NOT NULL,
    year_of_study INTEGER NOT NULL DEFAULT 1,
    email TEXT NOT NULL DEFAULT '',
    updated_at {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, cohort_id) REFERENCES cohorts (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX cohort_students_cohort ON cohort_students (cohort_id);

-- The registrar export's column mapping, remembered per establishment (JSON object:
-- field -> column header).
CREATE TABLE registrar_mappings (
    establishment_id BIGINT PRIMARY KEY REFERENCES establishments (id) ON DELETE CASCADE,
    mapping TEXT NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

-- Graduation rules of a cohort. measure/threshold say what a proof must show (toeic
-- >= 785, weeks >= 12, semesters >= 1, ects >= 180; '' : nothing measured);
-- validity_months: how long a proof stays valid (0: forever); deadline: civil date.
CREATE TABLE graduation_rules (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    cohort_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('language', 'internship', 'mobility', 'credits', 'engagement', 'other')),
    proof TEXT NOT NULL DEFAULT '',
    measure TEXT NOT NULL DEFAULT '' CHECK (measure IN ('', 'toeic', 'weeks', 'semesters', 'ects')),
    threshold INTEGER NOT NULL DEFAULT 0,
    mandatory BOOLEAN NOT NULL DEFAULT TRUE,
    deadline TEXT NOT NULL,
    exemption_allowed BOOLEAN NOT NULL DEFAULT FALSE,
    validity_months INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (cohort_id, code),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, cohort_id) REFERENCES cohorts (establishment_id, id) ON DELETE CASCADE
);

-- One item per student and rule. States: to_provide, submitted, validated, refused,
-- expired, exempted, not_concerned. reason: why refused, exempted or not concerned
-- (the student reads it). The proof is a blob (SHA-256) with its shown name.
CREATE TABLE graduation_items (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    rule_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('to_provide', 'submitted', 'validated', 'refused', 'expired', 'exempted', 'not_concerned')),
    reason TEXT NOT NULL DEFAULT '',
    value INTEGER,
    proof_date TEXT NOT NULL DEFAULT '',
    proof_name TEXT NOT NULL DEFAULT '',
    proof_type TEXT NOT NULL DEFAULT '',
    proof_size BIGINT NOT NULL DEFAULT 0,
    proof_sha256 TEXT NOT NULL DEFAULT '',
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (rule_id, student_id),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, rule_id) REFERENCES graduation_rules (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX graduation_items_student ON graduation_items (establishment_id, student_id);
-- The nightly pass walks every student's items in student order (keyset pagination).
CREATE INDEX graduation_items_by_student ON graduation_items (student_id);
CREATE INDEX graduation_items_state ON graduation_items (establishment_id, state);

-- Every change of an item: the history the student and the office read.
CREATE TABLE graduation_item_events (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    actor_login TEXT NOT NULL DEFAULT '',
    at {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, item_id) REFERENCES graduation_items (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX graduation_item_events_item ON graduation_item_events (item_id, id);

-- Each student's summary, computed on every change and by the nightly job: graduable,
-- on_track, at_risk, blocked; what remains and the next deadline.
CREATE TABLE graduation_summaries (
    student_id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL,
    cohort_id BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graduable', 'on_track', 'at_risk', 'blocked')),
    remaining INTEGER NOT NULL DEFAULT 0,
    next_deadline TEXT NOT NULL DEFAULT '',
    computed_at {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX graduation_summaries_status ON graduation_summaries (establishment_id, cohort_id, status);

-- Reminders already sent (deadline at 60, 30, 7 days; at-risk report to the programme
-- director), so that a re-run of the nightly job sends none twice.
CREATE TABLE graduation_reminders (
    item_id BIGINT NOT NULL REFERENCES graduation_items (id) ON DELETE CASCADE,
    days INTEGER NOT NULL,
    sent_at {{timestamp}} NOT NULL,
    PRIMARY KEY (item_id, days)
);
CREATE TABLE graduation_cohort_reports (
    cohort_id BIGINT PRIMARY KEY REFERENCES cohorts (id) ON DELETE CASCADE,
    at_risk INTEGER NOT NULL,
    sent_at {{timestamp}} NOT NULL
);
