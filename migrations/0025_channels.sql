-- Channels (issue 20): phone push through ntfy, Microsoft Teams and Discord beside Slack, for the
-- workspace and per approver group; each user's own ntfy topic; push decision links.

-- The workspace's channels other than Slack, which stays in `slack_webhook_url` (read through as
-- the `slack` entry): {"ntfy": {"url", "topic", "token"?}, "teams": {"url"}, "discord": {"url"},
-- "ntfyButtonsMaxRisk": "<risk>"}; '{}' is no channel and the defaults (domain/delivery/channels.rs).
ALTER TABLE workspaces ADD COLUMN channels TEXT NOT NULL DEFAULT '{}';
-- A group's channels, the same shape plus its own `slack`; a routed pause goes to the group's
-- channel of a kind when it has one, else to the workspace's.
ALTER TABLE approver_groups ADD COLUMN channels TEXT NOT NULL DEFAULT '{}';
-- The user's own ntfy topic on the workspace's ntfy server (NULL: none).
ALTER TABLE users ADD COLUMN ntfy_topic TEXT;

-- The Approve and Reject buttons of a push to a user's own topic. As with `decision_links`, only
-- the SHA-256 of the token is kept; a link is bound to one user and one pause, works once and
-- lapses at the earlier of the pause's deadline and an hour after it was made.
CREATE TABLE push_links (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    pause_id    INTEGER NOT NULL REFERENCES pauses (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX push_links_pause ON push_links (pause_id);

-- The outbox carries the new channels: SQLite cannot widen a CHECK in place, so the table is
-- rebuilt as it was with the wider list (migrations run with foreign keys off; outbox_attempts
-- keeps referring to the same ids).
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    msg_id          TEXT NOT NULL UNIQUE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    channel         TEXT NOT NULL
        CHECK (channel IN ('email', 'webhook', 'slack', 'ntfy', 'teams', 'discord')),
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
INSERT INTO outbox_new (id, msg_id, workspace_id, channel, target, endpoint_id, user_id, pause_id,
    event, payload, state, attempts, next_attempt_at, created_at, delivered_at, last_error)
SELECT id, msg_id, workspace_id, channel, target, endpoint_id, user_id, pause_id,
    event, payload, state, attempts, next_attempt_at, created_at, delivered_at, last_error
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_endpoint ON outbox (endpoint_id, id);
CREATE INDEX outbox_pending_created ON outbox (created_at) WHERE state = 'pending';
CREATE INDEX outbox_due_workspace ON outbox (workspace_id, next_attempt_at) WHERE state = 'pending';
