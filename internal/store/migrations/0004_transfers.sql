-- Transfers between establishments, retention, and the jobs that run them.

-- The last known transfer state of each student waiting for his records (nouvelEleve =
-- '1'), for the dashboard: waiting (nothing found yet), impossible (found, but a
-- consent is missing: retried at each run), no_ine (can never be matched).
CREATE TABLE transfer_states (
    student_id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'impossible', 'no_ine')),
    reason TEXT NOT NULL DEFAULT '',
    origin_uai TEXT NOT NULL DEFAULT '',
    -- when he entered this state (the job rewrites the row only when it changes)
    since {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX transfer_states_establishment ON transfer_states (establishment_id, state);

-- A receipt per transfer (or diploma change), kept for both establishments: what moved.
-- Names are copied so that the receipt survives the purge of the origin student.
CREATE TABLE transfers (
    id {{id}},
    kind TEXT NOT NULL CHECK (kind IN ('transfer', 'diploma_change')),
    to_establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    to_student_id BIGINT,
    from_establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    from_student_id BIGINT,
    from_uai TEXT NOT NULL,
    to_uai TEXT NOT NULL,
    last_name TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    done_on TEXT NOT NULL,
    evaluations INTEGER NOT NULL DEFAULT 0,
    results INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    situations INTEGER NOT NULL DEFAULT 0,
    files INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX transfers_to ON transfers (to_establishment_id, done_on);
CREATE INDEX transfers_from ON transfers (from_establishment_id, done_on);
CREATE INDEX transfers_to_student ON transfers (to_student_id);

-- Job runs (transfer, purge): their history, shown on the dashboards.
CREATE TABLE job_runs (
    id {{id}},
    job TEXT NOT NULL,
    instance TEXT NOT NULL DEFAULT '',
    started_by TEXT NOT NULL DEFAULT '',
    started_at {{timestamp}} NOT NULL,
    finished_at {{timestamp}},
    status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    counts TEXT NOT NULL DEFAULT '{}',
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs (job, id);

-- One lease per job, so that a single instance runs it when several serve the same
-- database: an instance takes the lease when it is free or expired.
CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    lease_until {{timestamp}} NOT NULL
);

-- The jobs find their students without reading the others: the transfer job the ones
-- waiting for their records, the purge the ones who left (both a small share of all).
CREATE INDEX students_pending ON students (id) WHERE nouvel_eleve = '1';
CREATE INDEX students_left ON students (id) WHERE status = 'deactivated';
-- Deleting an account (the purge) sets these to NULL: without an index each deleted
-- account would read the whole table.
CREATE INDEX evaluations_author ON evaluations (author_id);
CREATE INDEX situations_author ON situations (author_id);
CREATE INDEX situations_evaluated_by ON situations (evaluated_by);
