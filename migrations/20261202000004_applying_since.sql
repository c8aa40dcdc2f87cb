-- When a change was claimed for applying: one left `applying` long after
-- (the process stopped during the AWS call) is recovered as failed.
ALTER TABLE request_changes ADD COLUMN applying_since timestamptz;
UPDATE request_changes SET applying_since = now() WHERE status = 'applying';
