-- An answer tied to its customer by a reference anyone holding the link could change (a score link in a
-- shop's own marketing tool), not by a signed personal link or an authenticated caller.
ALTER TABLE responses ADD COLUMN customer_unverified BOOLEAN NOT NULL DEFAULT FALSE;
