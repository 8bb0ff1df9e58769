-- The dispatcher shares delivery slots fairly between workspaces: it asks which workspaces have
-- messages due, then reads each one's oldest due messages. This index answers both without
-- scanning other workspaces' backlogs.
CREATE INDEX outbox_due_workspace ON outbox (workspace_id, next_attempt_at) WHERE state = 'pending';
