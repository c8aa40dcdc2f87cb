-- Roles each user used last (console sign-in or credentials), for "recent first".
CREATE TABLE recent_roles (
    user_id   text NOT NULL,
    role_arn  text NOT NULL,
    used_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role_arn)
);
CREATE INDEX recent_roles_user_idx ON recent_roles (user_id, used_at DESC);
