-- A transfer proves it is the same person and the expected move (issue 8, finding 2;
-- docs/decisions/0009-transfer-match.md).

-- transfer_states gains two states, a stable reason (codes and parameters, rendered in
-- the reader's language) and the origin student: to_confirm waits for the origin
-- administrator, refused never moves (birth dates differ, or the origin said "not this
-- student"). origin_uai is now what the destination may see: empty until the identity
-- is established. The table is rebuilt because both engines cannot change a CHECK in
-- place; its rows are only the job's last findings and are copied over.
CREATE TABLE transfer_states_new (
    student_id BIGINT PRIMARY KEY,
    establishment_id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'impossible', 'no_ine', 'to_confirm', 'refused')),
    reason TEXT NOT NULL DEFAULT '',
    -- stable reason codes, comma-separated, and their parameters as a JSON object
    reason_code TEXT NOT NULL DEFAULT '',
    reason_params TEXT NOT NULL DEFAULT '{}',
    origin_uai TEXT NOT NULL DEFAULT '',
    -- where his records are (the index row found), for the origin's dashboard
    origin_establishment_id BIGINT,
    origin_student_id BIGINT,
    since {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (origin_establishment_id, origin_student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
INSERT INTO transfer_states_new (student_id, establishment_id, state, reason, origin_uai, since)
    SELECT student_id, establishment_id, state, reason, origin_uai, since FROM transfer_states;
DROP TABLE transfer_states;
ALTER TABLE transfer_states_new RENAME TO transfer_states;
CREATE INDEX transfer_states_establishment ON transfer_states (establishment_id, state);
CREATE INDEX transfer_states_origin ON transfer_states (origin_establishment_id, origin_student_id);

-- The origin administrator's word on a pair (his former student, a new student
-- elsewhere): confirmed moves the records, refused is final for the pair.
CREATE TABLE transfer_decisions (
    to_establishment_id BIGINT NOT NULL,
    to_student_id BIGINT NOT NULL,
    from_establishment_id BIGINT NOT NULL,
    from_student_id BIGINT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'refused')),
    decided_by_id BIGINT,
    decided_by TEXT NOT NULL,
    decided_at {{timestamp}} NOT NULL,
    PRIMARY KEY (to_student_id, from_student_id),
    FOREIGN KEY (to_establishment_id, to_student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (from_establishment_id, from_student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX transfer_decisions_from ON transfer_decisions (from_establishment_id, from_student_id);

-- The receipt names what matched: codes among ine, birth_date, previous_uai, names
-- (comma-separated), or who confirmed it and when. Earlier transfers matched the INE only.
ALTER TABLE transfers ADD COLUMN matched TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN confirmed_at {{timestamp}};
UPDATE transfers SET matched = 'ine' WHERE kind = 'transfer';
