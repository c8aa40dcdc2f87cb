-- OIDC sign-ins in flight: what the callback needs to finish one (PKCE
-- verifier, nonce, where to go next), keyed by a hash of the `state` value.
-- A row is consumed once by the callback; expired rows are useless and swept.
CREATE TABLE oidc_logins (
    state_hash     text PRIMARY KEY,
    pkce_verifier  text NOT NULL,
    nonce          text NOT NULL,
    return_to      text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expires_idx ON oidc_logins (expires_at);
