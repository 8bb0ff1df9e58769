-- Test keys are a sandbox: an API key sees only pauses of its own kind (test or live), and an
-- Idempotency-Key belongs to the API key that used it, so a live agent can never be handed a
-- test pause that a test key created with the same Idempotency-Key (or the other way round).

-- Idempotency records are now keyed by (api_key_id, key). Records written before this version
-- name only the workspace; each is given the key that created its pause (its stored response
-- holds the pause's watchId), so a retry after the upgrade still replays. A record whose pause
-- cannot be found is dropped: records only live 48 hours anyway.
CREATE TABLE idempotency_keys_by_key (
    api_key_id    INTEGER NOT NULL REFERENCES api_keys (id),
    key           TEXT NOT NULL,
    request_hash  BLOB NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (api_key_id, key)
) WITHOUT ROWID;

INSERT INTO idempotency_keys_by_key
    (api_key_id, key, request_hash, status_code, response_body, created_at)
SELECT p.api_key_id, i.key, i.request_hash, i.status_code, i.response_body, i.created_at
FROM idempotency_keys i
JOIN pauses p
  ON p.watch_id = unhex(replace(json_extract(i.response_body, '$.watchId'), '-', ''))
 AND p.workspace_id = i.workspace_id
WHERE p.api_key_id IS NOT NULL;

DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_by_key RENAME TO idempotency_keys;
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

-- An API key lists and counts only its kind of pause: without `is_test` in an index, counting a
-- live key's pauses would read every pause row of the workspace.
CREATE INDEX pauses_workspace_test ON pauses (workspace_id, is_test, status);
