-- Applications: non-human principals (a batch job, a service) that get role
-- credentials like a user (ConsoleMe's app_name). An application acts as the
-- principal `app/<name>`; its API tokens are rows of api_tokens with that
-- user_id and the credentials scope. A client certificate's subject, forwarded
-- by a TLS-terminating proxy, may identify it too. Applications are disabled,
-- never deleted, so the audit trail keeps naming something.
CREATE TABLE applications (
    name          text PRIMARY KEY
                  CONSTRAINT applications_name_check CHECK (name ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    description   text NOT NULL DEFAULT '',
    owner         text NOT NULL DEFAULT '',   -- the team to ask about it
    mtls_subject  text UNIQUE,                -- NULL: tokens only
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz,
    disabled_by   text
);
