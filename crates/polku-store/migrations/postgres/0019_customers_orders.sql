-- Customer data (polku-domain::customers): customers and their orders, each keyed by the organisation's own
-- external id (upserts), so that answers (responses.customer_ref = customers.external_id) can be tied to
-- money. An order may name a customer not sent yet: a customer with only that id is created for it.
CREATE TABLE customers (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    name TEXT,
    email TEXT,
    phone TEXT,
    language TEXT,
    consent_contact BOOLEAN,
    consent_marketing BOOLEAN,
    attributes TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE TABLE orders (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id UUID NOT NULL REFERENCES customers(id),
    placed_at TIMESTAMPTZ NOT NULL,
    day BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    items BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX orders_customer ON orders (org_id, customer_id, placed_at);
CREATE INDEX orders_day ON orders (org_id, day);
