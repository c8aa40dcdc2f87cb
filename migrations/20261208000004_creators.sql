-- Who created a role, user, bucket, queue or topic: CloudTrail's successful
-- Create* events, read by the same ingest as the denials. A resource
-- created again (same ARN) keeps its latest creation.
CREATE TABLE creators (
    arn          text PRIMARY KEY,
    account_id   text NOT NULL,
    created_by   text NOT NULL,   -- the session or user name (else the principal's ARN)
    creator_arn  text NOT NULL,   -- the principal behind it (a session's role)
    event_name   text NOT NULL,
    created_at   timestamptz NOT NULL
);
