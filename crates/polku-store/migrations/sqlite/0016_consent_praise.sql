-- What a customer allowed with their answer (polku-domain::response::Consent), on the response and on its
-- comments: the praise wall shows only comments whose customer let them be shared with the staff, and
-- "you said, we did" writes only to customers who may be contacted. Teams name the touchpoints they serve,
-- so that praise for those touchpoints reaches them.
ALTER TABLE responses ADD COLUMN share_ok BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE responses ADD COLUMN contact_ok BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE comments ADD COLUMN share_ok BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE comments ADD COLUMN contact_ok BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX comments_praise ON comments (org_id, submitted_at) WHERE share_ok = TRUE;
CREATE TABLE team_touchpoints (
    team_id BLOB NOT NULL REFERENCES teams(id),
    org_id BLOB NOT NULL,
    touchpoint TEXT NOT NULL,
    PRIMARY KEY (team_id, touchpoint)
);
