-- Notifications that never get lost: every message is a row written in the same transaction as
-- the state change that causes it, then delivered (and retried) by the dispatcher.

-- Workspace webhook endpoints (Standard Webhooks). The secret signs deliveries, so it is kept
-- in clear like any signing key; during rotation the previous one signs too until it lapses.
CREATE TABLE webhook_endpoints (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id),
    url                 TEXT NOT NULL,
    -- Space-separated event types, e.g. 'pause.created pause.approved'.
    events              TEXT NOT NULL,
    secret              TEXT NOT NULL,
    previous_secret     TEXT,
    previous_expires_at INTEGER,
    enabled             INTEGER NOT NULL DEFAULT 1,
    disabled_reason     TEXT,
    created_at          INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    -- Stable across retries: the `webhook-id` receivers deduplicate by.
    msg_id          TEXT NOT NULL UNIQUE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook', 'slack')),
    -- URL for webhooks and Slack, the address for email.
    target          TEXT NOT NULL,
    endpoint_id     INTEGER REFERENCES webhook_endpoints (id),
    user_id         INTEGER REFERENCES users (id),
    pause_id        INTEGER REFERENCES pauses (id),
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_endpoint ON outbox (endpoint_id, id);

CREATE TABLE outbox_attempts (
    id              INTEGER PRIMARY KEY,
    outbox_id       INTEGER NOT NULL REFERENCES outbox (id),
    at              INTEGER NOT NULL,
    -- 'delivered', 'failed' (will retry or gave up) or 'unknown' (sent, answer lost)
    outcome         TEXT NOT NULL,
    response_status INTEGER,
    error           TEXT,
    duration_ms     INTEGER NOT NULL
);
CREATE INDEX outbox_attempts_message ON outbox_attempts (outbox_id);

-- Signs deliveries to pauses' own callbackUrl (workspace endpoints have their own secrets).
ALTER TABLE workspaces ADD COLUMN callback_secret TEXT;
