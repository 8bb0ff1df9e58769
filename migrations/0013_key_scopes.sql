-- API keys get scopes, and a pause can be decided by a key.

-- What a key may do, as space-separated scope names (`pauses`, `decide`, `agents`, `admin`);
-- none implies another. Every key made before this version could create, read, list and cancel
-- pauses and nothing else: that is `pauses`.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'pauses';

-- The key that decided a pause through the API (`decided_by` stays the user who decided it;
-- one of the two is set on a decided pause). `pause_responses` already records a key's response
-- with responder_type 'key' and api_key_id.
ALTER TABLE pauses ADD COLUMN decided_by_key INTEGER REFERENCES api_keys (id);
