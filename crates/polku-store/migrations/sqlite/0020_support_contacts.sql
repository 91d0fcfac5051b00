-- Support contacts (tickets, calls, chats) per customer, upserted by external id like orders: what the
-- support-cost and "contacts per 100 orders" analyses count, and where on the journey they started.
CREATE TABLE support_contacts (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id BLOB NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    reason TEXT,
    touchpoint TEXT,
    opened_at TEXT NOT NULL,
    day INTEGER NOT NULL,
    closed_at TEXT,
    handling_minutes INTEGER,
    cost_cents INTEGER,
    currency TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX support_contacts_customer ON support_contacts (org_id, customer_id, opened_at);
CREATE INDEX support_contacts_day ON support_contacts (org_id, day);
