-- Tells every replica's role-access cache (services::notified_cache) that
-- roles or accounts may have changed, whoever wrote them: a sync, an account
-- enabled or disabled, an account removed (roles go by cascade). The empty
-- payload drops the whole cache; delivered on commit. Statement-level, so a
-- sync pays one notification, not one per role (a re-sync that changes
-- nothing also empties the cache: the next checks read Postgres again).
CREATE FUNCTION notify_roles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_roles_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER roles_changed AFTER INSERT OR UPDATE OR DELETE ON roles
    FOR EACH STATEMENT EXECUTE FUNCTION notify_roles_changed();
CREATE TRIGGER accounts_changed AFTER UPDATE OR DELETE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_roles_changed();
