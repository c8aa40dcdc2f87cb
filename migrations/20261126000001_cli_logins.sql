-- Browser sign-ins of the CLI (`latchkey login`): a single-use code the
-- signed-in browser hands to the CLI's loopback listener, exchanged with the
-- PKCE verifier for an API token. Only a SHA-256 of the code is stored; the
-- user's groups are kept as they were at authorization, like api_tokens.
CREATE TABLE cli_logins (
    code_hash     text PRIMARY KEY,
    user_id       text NOT NULL,
    display_name  text NOT NULL,
    groups        text[] NOT NULL,
    challenge     text NOT NULL,             -- base64url(SHA-256(verifier))
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    token_id      uuid                       -- the api_tokens row it became
);
CREATE INDEX cli_logins_expires_idx ON cli_logins (expires_at);
