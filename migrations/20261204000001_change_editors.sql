-- Reviewers who widened a change before approving it (edit-then-approve):
-- what they added is their own ask, so their approval of it does not count
-- (the self-approval rule); another approver must decide it.
ALTER TABLE request_changes ADD COLUMN widened_by text[] NOT NULL DEFAULT '{}';
