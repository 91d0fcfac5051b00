-- People and access: where a session was opened (so a member can recognise and end their own sessions),
-- who created an API token (their personal tokens stop when they leave or are demoted), and single-use
-- links for invitations and password resets, stored as the SHA-256 of the secret in the link.
ALTER TABLE sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_user ON sessions (user_id);
ALTER TABLE api_tokens ADD COLUMN created_by BLOB;

CREATE TABLE access_links (
    id_hash BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    org_id BLOB REFERENCES organisations(id),
    role TEXT,
    created_by BLOB,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX access_links_email ON access_links (email, kind);
