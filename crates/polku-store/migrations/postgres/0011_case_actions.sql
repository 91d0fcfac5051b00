-- Empowered frontline: what was done for the customer on a case (called, e-mailed, apologised, compensated)
-- and each member's discretionary compensation limit. A compensation within the member's limit is done at
-- once; above it, it waits for one approval by an admin.
CREATE TABLE compensation_limits (
    org_id UUID NOT NULL REFERENCES organisations(id),
    user_id UUID NOT NULL REFERENCES users(id),
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE case_actions (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id),
    org_id UUID NOT NULL,
    kind TEXT NOT NULL,
    amount_cents BIGINT,
    currency TEXT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id UUID,
    approver_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ
);
CREATE INDEX case_actions_case ON case_actions (case_id, created_at);
CREATE INDEX case_actions_pending ON case_actions (org_id, status, created_at);
