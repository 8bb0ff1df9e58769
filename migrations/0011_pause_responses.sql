-- One respond command: every response to a pause is its own row, and `pauses` gets room for the
-- coming kinds of pause (questions, plans) so that issue needs no second rebuild.

-- `pauses` is rebuilt once (SQLite cannot alter a CHECK), following SQLite's twelve-step
-- procedure (lang_altertable.html, "other kinds of table schema changes"): the migration runs
-- with foreign keys off (see `db::migrate`) and ends with a foreign key check. Ids are copied,
-- so `outbox.pause_id` and `decision_links.pause_id` keep pointing at the same pauses.
CREATE TABLE pauses_new (
    id                INTEGER PRIMARY KEY,
    -- UUIDv7 bytes; the API's watchId is its text form.
    watch_id          BLOB NOT NULL UNIQUE,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces (id),
    api_key_id        INTEGER REFERENCES api_keys (id),
    is_test           INTEGER NOT NULL DEFAULT 0,
    -- What is asked: a yes/no approval (every pause so far), a question, or a plan to review.
    kind              TEXT NOT NULL DEFAULT 'approval' CHECK (kind IN ('approval', 'question', 'plan')),
    -- 'answered' (a question) and 'changes_requested' (a plan) are for the coming kinds.
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired',
                          'cancelled', 'answered', 'changes_requested')),
    action            TEXT NOT NULL,
    -- The agent's JSON exactly as sent (NULL when absent).
    context           TEXT,
    metadata          TEXT,
    callback_url      TEXT,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    decided_at        INTEGER,
    decided_by        INTEGER REFERENCES users (id),
    reason            TEXT,
    -- Bumped on every change; part of the ETag.
    version           INTEGER NOT NULL DEFAULT 1,
    -- Set when retention purged the context (0008).
    context_purged_at INTEGER,
    -- JSON for kinds other than 'approval': what was asked (the question's options, the plan)
    -- and what was answered. NULL for approvals.
    request_json      TEXT,
    response_json     TEXT
);

INSERT INTO pauses_new (id, watch_id, workspace_id, api_key_id, is_test, status, action, context,
                        metadata, callback_url, created_at, expires_at, decided_at, decided_by,
                        reason, version, context_purged_at)
SELECT id, watch_id, workspace_id, api_key_id, is_test, status, action, context,
       metadata, callback_url, created_at, expires_at, decided_at, decided_by,
       reason, version, context_purged_at
FROM pauses;

DROP TABLE pauses;
ALTER TABLE pauses_new RENAME TO pauses;

-- Every index `pauses` had (0001, 0003, 0008, 0009); it has no triggers or views.
CREATE INDEX pauses_workspace ON pauses (workspace_id, status);
CREATE INDEX pauses_pending_expiry ON pauses (expires_at) WHERE status = 'pending';
CREATE INDEX pauses_workspace_created ON pauses (workspace_id, created_at);
CREATE INDEX pauses_workspace_decided ON pauses (workspace_id, decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX pauses_context_retention ON pauses (workspace_id, coalesce(decided_at, expires_at))
    WHERE context IS NOT NULL AND status <> 'pending';
CREATE INDEX pauses_workspace_test ON pauses (workspace_id, is_test, status);

-- Each response to a pause, by whom, how and when: a quorum will be a count of these rows in the
-- deciding transaction. Today the first response resolves the pause, so a pause has at most one.
CREATE TABLE pause_responses (
    id             INTEGER PRIMARY KEY,
    pause_id       INTEGER NOT NULL REFERENCES pauses (id),
    -- 'user' today; 'key' (deciding by API) and 'policy' (remembered decisions) are to come.
    responder_type TEXT NOT NULL CHECK (responder_type IN ('user', 'key', 'policy')),
    user_id        INTEGER REFERENCES users (id),
    api_key_id     INTEGER REFERENCES api_keys (id),
    -- 'answer' and 'request_changes' are for questions and plans.
    kind           TEXT NOT NULL CHECK (kind IN ('approve', 'reject', 'answer', 'request_changes')),
    reason         TEXT,
    -- As in the audit rows' `via`: how the response arrived.
    via            TEXT NOT NULL,
    -- An answer's or a plan review's JSON; NULL for approve and reject.
    response_json  TEXT,
    created_at     INTEGER NOT NULL
);
CREATE INDEX pause_responses_pause ON pause_responses (pause_id, id);

-- The responses of pauses decided before this version, from the pause (who, what, why, when)
-- and its decision's audit row (how: 'dashboard', 'api' or 'email link'). The audit log is
-- append-only and never purged, so the row is there; 'dashboard' only if it is not.
INSERT INTO pause_responses (pause_id, responder_type, user_id, kind, reason, via, created_at)
SELECT p.id, 'user', p.decided_by,
       CASE p.status WHEN 'approved' THEN 'approve' ELSE 'reject' END,
       p.reason,
       coalesce((SELECT json_extract(a.details, '$.via') FROM audit_log a
                 WHERE a.subject = lower(substr(hex(p.watch_id), 1, 8) || '-'
                                         || substr(hex(p.watch_id), 9, 4) || '-'
                                         || substr(hex(p.watch_id), 13, 4) || '-'
                                         || substr(hex(p.watch_id), 17, 4) || '-'
                                         || substr(hex(p.watch_id), 21, 12))
                   AND a.event = 'pause.' || p.status
                 ORDER BY a.id LIMIT 1), 'dashboard'),
       p.decided_at
FROM pauses p
WHERE p.status IN ('approved', 'rejected') AND p.decided_at IS NOT NULL
ORDER BY p.decided_at, p.id;
