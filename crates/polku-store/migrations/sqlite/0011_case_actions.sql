-- Empowered frontline: what was done for the customer on a case (called, e-mailed, apologised, compensated)
-- and each member's discretionary compensation limit. A compensation within the member's limit is done at
-- once; above it, it waits for one approval by an admin.
CREATE TABLE compensation_limits (
    org_id BLOB NOT NULL REFERENCES organisations(id),
    user_id BLOB NOT NULL REFERENCES users(id),
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE case_actions (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id),
    org_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    amount_cents INTEGER,
    currency TEXT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id BLOB,
    approver_id BLOB,
    created_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX case_actions_case ON case_actions (case_id, created_at);
CREATE INDEX case_actions_pending ON case_actions (org_id, status, created_at);
