-- Alert rules (polku-domain::cases) and the cases they make of responses, created in the response's own
-- transaction. A rule is never deleted while cases name it: it is switched off.
CREATE TABLE alert_rules (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    condition TEXT NOT NULL,
    sla_hours INTEGER NOT NULL,
    owner_id BLOB,
    active BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX alert_rules_org ON alert_rules (org_id, active);

CREATE TABLE cases (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    rule_id BLOB NOT NULL REFERENCES alert_rules(id),
    response_id BLOB NOT NULL REFERENCES responses(id),
    status TEXT NOT NULL,
    owner_id BLOB,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_org ON cases (org_id, status, due_at);
-- One case per rule and response, as a guarantee of the database and not only of the write path.
CREATE UNIQUE INDEX cases_rule_response ON cases (response_id, rule_id);

-- What happened to a case: status changes, notes, owner changes, with who and when.
CREATE TABLE case_events (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id),
    org_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, created_at);
