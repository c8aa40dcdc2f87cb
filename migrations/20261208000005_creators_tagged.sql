-- The tagging task (cloudtrail.tag_resources): when a created resource was
-- given its owner / created-by tags (or found to have them), and the last
-- error when AWS refused (it is tried again on the next run).
ALTER TABLE creators
    ADD COLUMN tagged_at  timestamptz,
    ADD COLUMN tag_error  text;
CREATE INDEX creators_untagged_idx ON creators (created_at) WHERE tagged_at IS NULL;
