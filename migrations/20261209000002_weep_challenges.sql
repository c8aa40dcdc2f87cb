-- Weep's challenge sign-in (ConsoleMe's /noauth/v1/challenge_generator):
-- Weep opens the challenge page in the browser and polls with a second
-- secret; once the signed-in user approves, the first poll gets a
-- credentials-only API token (made then, never stored in the clear).
-- Only SHA-256 hashes of the two secrets are kept.
CREATE TABLE weep_challenges (
    id_hash        text PRIMARY KEY,          -- of the secret in challenge_url
    poll_hash      text NOT NULL UNIQUE,      -- of the secret in polling_url
    requested_user text NOT NULL,
    ip             text,
    user_agent     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'approved', 'collected')),
    user_id        text,                      -- who approved, and as whom the token acts
    display_name   text,
    groups         text[],
    approved_at    timestamptz,
    token_id       uuid                       -- the api_tokens row it became
);
CREATE INDEX weep_challenges_expires_idx ON weep_challenges (expires_at);
