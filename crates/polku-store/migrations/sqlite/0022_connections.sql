-- Connections to shops and helpdesks (polku-domain::webhooks): each has its own endpoint URL
-- (/hooks/{path_token}) and the secret its sender signs with (kept as given: Polku must compute the same
-- HMAC). `webhook_receipts` remembers each delivery id for 30 days, so a webhook sent twice is stored once:
-- the receipt is written in the transaction that stores the data.
CREATE TABLE connections (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    -- Where a sender writes times without an offset (Freshdesk): Europe/Helsinki, Europe/Stockholm or UTC.
    time_zone TEXT NOT NULL,
    path_token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    last_received_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    UNIQUE (org_id, name)
);
CREATE TABLE webhook_receipts (
    connection_id BLOB NOT NULL REFERENCES connections(id),
    delivery_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, delivery_id)
);
CREATE INDEX webhook_receipts_age ON webhook_receipts (received_at);
