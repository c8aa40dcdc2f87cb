-- CloudTrail authorization failures, one row per (principal, action,
-- resource, error code); count and first/last seen grow with each event.
CREATE TABLE denials (
    principal_arn  text NOT NULL,
    action         text NOT NULL,
    resource       text NOT NULL,
    error_code     text NOT NULL,
    account_id     text NOT NULL,      -- the principal's account, from the record
    count          bigint NOT NULL CHECK (count > 0),
    first_seen     timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL,
    sessions       text[] NOT NULL,    -- who: most recent session/user names first, bounded
    PRIMARY KEY (principal_arn, action, resource, error_code)
);
-- A principal's page: its latest denials first.
CREATE INDEX denials_principal_last_seen_idx ON denials (principal_arn, last_seen DESC);
-- The retention purge.
CREATE INDEX denials_last_seen_idx ON denials (last_seen);

-- How far the trail's S3 log files have been read: the last key read under
-- each account/region prefix (ListObjectsV2 StartAfter).
CREATE TABLE cloudtrail_positions (
    bucket      text NOT NULL,
    prefix      text NOT NULL,
    last_key    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket, prefix)
);
