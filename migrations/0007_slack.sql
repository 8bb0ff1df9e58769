-- A Slack incoming-webhook URL per workspace: new pauses are posted there with buttons that open
-- the pause page, and decisions as a follow-up line. The URL is itself a credential (anyone who
-- has it can post to the channel), so it is only shown to owners and admins.
ALTER TABLE workspaces ADD COLUMN slack_webhook_url TEXT;
