-- Retention: a workspace may have the agents' `context` of decided pauses purged after N days
-- (NULL: kept forever). The pause row, its decision and its audit rows stay; `context` becomes
-- NULL and `context_purged_at` says when, so readers can tell "purged" from "never sent".
ALTER TABLE workspaces ADD COLUMN context_retention_days INTEGER;
ALTER TABLE pauses ADD COLUMN context_purged_at INTEGER;

-- The purge's work list: decided pauses that still hold a context, by workspace and decision
-- time (an expired pause has no decided_at: its expiry is its decision time). A purged pause
-- leaves this index, so each purge run reads only what it will purge, never the purged past.
CREATE INDEX pauses_context_retention ON pauses (workspace_id, coalesce(decided_at, expires_at))
    WHERE context IS NOT NULL AND status <> 'pending';

-- /metrics reports the age of the oldest undelivered outbox message; without this index that
-- would read every pending message's row on each scrape.
CREATE INDEX outbox_pending_created ON outbox (created_at) WHERE state = 'pending';
