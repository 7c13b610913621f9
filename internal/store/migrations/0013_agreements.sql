-- Learning agreements "contrat pédagogique" (issue 13, docs/decisions/0022-agreements.md,
-- docs/agreements.md).

-- memberships gains the roles of the agreements: the teacher-referent (directeur
-- d'études), the disability office and pilotage. Rebuilt because both engines cannot
-- change a CHECK in place (as in 0010).
CREATE TABLE memberships_new (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    establishment_id BIGINT REFERENCES establishments (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('platform-admin', 'admin', 'teacher', 'inspector', 'student', 'parent',
        'office', 'programme-director', 'jury', 'referent', 'disability-office', 'pilotage')),
    created_at {{timestamp}} NOT NULL,
    CHECK ((role = 'platform-admin') = (establishment_id IS NULL))
);
INSERT INTO memberships_new (account_id, establishment_id, role, created_at)
    SELECT account_id, establishment_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE UNIQUE INDEX memberships_unique ON memberships (account_id, COALESCE(establishment_id, 0), role);
CREATE INDEX memberships_establishment ON memberships (establishment_id, role);

-- The settings of a programme's agreements: ECTS bounds per semester (30 by default)
-- and the deadline of submission (civil date YYYY-MM-DD, '' for none).
CREATE TABLE agreement_settings (
    programme_id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL,
    ects_min INTEGER NOT NULL DEFAULT 30,
    ects_max INTEGER NOT NULL DEFAULT 30,
    deadline TEXT NOT NULL DEFAULT '',
    updated_at {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, programme_id) REFERENCES programmes (establishment_id, id) ON DELETE CASCADE
);

-- The course catalogue of a programme for an academic year (year: the first civil year,
-- 2026 for 2026-2027): steps (étapes, with their version), semesters, teaching units.
-- ects in tenths (2.5 ECTS = 25); kind: mandatory, optional, free (free choice);
-- capacity 0: unlimited; prerequisites: unit codes separated by spaces.
CREATE TABLE agreement_units (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    programme_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    step TEXT NOT NULL,
    step_version TEXT NOT NULL DEFAULT '',
    semester INTEGER NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    ects INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('mandatory', 'optional', 'free')),
    capacity INTEGER NOT NULL DEFAULT 0,
    prerequisites TEXT NOT NULL DEFAULT '',
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (programme_id, year, code),
    FOREIGN KEY (establishment_id, programme_id) REFERENCES programmes (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX agreement_units_establishment ON agreement_units (establishment_id, year);

-- The pedagogical enrolment (IP) of each student, as the registrar exports it: one row
-- per student, year and unit; result: '' (none yet), 'acquired' (validated earlier).
CREATE TABLE agreement_enrolments (
    establishment_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    programme_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    step TEXT NOT NULL,
    step_version TEXT NOT NULL DEFAULT '',
    unit_code TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '',
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (student_id, year, unit_code),
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, programme_id) REFERENCES programmes (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX agreement_enrolments_programme ON agreement_enrolments (programme_id, year);

-- An agreement of a student for a programme and year. kind: standard, adapted, mobility;
-- status (adapted only): oui-si, employed, disability, athlete. referent_id: his
-- teacher-referent; disability_office_id: the disability office member who follows him.
CREATE TABLE agreements (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL,
    programme_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    step TEXT NOT NULL,
    step_version TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('standard', 'adapted', 'mobility')),
    status TEXT NOT NULL DEFAULT '' CHECK (status IN ('', 'oui-si', 'employed', 'disability', 'athlete')),
    referent_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    disability_office_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (student_id, programme_id, year),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, programme_id) REFERENCES programmes (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX agreements_programme ON agreements (establishment_id, programme_id, year);

-- The versions of an agreement (1, 2, …: an amendment is a new version). uid is the
-- stable id of the version in the registrar files (a re-export is idempotent). States:
-- draft, submitted, to_revise, validated, signed, transmitted, integrated, rejected,
-- refused, superseded, closed. measures and adjustments: codes separated by spaces
-- (fixed lists, never medical details). reason: of a refusal or of the registrar's
-- rejection.
CREATE TABLE agreement_versions (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    agreement_id BIGINT NOT NULL,
    number INTEGER NOT NULL,
    uid TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'to_revise', 'validated', 'signed', 'transmitted',
        'integrated', 'rejected', 'refused', 'superseded', 'closed')),
    measures TEXT NOT NULL DEFAULT '',
    adjustments TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    student_signed_at {{timestamp}},
    director_signed_at {{timestamp}},
    director_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    submitted_at {{timestamp}},
    -- latest: the newest version of its agreement (the one lists and the dashboard
    -- read); ects: the credits of its units, exemptions aside, in tenths (kept with
    -- the units), so that the dashboard over 100,000 agreements reads no unit.
    latest BOOLEAN NOT NULL DEFAULT TRUE,
    ects INTEGER NOT NULL DEFAULT 0,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (agreement_id, number),
    UNIQUE (uid),
    UNIQUE (establishment_id, id),
    FOREIGN KEY (establishment_id, agreement_id) REFERENCES agreements (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX agreement_versions_state ON agreement_versions (establishment_id, state);
CREATE INDEX agreement_versions_latest ON agreement_versions (agreement_id) WHERE latest;

-- The units of a version and where each comes from: year (the year of study), next (a
-- unit of the next year), free (free choice), exemption (dispense).
CREATE TABLE agreement_version_units (
    version_id BIGINT NOT NULL REFERENCES agreement_versions (id) ON DELETE CASCADE,
    unit_code TEXT NOT NULL,
    semester INTEGER NOT NULL,
    ects INTEGER NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('year', 'next', 'free', 'exemption')),
    PRIMARY KEY (version_id, unit_code)
);

-- Every change of state of a version: the history.
CREATE TABLE agreement_events (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    version_id BIGINT NOT NULL REFERENCES agreement_versions (id) ON DELETE CASCADE,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    actor_login TEXT NOT NULL DEFAULT '',
    at {{timestamp}} NOT NULL
);
CREATE INDEX agreement_events_version ON agreement_events (version_id, id);

-- The comment thread of an agreement (at most 2000 characters each).
CREATE TABLE agreement_comments (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    agreement_id BIGINT NOT NULL,
    version_number INTEGER NOT NULL,
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    author_login TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    at {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, agreement_id) REFERENCES agreements (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX agreement_comments_agreement ON agreement_comments (agreement_id, id);

-- Deadline reminders already sent (days before the programme's deadline), so that a
-- re-run of the job sends none twice.
CREATE TABLE agreement_reminders (
    agreement_id BIGINT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    days INTEGER NOT NULL,
    sent_at {{timestamp}} NOT NULL,
    PRIMARY KEY (agreement_id, days)
);
