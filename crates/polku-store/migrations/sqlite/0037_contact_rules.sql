-- When a customer may be asked (polku_domain::contact): one row per organisation; none means the defaults.
CREATE TABLE contact_rules (
    org_id BLOB PRIMARY KEY REFERENCES organisations(id),
    days_between INTEGER NOT NULL,
    quiet_from TEXT,
    quiet_to TEXT,
    quiet_days TEXT NOT NULL,
    require_consent BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL
);
-- How a survey invites: how long its personal links work and what share of customers it asks.
CREATE TABLE survey_sending (
    survey_id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    link_ttl_days INTEGER NOT NULL,
    sample_permille INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
-- Every invitation not made, and why (the API's skipped reasons), for the send log.
CREATE TABLE invitation_skips (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    survey_id BLOB NOT NULL,
    customer_id BLOB,
    customer_ref TEXT NOT NULL,
    channel TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX invitation_skips_survey ON invitation_skips (org_id, survey_id, created_at);
-- An organisation's HTTP SMS gateway (polku_domain::sms); the headers, which hold credentials, sealed.
CREATE TABLE sms_gateways (
    org_id BLOB PRIMARY KEY REFERENCES organisations(id),
    url TEXT NOT NULL,
    method TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    sender TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- What the receiving server answered to a sent message (the SMTP reply, the gateway's status and body).
ALTER TABLE notifications ADD COLUMN reply TEXT;
