-- Triggers (polku_domain::trigger): a survey invites a customer a delay after an event of theirs.
CREATE TABLE survey_triggers (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    survey_id BLOB NOT NULL,
    event TEXT NOT NULL,
    -- The touchpoint a touchpoint_event trigger follows; empty for the others.
    event_touchpoint TEXT NOT NULL,
    delay_hours INTEGER NOT NULL,
    -- Set on the answers its invitations produce.
    touchpoint TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX survey_triggers_survey ON survey_triggers (org_id, survey_id);
-- Each row (order, delivery, contact or event) a trigger has fired for, invited or skipped: never twice.
CREATE TABLE trigger_firings (
    trigger_id BLOB NOT NULL,
    subject BLOB NOT NULL,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (trigger_id, subject)
);
-- When Polku first saw the order fulfilled.
ALTER TABLE orders ADD COLUMN fulfilled_at TEXT;
CREATE INDEX orders_fulfilled ON orders (org_id, fulfilled_at) WHERE fulfilled_at IS NOT NULL;
-- The order an invitation asks about: its message is cancelled if the order is cancelled or refunded first.
ALTER TABLE invitations ADD COLUMN order_id BLOB;
