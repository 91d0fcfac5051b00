-- Codes tried against a second-factor wait, counted in the same statement that checks the wait is open,
-- so parallel guesses cannot all pass a check made before any of them failed.
ALTER TABLE access_links ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
