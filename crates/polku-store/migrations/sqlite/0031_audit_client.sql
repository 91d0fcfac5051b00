-- The client address (behind a trusted proxy, the one it names) of the request an audited change was made
-- for; none for the command line and background jobs.
ALTER TABLE audit_log ADD COLUMN client TEXT;
