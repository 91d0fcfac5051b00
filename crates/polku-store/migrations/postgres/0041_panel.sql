-- The customer panel (polku_domain::panel): who joined, how, and when they left (left_at: not asked again).
CREATE TABLE panel_members (
    org_id UUID NOT NULL REFERENCES organisations(id),
    customer_id UUID NOT NULL,
    source TEXT NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL,
    left_at TIMESTAMPTZ,
    PRIMARY KEY (org_id, customer_id)
);
-- A study sent to the panel or a sample of it; its invitations name it.
CREATE TABLE panel_studies (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    survey_id UUID NOT NULL,
    sample BIGINT,
    stratify_by TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE invitations ADD COLUMN study_id UUID;
