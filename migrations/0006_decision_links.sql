-- Email notifications: one-click decision links and each user's choice to receive emails.

-- A link in an approval email. Only the SHA-256 of its random token is kept, so a copy of the
-- database cannot be used to decide. A link belongs to one approver and one pause, works once,
-- and lapses with the pause. `intent` is the button it sits behind ('approve' or 'reject'); the
-- confirmation page offers both, so it only picks which one is highlighted.
CREATE TABLE decision_links (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    pause_id    INTEGER NOT NULL REFERENCES pauses (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    intent      TEXT NOT NULL CHECK (intent IN ('approve', 'reject')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX decision_links_pause ON decision_links (pause_id);

-- On by default: an approver who never visits the Account page still hears of new requests.
ALTER TABLE users ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 1;
