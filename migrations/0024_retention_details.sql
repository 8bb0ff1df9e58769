-- Retention purges more than contexts (issue 19): a decided pause's plan, answers, edits and
-- vote reasons go too, and guidance older than the retention. A pause without a context may
-- still hold those, so the work list can no longer be "decided pauses with a context":
-- `details_purged_at` marks a pause whose details were purged, and the partial index holds
-- the decided pauses still to purge. (`context_purged_at` keeps saying when a context that
-- existed was purged, as the API and the pause page show it.)
ALTER TABLE pauses ADD COLUMN details_purged_at INTEGER;
DROP INDEX pauses_context_retention;
CREATE INDEX pauses_retention ON pauses (workspace_id, coalesce(decided_at, expires_at))
    WHERE details_purged_at IS NULL AND status <> 'pending';
