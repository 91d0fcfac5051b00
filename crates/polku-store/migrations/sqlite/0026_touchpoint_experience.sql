-- Answers name their customer by external id or e-mail; marking the customers of new answers dirty looks
-- customers up by e-mail too.
CREATE INDEX customers_email ON customers (org_id, email);
-- The journey map counts support contacts and events per touchpoint over a period: covering indexes, so
-- neither count reads the tables.
DROP INDEX support_contacts_day;
CREATE INDEX support_contacts_day ON support_contacts (org_id, day, touchpoint, cost_cents);
CREATE INDEX touchpoint_events_day ON touchpoint_events (org_id, day, touchpoint, polarity);
-- Summaries now also keep the touchpoints of each customer's negative answers and events
-- (by experience per touchpoint): every customer is recomputed.
INSERT INTO customer_summary_dirty (org_id, customer_id) SELECT org_id, id FROM customers WHERE true
ON CONFLICT (org_id, customer_id) DO NOTHING;
