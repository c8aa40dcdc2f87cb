-- IAM groups are cached beside users (their policies and members), so a
-- user's page can show what their groups grant.
ALTER TABLE resources DROP CONSTRAINT resources_kind_check;
ALTER TABLE resources ADD CONSTRAINT resources_kind_check CHECK (kind IN (
    'role', 'user', 'iam_group', 'managed_policy', 's3_bucket', 'sqs_queue', 'sns_topic'));
