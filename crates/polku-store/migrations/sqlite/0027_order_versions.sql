-- The sender's last change to an order or ticket (webhooks: Shopify's updated_at, WooCommerce's
-- date_modified_gmt, Zendesk's updated_at), in Unix seconds: a delivery older than the stored one does not
-- overwrite it. NULL for rows from batches and files.
ALTER TABLE orders ADD COLUMN source_version BIGINT;
ALTER TABLE support_contacts ADD COLUMN source_version BIGINT;
