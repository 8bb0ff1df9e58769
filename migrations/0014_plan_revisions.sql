-- Plan review: an agent submits the next version of a plan it was asked to change as a new plan
-- pause that names the one it revises. The chain of versions is these links; a plan is revised
-- at most once (the unique index), so the chain is a line, never a tree, and `revisedBy` is one
-- pause.
ALTER TABLE pauses ADD COLUMN revises_id INTEGER REFERENCES pauses (id);
CREATE UNIQUE INDEX pauses_revises ON pauses (revises_id) WHERE revises_id IS NOT NULL;
