-- Timers on pauses: something that happens to a pause at a given time unless it is decided
-- first. Today only its expiry (the sweep reads due timers here instead of scanning pauses);
-- reminders and escalation are the next kinds, allowed now so that they need no table rebuild.
-- A timer is armed while `fired_at` is NULL; the sweep sets it when the timer fires, and drops
-- a timer whose pause was decided or cancelled meanwhile.
CREATE TABLE pause_timers (
    id       INTEGER PRIMARY KEY,
    pause_id INTEGER NOT NULL REFERENCES pauses (id),
    kind     TEXT NOT NULL CHECK (kind IN ('expiry', 'reminder', 'escalation')),
    due_at   INTEGER NOT NULL,
    fired_at INTEGER
);
CREATE INDEX pause_timers_due ON pause_timers (due_at) WHERE fired_at IS NULL;
CREATE INDEX pause_timers_pause ON pause_timers (pause_id);

-- Every pause still pending gets its expiry timer (one already past it is expired by the first
-- sweep, as before).
INSERT INTO pause_timers (pause_id, kind, due_at)
SELECT id, 'expiry', expires_at FROM pauses WHERE status = 'pending';
