-- Teams: a rule may give its cases to a team; an agent sees and works the cases of their teams besides
-- their own (and cases of no team that nobody has taken).
CREATE TABLE teams (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE TABLE team_members (
    team_id BLOB NOT NULL REFERENCES teams(id),
    user_id BLOB NOT NULL REFERENCES users(id),
    org_id BLOB NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id, team_id);
ALTER TABLE alert_rules ADD COLUMN team_id BLOB;
ALTER TABLE cases ADD COLUMN team_id BLOB;
