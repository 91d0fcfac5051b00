-- Organisations deleted in the last day: rows a job in flight wrote for one after it went (a job reads,
-- then writes in a later statement) are swept by the hourly job. No org_id column: not an org's row.
CREATE TABLE deleted_orgs (
    id UUID PRIMARY KEY,
    deleted_at TIMESTAMPTZ NOT NULL
);
