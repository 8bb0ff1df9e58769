-- One-time sign-up links for invited users. The invited user row exists from the start (with an
-- empty password_hash, so it cannot sign in) and counts against the plan's approver limit.

CREATE TABLE invites (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    -- SHA-256 of the link's token: the token itself is never stored.
    token_hash BLOB NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Set when the link is used or replaced by a newer one: a link works once.
    used_at    INTEGER
);
CREATE INDEX invites_user ON invites (user_id);
