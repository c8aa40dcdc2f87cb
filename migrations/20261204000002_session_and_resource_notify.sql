-- Two more changes every replica hears (services::notified_cache), so hot
-- paths answer from memory and still see every change at once:
--
-- * a session ended or changed (sign-out, sign-out everywhere, an admin's
--   revocation, a sweep of expired ones), payload its cookie's SHA-256: each
--   replica's session cache drops it. Creating a session is not a change.
-- * the resources cache or an account's name changed (a sync, a refresh, an
--   account renamed, added or removed): the search index stops answering
--   pages without asking Postgres until it has been rebuilt.
CREATE FUNCTION notify_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_session_changed', OLD.token_hash);
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION notify_session_changed();

CREATE FUNCTION notify_resources_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_resources_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER resource_generations_changed AFTER INSERT OR UPDATE OR DELETE ON resource_generations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_resources_changed();
CREATE TRIGGER accounts_changed_for_search AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_resources_changed();
