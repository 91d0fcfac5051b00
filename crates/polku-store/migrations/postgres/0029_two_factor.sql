-- Two-factor sign-in (TOTP, RFC 6238): a member's secret (base32), the last time step accepted (a code is
-- accepted once), single-use recovery codes stored as SHA-256, and an owner's rule that every member of
-- the organisation must use it.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN require_totp BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE recovery_codes (
    user_id UUID NOT NULL REFERENCES users(id),
    code_hash BYTEA NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);
