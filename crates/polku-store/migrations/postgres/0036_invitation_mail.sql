-- An invitation's message waits in the outbox like other messages to customers.
ALTER TABLE notifications ADD COLUMN invitation_id UUID;
-- A customer who unsubscribed is never invited again, by any channel.
ALTER TABLE customers ADD COLUMN unsubscribed_at TIMESTAMPTZ;
