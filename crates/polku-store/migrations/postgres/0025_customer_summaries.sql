-- One short row per customer with what the retention and money analyses need (polku-domain::retention::
-- Summary, encoded as text), so that an analysis reads 100,000 rows instead of every order and answer.
-- Writes mark customers dirty (`customer_summary_dirty`, or by the reference an answer carries in
-- `customer_ref_dirty`); `Store::refresh_summaries` recomputes the dirty ones (before each analysis, and
-- each minute on every node). Every existing customer starts dirty.
-- `seq` orders the changes: each refresh of an organisation's customers takes the next
-- `organisations.summary_seq` just before it commits (the row lock orders concurrent refreshes), so a node
-- that has read up to seq N catches up by reading `seq > N` only.
CREATE TABLE customer_summaries (
    customer_id UUID PRIMARY KEY REFERENCES customers(id),
    org_id UUID NOT NULL REFERENCES organisations(id),
    data TEXT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX customer_summaries_seq ON customer_summaries (org_id, seq);
ALTER TABLE organisations ADD COLUMN summary_seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE customer_summary_dirty (
    org_id UUID NOT NULL,
    customer_id UUID NOT NULL,
    PRIMARY KEY (org_id, customer_id)
);
CREATE TABLE customer_ref_dirty (
    org_id UUID NOT NULL,
    customer_ref TEXT NOT NULL,
    PRIMARY KEY (org_id, customer_ref)
);
INSERT INTO customer_summary_dirty (org_id, customer_id) SELECT org_id, id FROM customers;
-- Support load per month and per touchpoint is summed over every contact of an organisation: covering
-- indexes let both sums read the index alone.
DROP INDEX support_contacts_day;
CREATE INDEX support_contacts_day ON support_contacts (org_id, day, cost_cents);
CREATE INDEX support_contacts_touchpoint ON support_contacts (org_id, touchpoint, cost_cents);
