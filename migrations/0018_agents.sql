-- Live agent controls (issue 12): one row per agent per workspace, created by the agent's first
-- pause or heartbeat, with what it last reported and the control a human set.

CREATE TABLE agents (
    id                 INTEGER PRIMARY KEY,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces (id),
    -- 1-100 of [A-Za-z0-9._:-], not only dots; unique in its workspace.
    name               TEXT NOT NULL,
    first_seen_at      INTEGER NOT NULL,
    -- Refreshed at most every few seconds by heartbeats that change nothing else.
    last_seen_at       INTEGER NOT NULL,
    -- What the agent last reported (NULL until it reports it).
    state              TEXT CHECK (state IN ('idle', 'thinking', 'acting', 'waiting', 'complete', 'error')),
    tool               TEXT,
    progress           INTEGER CHECK (progress BETWEEN 0 AND 100),
    run                TEXT,
    -- What a human set; the workspace's emergency stop is kept apart (workspaces.agents_stopped_at).
    control            TEXT NOT NULL DEFAULT 'running' CHECK (control IN ('running', 'paused', 'cancelled')),
    control_changed_at INTEGER,
    -- The last guidance message's number for this agent (its cursor).
    guidance_seq       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (workspace_id, name)
);
CREATE INDEX agents_workspace_seen ON agents (workspace_id, last_seen_at);
CREATE INDEX agents_workspace_run ON agents (workspace_id, run) WHERE run IS NOT NULL;

-- Changes of reported state (not every heartbeat), newest kept, older ones trimmed.
CREATE TABLE agent_history (
    id       INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    at       INTEGER NOT NULL,
    state    TEXT,
    tool     TEXT,
    run      TEXT
);
CREATE INDEX agent_history_agent ON agent_history (agent_id, id);

-- Guidance from people to an agent, numbered per agent: the number is the agent's cursor.
CREATE TABLE agent_guidance (
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    seq        INTEGER NOT NULL,
    message    TEXT NOT NULL,
    -- Who sent it, as shown to the agent (an email, or a key's name).
    from_label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, seq)
) WITHOUT ROWID;

-- Runs that were cancelled: for one agent (agent_id set) or for every agent of the run (NULL).
-- A pause or heartbeat from a cancelled run is refused.
CREATE TABLE cancelled_runs (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    run          TEXT NOT NULL,
    agent_id     INTEGER REFERENCES agents (id),
    cancelled_at INTEGER NOT NULL
);
CREATE INDEX cancelled_runs_run ON cancelled_runs (workspace_id, run);

-- The agent and run a pause names (top-level fields of the create body), by name.
ALTER TABLE pauses ADD COLUMN agent TEXT;
ALTER TABLE pauses ADD COLUMN run TEXT;
CREATE INDEX pauses_agent ON pauses (workspace_id, agent, status) WHERE agent IS NOT NULL;
CREATE INDEX pauses_run ON pauses (workspace_id, run, status) WHERE run IS NOT NULL;

-- The emergency stop: while set, every agent of the workspace reads as paused.
ALTER TABLE workspaces ADD COLUMN agents_stopped_at INTEGER;
-- Whether a pause that expires without a decision pauses the agent that asked (on by default).
ALTER TABLE workspaces ADD COLUMN pause_agent_on_expiry INTEGER NOT NULL DEFAULT 1;
