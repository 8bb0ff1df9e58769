-- The usage page counts a workspace's pauses of one month by creation and by decision time;
-- without these it would read every pause the workspace ever had.
CREATE INDEX pauses_workspace_created ON pauses (workspace_id, created_at);
CREATE INDEX pauses_workspace_decided ON pauses (workspace_id, decided_at) WHERE decided_at IS NOT NULL;
