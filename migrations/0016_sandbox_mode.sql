-- Sandbox (test) pauses reach a workspace webhook endpoint only if it opts in to test events
-- (a test pause's own callbackUrl always gets its events). Existing endpoints stay live-only.
ALTER TABLE webhook_endpoints ADD COLUMN test_events INTEGER NOT NULL DEFAULT 0;

-- The dashboard's "Test data" switch, per browser session: 1 shows test pauses only, 0 live
-- pauses only. A new sign-in starts in live mode.
ALTER TABLE sessions ADD COLUMN test_mode INTEGER NOT NULL DEFAULT 0;
