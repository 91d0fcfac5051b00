-- One reminder per invitation not answered, this many days after its message went out (NULL: none).
ALTER TABLE survey_sending ADD COLUMN reminder_days BIGINT;
-- When the invitation's reminder was queued: once, and it counts as a contact for the contact rules.
ALTER TABLE invitations ADD COLUMN reminded_at TIMESTAMPTZ;
