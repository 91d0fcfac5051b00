-- Follow-ups (polku-domain::followup): a rule may ask the customer the same question again some days after
-- its case is resolved. One follow-up per case, made in the transaction that resolves it; the invitation is
-- e-mailed through the notifications outbox when the customer's address is known, else its link is handed
-- over by the case's worker. The token is the link's only key (a capability for one answer).
ALTER TABLE alert_rules ADD COLUMN follow_up_days INTEGER;
CREATE TABLE follow_ups (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    case_id BLOB NOT NULL UNIQUE REFERENCES cases(id),
    rule_id BLOB NOT NULL,
    team_id BLOB,
    survey_id BLOB NOT NULL,
    question_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    original_score INTEGER,
    locale TEXT NOT NULL,
    email TEXT,
    token TEXT NOT NULL UNIQUE,
    due_at TEXT NOT NULL,
    sent_at TEXT,
    score INTEGER,
    comment TEXT,
    answered_at TEXT,
    created_at TEXT NOT NULL
);
-- Only follow-ups the minute job may still e-mail.
CREATE INDEX follow_ups_due ON follow_ups (due_at) WHERE sent_at IS NULL AND answered_at IS NULL AND email IS NOT NULL;
CREATE INDEX follow_ups_org ON follow_ups (org_id, created_at);
