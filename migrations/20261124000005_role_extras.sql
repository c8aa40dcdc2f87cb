-- Permissions boundary and last use of each cached role.
ALTER TABLE roles
    ADD COLUMN boundary_arn text,
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN last_used_region text;
