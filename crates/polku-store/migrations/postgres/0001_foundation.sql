-- Foundation schema (PostgreSQL). Keep in step with migrations/sqlite/0001_foundation.sql: same tables,
-- same columns, same version number. UUIDs are UUID, times are TIMESTAMPTZ, integers are BIGINT.

CREATE TABLE organisations (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    org_id UUID NOT NULL REFERENCES organisations(id),
    user_id UUID NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE sessions (
    id_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    org_id UUID NOT NULL REFERENCES organisations(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_org ON api_tokens (org_id, created_at);

CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    org_id UUID REFERENCES organisations(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, at);

CREATE TABLE surveys (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    current_version UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX surveys_org ON surveys (org_id, created_at);

CREATE TABLE survey_versions (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    survey_id UUID NOT NULL REFERENCES surveys(id),
    number BIGINT NOT NULL,
    definition TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (survey_id, number)
);

CREATE TABLE responses (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    survey_id UUID NOT NULL REFERENCES surveys(id),
    version_id UUID NOT NULL REFERENCES survey_versions(id),
    submitted_at TIMESTAMPTZ NOT NULL,
    day BIGINT NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    locale TEXT,
    customer_ref TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX responses_org_survey ON responses (org_id, survey_id, submitted_at);

CREATE TABLE answers (
    response_id UUID NOT NULL REFERENCES responses(id),
    question_id UUID NOT NULL,
    org_id UUID NOT NULL,
    survey_id UUID NOT NULL,
    kind TEXT NOT NULL,
    score BIGINT,
    choices TEXT,
    text TEXT,
    submitted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (response_id, question_id)
);
CREATE INDEX answers_comments ON answers (org_id, submitted_at) WHERE text IS NOT NULL;
CREATE INDEX answers_survey_comments ON answers (org_id, survey_id, submitted_at) WHERE text IS NOT NULL;

-- Counts per score value per cell; see polku-domain::response::RollupCell. Updated in the response's
-- own transaction, so it never disagrees with the raw answers (`polku verify` proves it).
CREATE TABLE rollups (
    org_id UUID NOT NULL,
    survey_id UUID NOT NULL,
    question_id UUID NOT NULL,
    kind TEXT NOT NULL,
    day BIGINT NOT NULL,
    month BIGINT NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    score BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, survey_id, question_id, day, channel, touchpoint, score)
);
CREATE INDEX rollups_org_day ON rollups (org_id, day, kind, survey_id, channel, touchpoint, score, n);

CREATE TABLE idempotency_keys (
    org_id UUID NOT NULL,
    key TEXT NOT NULL,
    survey_id UUID NOT NULL,
    response_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, key)
);
