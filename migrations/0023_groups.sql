-- Decision policies, part 2 (issue 19), first step: approver groups. A group is a workspace's
-- named set of people (and keys holding `decide`) that a pause can be routed to; only its
-- members are told, may vote and count towards a quorum. Groups hold users, which have no
-- mode, so a group serves live and test pauses alike.
CREATE TABLE approver_groups (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    -- 1-50 of [a-z0-9_-], unique in the workspace (routes name it).
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE approver_group_members (
    group_id INTEGER NOT NULL REFERENCES approver_groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX approver_group_members_user ON approver_group_members (user_id);

-- The rest of part 2's policy settings (routes per risk, minimum approvals, no self-approval,
-- reminder and escalation points, what a timeout means), one JSON object read into a typed
-- struct with its defaults (domain/policy/approvals.rs); '{}' is every default.
ALTER TABLE workspaces ADD COLUMN approval_settings TEXT NOT NULL DEFAULT '{}';
