-- Escalation of overdue cases: a rule may name a lead; a case past its due time that is still open is
-- marked escalated once (the UPDATE only touches rows not yet escalated, so several nodes running the job
-- escalate each case exactly once), with an event in its history.
ALTER TABLE alert_rules ADD COLUMN lead_id BLOB;
ALTER TABLE cases ADD COLUMN escalated_at TEXT;
CREATE INDEX cases_due ON cases (due_at) WHERE escalated_at IS NULL;
