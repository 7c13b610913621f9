-- Assessments (devoirs), marks, appreciations, class councils and report cards (issue 14,
-- part B; docs/school-year.md, docs/decisions/0024-marks-and-averages.md).
-- Numbers are integer hundredths: a mark 12,5 is 1250, "out of" 20 is 2000, a
-- coefficient 0,5 is 50. service_id, period_id and class_id are the school year's
-- (internal/schoolyear); class_id of an assessment is 0 for a service of a group.

-- A devoir of a teaching service in a period. class_id is the service's class, kept so
-- that a class's period is read without joining the services.
CREATE TABLE mark_assessments (
    id {{id}},
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    service_id BIGINT NOT NULL,
    period_id BIGINT NOT NULL,
    class_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    out_of BIGINT NOT NULL CHECK (out_of > 0 AND out_of <= 100000),
    coefficient BIGINT NOT NULL CHECK (coefficient > 0 AND coefficient <= 10000),
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    FOREIGN KEY (establishment_id, service_id) REFERENCES school_services (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, period_id) REFERENCES school_periods (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX mark_assessments_service ON mark_assessments (service_id, period_id);
CREATE INDEX mark_assessments_class ON mark_assessments (class_id, period_id);

-- A pupil's mark: a value (hundredths) or a special code that never counts.
CREATE TABLE marks (
    assessment_id BIGINT NOT NULL REFERENCES mark_assessments (id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL,
    establishment_id BIGINT NOT NULL,
    value BIGINT NOT NULL DEFAULT 0 CHECK (value >= 0),
    code TEXT NOT NULL DEFAULT '' CHECK (code IN ('', 'ABS', 'DISP', 'NN')),
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (assessment_id, student_id),
    FOREIGN KEY (establishment_id, student_id) REFERENCES students (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX marks_student ON marks (student_id);

-- A teacher's appreciation of a pupil in a subject for a period.
CREATE TABLE mark_appreciations (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL,
    class_id BIGINT NOT NULL,
    service_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (period_id, service_id, student_id),
    FOREIGN KEY (establishment_id, service_id) REFERENCES school_services (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, period_id) REFERENCES school_periods (establishment_id, id) ON DELETE CASCADE
);
CREATE INDEX mark_appreciations_class ON mark_appreciations (class_id, period_id);

-- The class council's word on a pupil: general appreciation, mention, decision.
CREATE TABLE mark_opinions (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL,
    class_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    appreciation TEXT NOT NULL,
    mention TEXT NOT NULL,
    decision TEXT NOT NULL,
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (period_id, class_id, student_id),
    FOREIGN KEY (establishment_id, class_id) REFERENCES school_classes (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, period_id) REFERENCES school_periods (establishment_id, id) ON DELETE CASCADE
);

-- A class's period after its council: locked (read-only, report cards generated) and
-- published to pupils from publish_on (YYYY-MM-DD, '' not yet).
CREATE TABLE mark_class_periods (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL,
    class_id BIGINT NOT NULL,
    locked_at {{timestamp}},
    publish_on TEXT NOT NULL DEFAULT '',
    author_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (period_id, class_id),
    FOREIGN KEY (establishment_id, class_id) REFERENCES school_classes (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, period_id) REFERENCES school_periods (establishment_id, id) ON DELETE CASCADE
);

-- Each issue of a report card after the first is a duplicate ("DUPLICATA").
CREATE TABLE report_card_issues (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL,
    class_id BIGINT NOT NULL,
    student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    first_issued_at {{timestamp}} NOT NULL,
    issues BIGINT NOT NULL,
    PRIMARY KEY (period_id, class_id, student_id),
    FOREIGN KEY (establishment_id, class_id) REFERENCES school_classes (establishment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (establishment_id, period_id) REFERENCES school_periods (establishment_id, id) ON DELETE CASCADE
);
