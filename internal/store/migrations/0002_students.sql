-- Students from SIECLE imports, the shared index of deactivated students, import history.
--
-- Civil dates (birth, entry, exit) are TEXT 'YYYY-MM-DD' on both engines: they compare
-- correctly as strings and every rule about them is computed in Go (docs/decisions/0006).

-- MEF labels from an establishment's Nomenclature.xml.
CREATE TABLE establishment_mefs (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    formation TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (establishment_id, code)
);

CREATE TABLE students (
    id {{id}},
    establishment_id BIGINT NOT NULL REFERENCES establishments (id),
    eleve_id TEXT NOT NULL,
    elenoet TEXT NOT NULL DEFAULT '',
    -- HMAC-SHA-256 of the normalised INE under the platform's unqid key (hex); NULL when
    -- the file gave no usable INE. The INE itself is never stored.
    unqid TEXT,
    ine_status TEXT NOT NULL DEFAULT 'ok' CHECK (ine_status IN ('ok', 'missing', 'unchecked', 'invalid')),
    last_name TEXT NOT NULL DEFAULT '',
    usage_name TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    first_name2 TEXT NOT NULL DEFAULT '',
    first_name3 TEXT NOT NULL DEFAULT '',
    birth_date TEXT NOT NULL DEFAULT '',
    sex TEXT NOT NULL DEFAULT '',
    class TEXT NOT NULL DEFAULT '',
    groups TEXT NOT NULL DEFAULT '',
    mef TEXT NOT NULL DEFAULT '',
    entry_date TEXT NOT NULL DEFAULT '',
    exit_date TEXT NOT NULL DEFAULT '',
    exit_reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('active', 'deactivated')),
    previous_uai TEXT NOT NULL DEFAULT '',
    -- '1', '0', a date 'YYYY-MM-DD' (data transferred that day) or 'changementDiplome'.
    nouvel_eleve TEXT NOT NULL DEFAULT '1',
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    -- lower-case, accent-free "names eleve_id" for search on both engines
    search TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (establishment_id, eleve_id),
    -- child tables reference (establishment_id, id): a row can never point at a student
    -- of another establishment.
    UNIQUE (establishment_id, id)
);
CREATE INDEX students_class ON students (establishment_id, class);
CREATE INDEX students_unqid ON students (unqid);
CREATE INDEX students_nouvel ON students (nouvel_eleve, establishment_id);
CREATE INDEX students_account ON students (account_id);

-- The platform-wide index of deactivated students: not establishment data, the meeting
-- point of the transfer protocol (seed 001).
CREATE TABLE deactivated_students (
    unqid TEXT NOT NULL,
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    origin_uai TEXT NOT NULL,
    student_id BIGINT NOT NULL,
    deactivated_on TEXT NOT NULL,
    mef TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (unqid, establishment_id)
);
CREATE INDEX deactivated_students_student ON deactivated_students (student_id);

CREATE TABLE imports (
    id {{id}},
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    actor_login TEXT NOT NULL DEFAULT '',
    started_at {{timestamp}} NOT NULL,
    finished_at {{timestamp}} NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    deactivated INTEGER NOT NULL DEFAULT 0,
    reactivated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    report TEXT NOT NULL DEFAULT ''
);
CREATE INDEX imports_establishment ON imports (establishment_id, id);
