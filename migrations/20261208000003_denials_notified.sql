-- When the people concerned were last told about a denial (its principal's
-- owner, the people whose sessions were denied): a denial seen again after
-- that is news again.
ALTER TABLE denials ADD COLUMN notified_at timestamptz;
CREATE INDEX denials_to_notify_idx ON denials (last_seen) WHERE notified_at IS NULL;
