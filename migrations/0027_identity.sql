-- Identity (issue 21): single sign-on, two-factor sign-in (TOTP, passkeys), step-up, expiring
-- keys, session control. Everything kept between requests (sign-in and ceremony state, used TOTP
-- steps, failed codes) is here, not in memory, so it survives a restart.

-- Users get an explicit state instead of "an empty password hash means invited": `invited`
-- (added by an owner, sign-up link not used yet), `active`, `disabled`. A NULL password hash is
-- a user who signs in only through the identity provider (or has not signed up yet). SQLite
-- cannot change a column's NOT NULL in place, so the table is rebuilt with every column it has.
CREATE TABLE users_new (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id),
    email               TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name                TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'approver')),
    password_hash       TEXT,
    state               TEXT NOT NULL DEFAULT 'active'
                        CHECK (state IN ('invited', 'active', 'disabled')),
    disabled_at         INTEGER,
    created_at          INTEGER NOT NULL,
    email_notifications INTEGER NOT NULL DEFAULT 1,
    theme               TEXT NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark')),
    time_zone           TEXT,
    ntfy_topic          TEXT,
    -- TOTP (RFC 6238): the shared secret, set at enrolment, in use once confirmed with a code.
    totp_secret         BLOB,
    totp_confirmed_at   INTEGER,
    -- The last time step a code was accepted for: a code is accepted once, so only later steps.
    totp_last_step      INTEGER,
    -- An owner's reset of the second factors: the user enrols again.
    factors_reset_at    INTEGER,
    -- `disabled_at` says since when; it is set exactly when the state is 'disabled'.
    CHECK ((state = 'disabled') = (disabled_at IS NOT NULL))
);
INSERT INTO users_new (id, workspace_id, email, name, role, password_hash, state, disabled_at,
                       created_at, email_notifications, theme, time_zone, ntfy_topic)
SELECT id, workspace_id, email, name, role, nullif(password_hash, ''),
       CASE WHEN disabled_at IS NOT NULL THEN 'disabled'
            WHEN password_hash = '' THEN 'invited'
            ELSE 'active' END,
       disabled_at, created_at, email_notifications, theme, time_zone, ntfy_topic
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_workspace ON users (workspace_id, state);

-- A user's identity at the OpenID provider: `iss` + `sub` win over a later change of email.
CREATE TABLE user_identities (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    PRIMARY KEY (issuer, subject)
) WITHOUT ROWID;
CREATE INDEX user_identities_user ON user_identities (user_id);

-- Ten single-use recovery codes per user, only their SHA-256 kept.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    code_hash  BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- Wrong second-factor codes, for the throttle (5 in 15 minutes: the step answers 429 for 15).
CREATE TABLE factor_failures (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    at      INTEGER NOT NULL
);
CREATE INDEX factor_failures_user ON factor_failures (user_id, at);

-- Passkeys (WebAuthn credentials): the credential as webauthn-rs serialises it.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    credential_id BLOB NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    passkey_json  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- State a sign-in flow keeps between its two requests: an OpenID Connect redirect (state, nonce,
-- PKCE verifier), a WebAuthn ceremony's challenge. Looked up by the SHA-256 of a random handle
-- (the OIDC `state`, a cookie), used once, short-lived.
CREATE TABLE auth_flows (
    handle_hash BLOB PRIMARY KEY,
    kind        TEXT NOT NULL,
    user_id     INTEGER REFERENCES users (id),
    data        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_flows_expiry ON auth_flows (expires_at);

-- Sessions: an id to name one on the account page (the token's hash stays private), where it was
-- made from, how the person authenticated and when they last used a second factor (step-up);
-- `pending` is a password already checked, waiting for the second factor (or for enrolment,
-- when the workspace requires one) before the session may do anything else.
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX sessions_id ON sessions (id);
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN factor TEXT;
ALTER TABLE sessions ADD COLUMN factor_at INTEGER;
ALTER TABLE sessions ADD COLUMN pending TEXT;

-- Owners may require a second factor of everyone in the workspace.
ALTER TABLE workspaces ADD COLUMN require_two_factor INTEGER NOT NULL DEFAULT 0;
-- Step-up (policy settings): NULL follows `require_two_factor`.
ALTER TABLE workspaces ADD COLUMN step_up INTEGER;
ALTER TABLE workspaces ADD COLUMN keys_may_decide_critical INTEGER NOT NULL DEFAULT 1;

-- API keys may expire; owners are told once, 7 days ahead.
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN expiry_warned_at INTEGER;

-- How the decider authenticated (`password`, `password+totp`, `sso`, `passkey`, …) for a person's
-- response; NULL for keys, policy and responses made before this version.
ALTER TABLE pause_responses ADD COLUMN auth TEXT;
