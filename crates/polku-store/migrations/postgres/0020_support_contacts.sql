-- Support contacts (tickets, calls, chats) per customer, upserted by external id like orders: what the
-- support-cost and "contacts per 100 orders" analyses count, and where on the journey they started.
CREATE TABLE support_contacts (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    external_id TEXT NOT NULL,
    customer_id UUID NOT NULL REFERENCES customers(id),
    channel TEXT NOT NULL,
    reason TEXT,
    touchpoint TEXT,
    opened_at TIMESTAMPTZ NOT NULL,
    day BIGINT NOT NULL,
    closed_at TIMESTAMPTZ,
    handling_minutes BIGINT,
    cost_cents BIGINT,
    currency TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX support_contacts_customer ON support_contacts (org_id, customer_id, opened_at);
CREATE INDEX support_contacts_day ON support_contacts (org_id, day);
