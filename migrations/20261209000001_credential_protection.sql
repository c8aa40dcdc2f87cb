-- Credential protection: per account, the last plan (what EC2 showed, the
-- policy generated from it, what IAM held then), the administrator's
-- approval of the first write, and the last write and attachments.
CREATE TABLE protection_plans (
    account_id     text PRIMARY KEY REFERENCES accounts(account_id) ON DELETE CASCADE,
    networks       jsonb NOT NULL,
    planned        text,             -- compact JSON as generated; NULL when no policy can be written (plan_error says why)
    plan_error     text,
    live           text,             -- the policy's default version when planned; NULL: no such policy
    live_version   text,
    planned_at     timestamptz NOT NULL,
    approved_by    text,
    approved_at    timestamptz,
    written_at     timestamptz,
    written_version text,
    write_error    text,
    attached       text[] NOT NULL DEFAULT '{}',   -- role names, after the last run
    attach_errors  text[] NOT NULL DEFAULT '{}'    -- "role: why", from the last run
);
