-- One-time links that set a new password: printed by `holdpoint user reset-password` (72 hours)
-- or emailed from the sign-in page's "Forgot password?" (30 minutes).

CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    -- 'cli' or 'email'.
    via        TEXT NOT NULL CHECK (via IN ('cli', 'email')),
    -- SHA-256 of the link's token: the token itself is never stored. An emailed link's token
    -- is made when the email is prepared (it lives only in the email), so NULL until then.
    token_hash BLOB UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Set when the link is used or replaced by a newer one: a link works once.
    used_at    INTEGER
);
-- The per-email hourly count and the "newer link replaces older ones" update.
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
