-- People and access: where a session was opened (so a member can recognise and end their own sessions),
-- who created an API token (their personal tokens stop when they leave or are demoted), and single-use
-- links for invitations and password resets, stored as the SHA-256 of the secret in the link.
ALTER TABLE sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_user ON sessions (user_id);
ALTER TABLE api_tokens ADD COLUMN created_by UUID;

CREATE TABLE access_links (
    id_hash BYTEA PRIMARY KEY,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    org_id UUID REFERENCES organisations(id),
    role TEXT,
    created_by UUID,
    locale TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX access_links_email ON access_links (email, kind);
