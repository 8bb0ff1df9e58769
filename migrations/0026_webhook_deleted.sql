-- Webhook endpoints deleted through the API (issue 20) are kept, marked, so their deliveries'
-- rows keep pointing at a row; a deleted endpoint is never listed, read or signed for again.
ALTER TABLE webhook_endpoints ADD COLUMN deleted_at INTEGER;
