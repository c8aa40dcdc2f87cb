-- Every change kind on any target (role, user, bucket, queue, topic, managed
-- policy): the change's spec is one JSON object tagged by kind, so a new kind
-- needs no new column. Existing inline-policy changes are carried over.
ALTER TABLE request_changes
    ADD COLUMN target_arn  text,
    ADD COLUMN spec        jsonb,
    ADD COLUMN expires_at  timestamptz,          -- temporary access: statements end then
    ADD COLUMN generated   boolean NOT NULL DEFAULT false,  -- made by Latchkey (cross-account)
    ADD COLUMN approvals   text[] NOT NULL DEFAULT '{}',    -- who approved, in order
    ADD COLUMN auto_rule   text,                 -- the auto-approval rule that approved it
    ADD COLUMN attempts    integer NOT NULL DEFAULT 0,
    ADD COLUMN expired_at  timestamptz;          -- when the sweeper removed it

UPDATE request_changes c
   SET target_arn = r.principal_arn,
       spec = jsonb_build_object('kind', 'inline_policy_put',
                                 'policy_name', c.policy_name,
                                 'document', c.document)
  FROM requests r
 WHERE r.id = c.request_id;

ALTER TABLE request_changes
    ALTER COLUMN target_arn SET NOT NULL,
    ALTER COLUMN spec SET NOT NULL,
    DROP COLUMN policy_name,
    DROP COLUMN document,
    DROP CONSTRAINT request_changes_kind_check,
    DROP CONSTRAINT request_changes_status_check,
    ADD CONSTRAINT request_changes_kind_check CHECK (kind IN (
        'inline_policy_put', 'inline_policy_delete', 'managed_policy_attach',
        'managed_policy_detach', 'trust_policy_put', 'boundary_put', 'boundary_delete',
        'tags_put', 'tags_remove', 'resource_policy_put', 'managed_policy_document_put')),
    -- 'applying' is held only while the AWS call runs, so a change is never applied twice.
    ADD CONSTRAINT request_changes_status_check CHECK (status IN (
        'pending', 'applying', 'applied', 'failed', 'cancelled'));

CREATE INDEX request_changes_expiry_idx ON request_changes (expires_at)
    WHERE status = 'applied' AND expires_at IS NOT NULL AND expired_at IS NULL;

-- A request may also be a direct admin edit (self-approved) or come from the wizard.
ALTER TABLE requests
    ADD COLUMN origin     text NOT NULL DEFAULT 'request' CHECK (origin IN ('request', 'direct_edit')),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX requests_account_idx ON requests (account_id, created_at DESC);
