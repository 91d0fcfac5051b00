-- Teams: a rule may give its cases to a team; an agent sees and works the cases of their teams besides
-- their own (and cases of no team that nobody has taken).
CREATE TABLE teams (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name)
);
CREATE TABLE team_members (
    team_id UUID NOT NULL REFERENCES teams(id),
    user_id UUID NOT NULL REFERENCES users(id),
    org_id UUID NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id, team_id);
ALTER TABLE alert_rules ADD COLUMN team_id UUID;
ALTER TABLE cases ADD COLUMN team_id UUID;
