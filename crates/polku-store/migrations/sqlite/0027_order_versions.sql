-- The sender's last change to an order (webhooks' updated_at / date_modified_gmt), in Unix seconds: a
-- delivery older than the stored one does not overwrite it. NULL for orders from batches and files.
ALTER TABLE orders ADD COLUMN source_version BIGINT;
