-- Customer data (polku-domain::customers): customers and their orders, each keyed by the organisation's own
-- external id (upserts), so that answers (responses.customer_ref = customers.external_id) can be tied to
-- money. An order may name a customer not sent yet: a customer with only that id is created for it.
CREATE TABLE customers (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    name TEXT,
    email TEXT,
    phone TEXT,
    language TEXT,
    consent_contact BOOLEAN,
    consent_marketing BOOLEAN,
    attributes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE TABLE orders (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id BLOB NOT NULL REFERENCES customers(id),
    placed_at TEXT NOT NULL,
    day INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    items INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX orders_customer ON orders (org_id, customer_id, placed_at);
CREATE INDEX orders_day ON orders (org_id, day);
