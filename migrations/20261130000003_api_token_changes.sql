-- Tells every replica's token cache (services::token_cache) that a token was
-- revoked, changed or deleted, whoever wrote it. The payload is the token's
-- SHA-256, which is what the cache is keyed by; delivered on commit.
-- Marking a token used (last_used_at) is not a change.
CREATE FUNCTION notify_api_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_token_changed', OLD.token_hash);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_changed
    AFTER UPDATE OF user_id, display_name, groups, token_hash, revoked_at OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION notify_api_token_changed();
