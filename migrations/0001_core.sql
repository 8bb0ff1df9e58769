-- Holdpoint core schema. Shipped migrations are never edited: add a new numbered file instead.
-- Times are Unix milliseconds (UTC) in INTEGER columns; the API formats them as RFC 3339.

-- Plans are data, not code branches. NULL means unlimited.
CREATE TABLE plans (
    id             TEXT PRIMARY KEY,
    monthly_pauses INTEGER,
    max_approvers  INTEGER
) WITHOUT ROWID;

INSERT INTO plans (id, monthly_pauses, max_approvers) VALUES
    ('free', 50, 1),
    ('starter', 500, 3),
    ('pro', NULL, NULL);

CREATE TABLE workspaces (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT NOT NULL,
    plan_id                TEXT NOT NULL REFERENCES plans (id),
    -- NULL: the server's default pause timeout applies.
    default_timeout_secs   INTEGER,
    reject_reason_required INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    email         TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'approver')),
    password_hash TEXT NOT NULL,
    disabled_at   INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_workspace ON users (workspace_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL DEFAULT '',
    -- The first characters of the key, shown in listings so a key can be recognised.
    prefix       TEXT NOT NULL,
    -- SHA-256 of the whole key: the key itself is never stored.
    key_hash     BLOB NOT NULL UNIQUE,
    is_test      INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);

CREATE TABLE pauses (
    id           INTEGER PRIMARY KEY,
    -- UUIDv7 bytes; the API's watchId is its text form.
    watch_id     BLOB NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    api_key_id   INTEGER REFERENCES api_keys (id),
    is_test      INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    action       TEXT NOT NULL,
    -- The agent's JSON exactly as sent (NULL when absent).
    context      TEXT,
    metadata     TEXT,
    callback_url TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   INTEGER REFERENCES users (id),
    reason       TEXT,
    -- Bumped on every change; part of the ETag.
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX pauses_workspace ON pauses (workspace_id, status);
CREATE INDEX pauses_pending_expiry ON pauses (expires_at) WHERE status = 'pending';

-- Pauses counted against the plan, per workspace and UTC calendar month ('2026-11').
CREATE TABLE usage_counters (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    month        TEXT NOT NULL,
    pauses       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, month)
) WITHOUT ROWID;

-- Idempotency-Key records for POST /api/pause, kept at least 24 h.
CREATE TABLE idempotency_keys (
    workspace_id  INTEGER NOT NULL,
    key           TEXT NOT NULL,
    request_hash  BLOB NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: the token itself is never stored.
    token_hash   BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

-- Append-only: the triggers below refuse every UPDATE and DELETE.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER,
    at           INTEGER NOT NULL,
    -- 'key', 'user', 'system' or 'cli'
    actor_type   TEXT NOT NULL,
    actor_id     INTEGER,
    event        TEXT NOT NULL,
    subject      TEXT,
    details      TEXT
);
CREATE INDEX audit_workspace_at ON audit_log (workspace_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
