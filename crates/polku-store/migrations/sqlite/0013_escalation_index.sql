-- The escalation job's index holds only cases it may still escalate (open, not escalated): cases resolved
-- before their due time no longer stay in it for ever.
DROP INDEX cases_due;
CREATE INDEX cases_due ON cases (due_at)
    WHERE escalated_at IS NULL AND status IN ('new', 'in_progress', 'waiting_for_customer');
