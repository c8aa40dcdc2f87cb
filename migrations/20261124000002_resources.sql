-- Every cached principal and resource across accounts in one searchable table:
-- IAM roles, users and customer managed policies, S3 buckets, SQS queues, SNS topics.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE resources (
    arn         text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('role', 'user', 'managed_policy', 's3_bucket', 'sqs_queue', 'sns_topic')),
    account_id  text NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    name        text NOT NULL,
    tags        jsonb NOT NULL DEFAULT '[]'::jsonb,   -- [{"key", "value"}] sorted by key
    policy      jsonb,                                -- resource policy, trust policy or policy document
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,   -- kind-specific facts
    synced_at   timestamptz NOT NULL DEFAULT now()
);
-- Substring search over name and ARN.
CREATE INDEX resources_search_trgm ON resources USING gin ((lower(name || ' ' || arn)) gin_trgm_ops);
-- Keyset pagination in each sort order, optionally within one kind or account.
CREATE INDEX resources_name_idx ON resources (name, arn);
CREATE INDEX resources_kind_name_idx ON resources (kind, name, arn);
CREATE INDEX resources_account_name_idx ON resources (account_id, name, arn);
-- Tag filters: tags @> '[{"key": k, "value": v}]'.
CREATE INDEX resources_tags_idx ON resources USING gin (tags jsonb_path_ops);

ALTER TABLE sync_runs ADD COLUMN trigger text NOT NULL DEFAULT 'manual';
