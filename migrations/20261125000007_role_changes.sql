-- Creating (and cloning) and deleting roles go through the same change model.
ALTER TABLE request_changes
    DROP CONSTRAINT request_changes_kind_check,
    ADD CONSTRAINT request_changes_kind_check CHECK (kind IN (
        'inline_policy_put', 'inline_policy_delete', 'managed_policy_attach',
        'managed_policy_detach', 'trust_policy_put', 'boundary_put', 'boundary_delete',
        'tags_put', 'tags_remove', 'resource_policy_put', 'managed_policy_document_put',
        'role_create', 'role_delete'));
