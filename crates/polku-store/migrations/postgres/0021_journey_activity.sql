-- The rest of a customer's journey (polku-domain::activity): deliveries, referral code redemptions, product
-- reviews and generic touchpoint events, each upserted by the organisation's external id like orders. `day`
-- is the day the row is filed under (delivered, else shipped; redeemed; published; occurred). Also: the
-- index the customer timeline, export and erasure read responses by, and what erasure and retention need.
CREATE TABLE deliveries (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id UUID NOT NULL REFERENCES customers(id),
    order_ref TEXT,
    status TEXT NOT NULL,
    shipped_at TIMESTAMPTZ,
    promised_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    day BIGINT NOT NULL,
    carrier TEXT,
    touchpoint TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX deliveries_customer ON deliveries (org_id, customer_id, day);
CREATE INDEX deliveries_day ON deliveries (org_id, day);

CREATE TABLE referrals (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    code TEXT NOT NULL,
    referrer_id UUID REFERENCES customers(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    order_ref TEXT,
    redeemed_at TIMESTAMPTZ NOT NULL,
    day BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX referrals_customer ON referrals (org_id, customer_id);
CREATE INDEX referrals_referrer ON referrals (org_id, referrer_id) WHERE referrer_id IS NOT NULL;

CREATE TABLE reviews (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id UUID NOT NULL REFERENCES customers(id),
    product TEXT,
    rating BIGINT NOT NULL,
    photos BOOLEAN NOT NULL,
    text TEXT,
    published_at TIMESTAMPTZ NOT NULL,
    day BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX reviews_customer ON reviews (org_id, customer_id, day);

CREATE TABLE touchpoint_events (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id UUID NOT NULL REFERENCES customers(id),
    touchpoint TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    day BIGINT NOT NULL,
    outcome TEXT,
    polarity TEXT,
    attributes TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX touchpoint_events_customer ON touchpoint_events (org_id, customer_id, day);
CREATE INDEX touchpoint_events_touchpoint ON touchpoint_events (org_id, touchpoint, day);

CREATE INDEX responses_customer ON responses (org_id, customer_ref, submitted_at) WHERE customer_ref IS NOT NULL;

-- Erasure keeps a customer's row, without anything personal, so that revenue and retention still add up.
ALTER TABLE customers ADD COLUMN erased_at TIMESTAMPTZ;
-- Personal data older than this many months is erased by the daily job (NULL: kept).
ALTER TABLE organisations ADD COLUMN retention_months BIGINT;
