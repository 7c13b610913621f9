-- The jury's minutes (procès-verbal) of a cohort's session (issue 12,
-- docs/graduation.md "Procès-verbal du jury"). session_date is a civil date YYYY-MM-DD;
-- text is at most 4000 characters (docs/limits.md). Purged with the cohort's
-- graduation data (graduation_purge).
CREATE TABLE graduation_minutes (
    id {{id}},
    establishment_id BIGINT NOT NULL,
    cohort_id BIGINT NOT NULL,
    session_date TEXT NOT NULL,
    text TEXT NOT NULL,
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (cohort_id, session_date),
    FOREIGN KEY (establishment_id, cohort_id) REFERENCES cohorts (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX graduation_minutes_establishment ON graduation_minutes (establishment_id, cohort_id);
