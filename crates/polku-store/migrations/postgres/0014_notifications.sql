-- Notifications about cases (polku-domain::notify). An organisation's SMTP server and webhook; the SMTP
-- password and the webhook's signing secret are kept as given, because Polku must present them (they are
-- never shown again by the UI or API).
CREATE TABLE notification_settings (
    org_id UUID PRIMARY KEY REFERENCES organisations(id),
    smtp_host TEXT,
    smtp_port BIGINT,
    smtp_tls TEXT,
    smtp_username TEXT,
    smtp_password TEXT,
    smtp_from TEXT,
    webhook_url TEXT,
    webhook_secret TEXT,
    locale TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The outbox: one row per message (an e-mail to one recipient, or one webhook call), written in the
-- transaction that opened or escalated its case. The sender job claims due rows for a while
-- (locked_until), so a node that dies mid-send only delays them; a failed attempt is retried with back-off
-- until MAX_ATTEMPTS, then the row is 'failed' until an admin retries it.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id UUID NOT NULL,
    -- What it is about: a case (new, escalated, its follow-up), or an improvement told to customers.
    case_id UUID REFERENCES cases(id),
    improvement_id UUID,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_org ON notifications (org_id, id);
CREATE INDEX notifications_case ON notifications (case_id);
