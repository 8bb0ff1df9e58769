-- What the agent did after the decision (issue 11, "outcome report"): the key that created a
-- decided pause reports once that it executed, failed or skipped the action. Columns on `pauses`
-- rather than a table: a pause has at most one outcome, the report is a compare-and-set on
-- `outcome_status IS NULL`, and the history page filters on it without a join.
ALTER TABLE pauses ADD COLUMN outcome_status TEXT
    CHECK (outcome_status IN ('executed', 'failed', 'skipped'));
ALTER TABLE pauses ADD COLUMN outcome_detail TEXT;
ALTER TABLE pauses ADD COLUMN outcome_at INTEGER;
ALTER TABLE pauses ADD COLUMN outcome_key_id INTEGER REFERENCES api_keys (id);
