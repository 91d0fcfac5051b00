-- Foundation schema (SQLite). Keep in step with migrations/postgres/0001_foundation.sql: same tables,
-- same columns, same version number. UUIDs are BLOBs, times are UTC TEXT, integers are 64-bit.

CREATE TABLE organisations (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    org_id BLOB NOT NULL REFERENCES organisations(id),
    user_id BLOB NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id),
    org_id BLOB NOT NULL REFERENCES organisations(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, created_at);

CREATE TABLE audit_log (
    id BLOB PRIMARY KEY,
    org_id BLOB REFERENCES organisations(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, at);

CREATE TABLE surveys (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    current_version BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX surveys_org ON surveys (org_id, created_at);

CREATE TABLE survey_versions (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    survey_id BLOB NOT NULL REFERENCES surveys(id),
    number INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (survey_id, number)
);

CREATE TABLE responses (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    survey_id BLOB NOT NULL REFERENCES surveys(id),
    version_id BLOB NOT NULL REFERENCES survey_versions(id),
    submitted_at TEXT NOT NULL,
    day INTEGER NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    locale TEXT,
    customer_ref TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX responses_org_survey ON responses (org_id, survey_id, submitted_at);

CREATE TABLE answers (
    response_id BLOB NOT NULL REFERENCES responses(id),
    question_id BLOB NOT NULL,
    org_id BLOB NOT NULL,
    survey_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    score INTEGER,
    choices TEXT,
    text TEXT,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id)
);
CREATE INDEX answers_comments ON answers (org_id, submitted_at) WHERE text IS NOT NULL;
CREATE INDEX answers_survey_comments ON answers (org_id, survey_id, submitted_at) WHERE text IS NOT NULL;

-- Counts per score value per cell; see polku-domain::response::RollupCell. Updated in the response's
-- own transaction, so it never disagrees with the raw answers (`polku verify` proves it).
CREATE TABLE rollups (
    org_id BLOB NOT NULL,
    survey_id BLOB NOT NULL,
    question_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    day INTEGER NOT NULL,
    month INTEGER NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    score INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_id, survey_id, question_id, day, channel, touchpoint, score)
);
CREATE INDEX rollups_org_day ON rollups (org_id, day, kind, survey_id, channel, touchpoint, score, n);

CREATE TABLE idempotency_keys (
    org_id BLOB NOT NULL,
    key TEXT NOT NULL,
    survey_id BLOB NOT NULL,
    response_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);
