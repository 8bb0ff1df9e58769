-- Live and test agents kept apart (issue 16), like pauses: an agent, its history, its guidance,
-- its cancelled runs and the emergency stop belong to one mode. A test key (or a session in
-- Test data mode) sees and controls only test agents; the same name may exist once in each
-- mode. Every agent that exists now was made by live or test keys alike; they become live.
--
-- `agents` is rebuilt for its new unique key (SQLite cannot change a table constraint);
-- foreign keys are off while migrations run and checked before this one commits.

CREATE TABLE agents_new (
    id                 INTEGER PRIMARY KEY,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces (id),
    -- 1: a test agent (reported by test keys, controlled in Test data mode); 0: live.
    is_test            INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
    name               TEXT NOT NULL,
    first_seen_at      INTEGER NOT NULL,
    last_seen_at       INTEGER NOT NULL,
    state              TEXT CHECK (state IN ('idle', 'thinking', 'acting', 'waiting', 'complete', 'error')),
    tool               TEXT,
    progress           INTEGER CHECK (progress BETWEEN 0 AND 100),
    run                TEXT,
    control            TEXT NOT NULL DEFAULT 'running' CHECK (control IN ('running', 'paused', 'cancelled')),
    control_changed_at INTEGER,
    guidance_seq       INTEGER NOT NULL DEFAULT 0,
    -- The one API key (of the agent's mode) that may report as this agent, when an owner or
    -- admin pinned it; NULL: any `pauses` key of the workspace and mode.
    pinned_key_id      INTEGER REFERENCES api_keys (id),
    UNIQUE (workspace_id, is_test, name)
);
INSERT INTO agents_new (id, workspace_id, is_test, name, first_seen_at, last_seen_at, state, tool,
                        progress, run, control, control_changed_at, guidance_seq)
SELECT id, workspace_id, 0, name, first_seen_at, last_seen_at, state, tool, progress, run,
       control, control_changed_at, guidance_seq
FROM agents;
DROP TABLE agents;
ALTER TABLE agents_new RENAME TO agents;
CREATE INDEX agents_workspace_seen ON agents (workspace_id, is_test, last_seen_at);
CREATE INDEX agents_workspace_run ON agents (workspace_id, is_test, run) WHERE run IS NOT NULL;

-- The agent's mode again on its rows, so every query of agent data filters on the mode.
ALTER TABLE agent_history ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_guidance ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;

ALTER TABLE cancelled_runs ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
DROP INDEX cancelled_runs_run;
CREATE INDEX cancelled_runs_run ON cancelled_runs (workspace_id, is_test, run);

-- A pause names its agent and run within its own mode.
DROP INDEX pauses_agent;
CREATE INDEX pauses_agent ON pauses (workspace_id, is_test, agent, status) WHERE agent IS NOT NULL;
DROP INDEX pauses_run;
CREATE INDEX pauses_run ON pauses (workspace_id, is_test, run, status) WHERE run IS NOT NULL;

-- The emergency stop of the test agents (`agents_stopped_at` stays the live one).
ALTER TABLE workspaces ADD COLUMN test_agents_stopped_at INTEGER;
