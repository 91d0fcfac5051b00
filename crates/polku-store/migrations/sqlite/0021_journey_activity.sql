-- The rest of a customer's journey (polku-domain::activity): deliveries, referral code redemptions, product
-- reviews and generic touchpoint events, each upserted by the organisation's external id like orders. `day`
-- is the day the row is filed under (delivered, else shipped; redeemed; published; occurred). Also: the
-- index the customer timeline, export and erasure read responses by, and what erasure and retention need.
CREATE TABLE deliveries (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id BLOB NOT NULL REFERENCES customers(id),
    order_ref TEXT,
    status TEXT NOT NULL,
    shipped_at TEXT,
    promised_at TEXT,
    delivered_at TEXT,
    day INTEGER NOT NULL,
    carrier TEXT,
    touchpoint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX deliveries_customer ON deliveries (org_id, customer_id, day);
CREATE INDEX deliveries_day ON deliveries (org_id, day);

CREATE TABLE referrals (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    code TEXT NOT NULL,
    referrer_id BLOB REFERENCES customers(id),
    customer_id BLOB NOT NULL REFERENCES customers(id),
    order_ref TEXT,
    redeemed_at TEXT NOT NULL,
    day INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX referrals_customer ON referrals (org_id, customer_id);
CREATE INDEX referrals_referrer ON referrals (org_id, referrer_id) WHERE referrer_id IS NOT NULL;

CREATE TABLE reviews (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id BLOB NOT NULL REFERENCES customers(id),
    product TEXT,
    rating INTEGER NOT NULL,
    photos BOOLEAN NOT NULL,
    text TEXT,
    published_at TEXT NOT NULL,
    day INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX reviews_customer ON reviews (org_id, customer_id, day);

CREATE TABLE touchpoint_events (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id BLOB NOT NULL REFERENCES customers(id),
    touchpoint TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    day INTEGER NOT NULL,
    outcome TEXT,
    polarity TEXT,
    attributes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX touchpoint_events_customer ON touchpoint_events (org_id, customer_id, day);
CREATE INDEX touchpoint_events_touchpoint ON touchpoint_events (org_id, touchpoint, day);

CREATE INDEX responses_customer ON responses (org_id, customer_ref, submitted_at) WHERE customer_ref IS NOT NULL;

-- Erasure keeps a customer's row, without anything personal, so that revenue and retention still add up.
ALTER TABLE customers ADD COLUMN erased_at TEXT;
-- Personal data older than this many months is erased by the daily job (NULL: kept).
ALTER TABLE organisations ADD COLUMN retention_months INTEGER;
