-- Latchkey initial schema: accounts, cached roles, sync runs, sessions,
-- permission requests with changes and events, audit events.

CREATE TABLE accounts (
    account_id  text PRIMARY KEY CHECK (account_id ~ '^[0-9]{12}$'),
    name        text NOT NULL,
    source      text NOT NULL DEFAULT 'config',
    enabled     boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per IAM role as last seen by the sync.
CREATE TABLE roles (
    arn               text PRIMARY KEY,
    account_id        text NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    name              text NOT NULL,
    path              text NOT NULL,
    role_id           text NOT NULL,
    description       text,
    created_at        timestamptz,
    trust_policy      jsonb NOT NULL,
    inline_policies   jsonb NOT NULL,   -- [{"name": .., "document": {..}}] sorted by name
    managed_policies  jsonb NOT NULL,   -- [{"name", "arn", "document"?}] sorted by arn
    tags              jsonb NOT NULL,   -- [{"key", "value"}] sorted by key
    synced_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);
CREATE INDEX roles_account_idx ON roles (account_id);

CREATE TABLE sync_runs (
    id           bigserial PRIMARY KEY,
    task         text NOT NULL,
    account_id   text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    outcome      text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'success', 'failed')),
    items        integer NOT NULL DEFAULT 0,
    changed      integer NOT NULL DEFAULT 0,
    removed      integer NOT NULL DEFAULT 0,
    error        text
);
CREATE INDEX sync_runs_task_account_idx ON sync_runs (task, account_id, started_at DESC);

CREATE TABLE sessions (
    token_hash   text PRIMARY KEY,          -- sha256 of the cookie value; the value itself is never stored
    user_id      text NOT NULL,
    display_name text NOT NULL,
    groups       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE requests (
    id             uuid PRIMARY KEY,
    requester      text NOT NULL,
    principal_arn  text NOT NULL,
    account_id     text NOT NULL,
    justification  text NOT NULL,
    status         text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_by     text,
    decided_at     timestamptz
);
CREATE INDEX requests_status_idx ON requests (status, created_at DESC);
CREATE INDEX requests_requester_idx ON requests (requester, created_at DESC);

CREATE TABLE request_changes (
    id           uuid PRIMARY KEY,
    request_id   uuid NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    position     integer NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('inline_policy_put')),
    policy_name  text NOT NULL,
    document     jsonb NOT NULL,
    status       text NOT NULL CHECK (status IN ('pending', 'applied', 'failed', 'cancelled')),
    error        text,
    applied_at   timestamptz,
    UNIQUE (request_id, position)
);

CREATE TABLE request_events (
    id          bigserial PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    kind        text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX request_events_request_idx ON request_events (request_id, id);

CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL,
    outcome     text NOT NULL,
    ip          text,
    user_agent  text,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, at DESC);
