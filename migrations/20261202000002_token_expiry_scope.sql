-- API tokens expire and carry a scope. `credentials` tokens reach only the
-- credential endpoints (get_credentials, get_roles, /ecs); `full` tokens the
-- whole API. Tokens made before this had neither: they keep the full API they
-- had, for 30 more days.
ALTER TABLE api_tokens
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN scope text NOT NULL DEFAULT 'credentials'
        CONSTRAINT api_tokens_scope_check CHECK (scope IN ('credentials', 'full'));
UPDATE api_tokens SET expires_at = now() + interval '30 days', scope = 'full';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

-- Every replica's token cache hears of these changes too.
DROP TRIGGER api_tokens_changed ON api_tokens;
CREATE TRIGGER api_tokens_changed
    AFTER UPDATE OF user_id, display_name, groups, token_hash, revoked_at, scope, expires_at
        OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION notify_api_token_changed();
