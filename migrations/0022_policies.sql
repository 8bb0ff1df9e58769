-- Decision policies, part 1 (issue 18): risk and the autonomy dial, allow/deny rules, shadow
-- mode, and the verdict every new pause is given.

-- The workspace's autonomy dial (0 = a person decides everything, as before this version) and
-- whether the dial only records what it would have done. Workspace configuration, changed only
-- by owners, admins and live `admin` keys; it applies to live and test pauses alike, so a test
-- pause behaves as the same live pause would.
ALTER TABLE workspaces ADD COLUMN autonomy_level INTEGER NOT NULL DEFAULT 0
    CHECK (autonomy_level BETWEEN 0 AND 100);
ALTER TABLE workspaces ADD COLUMN autonomy_shadow INTEGER NOT NULL DEFAULT 0
    CHECK (autonomy_shadow IN (0, 1));

-- A random number replaced by every change to the workspace's rules: the server keeps the
-- compiled rules in memory under it, so a create reads one integer instead of every rule.
ALTER TABLE workspaces ADD COLUMN rules_stamp INTEGER NOT NULL DEFAULT 0;

-- A key, and an agent, may only lower the dial (NULL: no cap).
ALTER TABLE api_keys ADD COLUMN autonomy_level INTEGER CHECK (autonomy_level BETWEEN 0 AND 100);
ALTER TABLE agents ADD COLUMN autonomy_level INTEGER CHECK (autonomy_level BETWEEN 0 AND 100);

-- Allow and deny rules. A rule belongs to one mode, like agents and pauses: it names keys and
-- agents, which exist per mode, and a rule made in test (a test key remembering a decision, the
-- dashboard in Test data mode) must never decide a live pause.
CREATE TABLE policy_rules (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id),
    is_test        INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
    -- 1-100 characters, unique in its workspace and mode.
    name           TEXT NOT NULL,
    effect         TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
    enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- Evaluated and counted, never acting.
    shadow         INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
    -- The rule's `match` object as the API takes it (globs checked when written).
    match_json     TEXT NOT NULL,
    -- Allow rules only.
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
    UNIQUE (workspace_id, is_test, name)
);

-- What the pause asked about and what the policy said. Pauses made before this version have
-- NULL in all four: their `risk` and `tool` were never sent and `policy` reads as null.
ALTER TABLE pauses ADD COLUMN risk TEXT CHECK (risk IN ('low', 'medium', 'high', 'critical'));
ALTER TABLE pauses ADD COLUMN tool TEXT;
-- The verdict as the API shows it (`policy`).
ALTER TABLE pauses ADD COLUMN policy_json TEXT;
-- Set when a policy decided the pause: the rule's name or `autonomy:<band>` (`decidedBy`).
ALTER TABLE pauses ADD COLUMN decided_by_policy TEXT;
CREATE INDEX pauses_decided_by_policy ON pauses (workspace_id, is_test, decided_at)
    WHERE decided_by_policy IS NOT NULL;

-- The hourly digest of policy approvals at Full auto (80+): the start (ms) of the last UTC hour
-- whose digest was queued or found empty, written in the transaction that queues its emails,
-- so each hour is sent at most once across restarts and concurrent ticks.
ALTER TABLE workspaces ADD COLUMN digest_hour INTEGER;
