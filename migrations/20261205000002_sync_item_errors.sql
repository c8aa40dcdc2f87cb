-- Items a sync run could not read (their cached rows are kept): how many,
-- and the first few with why, for the admin's sync page.
ALTER TABLE sync_runs
    ADD COLUMN item_errors integer NOT NULL DEFAULT 0,
    ADD COLUMN item_error_sample jsonb NOT NULL DEFAULT '[]';
