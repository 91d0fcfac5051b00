-- The customer panel (polku_domain::panel): who joined, how, and when they left (left_at: not asked again).
CREATE TABLE panel_members (
    org_id BLOB NOT NULL REFERENCES organisations(id),
    customer_id BLOB NOT NULL,
    source TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    left_at TEXT,
    PRIMARY KEY (org_id, customer_id)
);
-- A study sent to the panel or a sample of it; its invitations name it.
CREATE TABLE panel_studies (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    survey_id BLOB NOT NULL,
    sample INTEGER,
    stratify_by TEXT,
    created_at TEXT NOT NULL
);
ALTER TABLE invitations ADD COLUMN study_id BLOB;
