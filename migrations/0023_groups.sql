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

-- Keys holding `decide` may be given groups: such a key votes on pauses routed to them.
CREATE TABLE approver_group_keys (
    group_id   INTEGER NOT NULL REFERENCES approver_groups (id) ON DELETE CASCADE,
    api_key_id INTEGER NOT NULL REFERENCES api_keys (id),
    PRIMARY KEY (group_id, api_key_id)
) WITHOUT ROWID;
CREATE INDEX approver_group_keys_key ON approver_group_keys (api_key_id);

-- Routing, quorum and timeouts on the pause. `group_id` is the group the pause was routed to
-- (NULL: unrouted, every approver may decide); a group with pending pauses cannot be deleted,
-- so SET NULL only ever touches decided ones, which keep the name they were routed to in
-- `group_name`. Existing pauses: one approval, expire at the deadline, as before.
ALTER TABLE pauses ADD COLUMN group_id INTEGER REFERENCES approver_groups (id) ON DELETE SET NULL;
ALTER TABLE pauses ADD COLUMN group_name TEXT;
ALTER TABLE pauses ADD COLUMN required_approvals INTEGER NOT NULL DEFAULT 1
    CHECK (required_approvals BETWEEN 1 AND 5);
ALTER TABLE pauses ADD COLUMN on_timeout TEXT NOT NULL DEFAULT 'expire'
    CHECK (on_timeout IN ('expire', 'reject', 'wait'));
-- When the escalation was sent: from then on the escalation group (or the owners and admins)
-- may vote too.
ALTER TABLE pauses ADD COLUMN escalated_at INTEGER;
CREATE INDEX pauses_group ON pauses (group_id) WHERE group_id IS NOT NULL;

-- Votes are the pause's responses: one per decider, enforced here so it holds with two writers.
-- Each pause had at most one response before, so existing rows fit.
CREATE UNIQUE INDEX pause_responses_one_per_user ON pause_responses (pause_id, user_id)
    WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX pause_responses_one_per_key ON pause_responses (pause_id, api_key_id)
    WHERE api_key_id IS NOT NULL;

-- A rule may route what it matches to a group (`routeTo`), and a rule of the new effect `route`
-- does only that. SQLite cannot widen a CHECK in place, so the table is rebuilt as it was
-- plus `route_to` (migrations run with foreign keys off; nothing references policy_rules).
CREATE TABLE policy_rules_new (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id),
    is_test        INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
    name           TEXT NOT NULL,
    effect         TEXT NOT NULL CHECK (effect IN ('allow', 'deny', 'route')),
    enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    shadow         INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
    match_json     TEXT NOT NULL,
    max_risk       TEXT CHECK (max_risk IN ('low', 'medium', 'high', 'critical')),
    expires_at     INTEGER,
    note           TEXT,
    created_by     INTEGER REFERENCES users (id),
    created_by_key INTEGER REFERENCES api_keys (id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    hits           INTEGER NOT NULL DEFAULT 0,
    last_hit_at    INTEGER,
    shadow_hits    INTEGER NOT NULL DEFAULT 0,
    -- The approver group's name (groups are the workspace's, for both modes).
    route_to       TEXT,
    UNIQUE (workspace_id, is_test, name)
);
INSERT INTO policy_rules_new (id, workspace_id, is_test, name, effect, enabled, shadow,
    match_json, max_risk, expires_at, note, created_by, created_by_key, created_at, updated_at,
    hits, last_hit_at, shadow_hits)
SELECT id, workspace_id, is_test, name, effect, enabled, shadow, match_json, max_risk,
    expires_at, note, created_by, created_by_key, created_at, updated_at, hits, last_hit_at,
    shadow_hits
FROM policy_rules;
DROP TABLE policy_rules;
ALTER TABLE policy_rules_new RENAME TO policy_rules;
