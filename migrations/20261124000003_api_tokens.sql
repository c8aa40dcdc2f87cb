-- Per-user API tokens for the CLI, Weep-compatible API and the ECS
-- credential endpoint. Only a SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY,
    user_id       text NOT NULL,
    display_name  text NOT NULL,
    groups        text[] NOT NULL,          -- the user's groups when the token was made
    name          text NOT NULL,
    token_hash    text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC);
