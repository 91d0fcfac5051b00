-- Alert rules (polku-domain::cases) and the cases they make of responses, created in the response's own
-- transaction. A rule is never deleted while cases name it: it is switched off.
CREATE TABLE alert_rules (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    condition TEXT NOT NULL,
    sla_hours BIGINT NOT NULL,
    owner_id UUID,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX alert_rules_org ON alert_rules (org_id, active);

CREATE TABLE cases (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    rule_id UUID NOT NULL REFERENCES alert_rules(id),
    response_id UUID NOT NULL REFERENCES responses(id),
    status TEXT NOT NULL,
    owner_id UUID,
    due_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_org ON cases (org_id, status, due_at);
-- One case per rule and response, as a guarantee of the database and not only of the write path.
CREATE UNIQUE INDEX cases_rule_response ON cases (response_id, rule_id);

-- What happened to a case: status changes, notes, owner changes, with who and when.
CREATE TABLE case_events (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id),
    org_id UUID NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id UUID,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, created_at);
