-- The access rules (eligibility rules, approver groups, role tag keys) as
-- Admin › Access edits them at run time. Every save is a new version; the
-- newest is in force, the older ones are the history (who, when, why). The
-- config file seeds version 1.
CREATE TABLE access_rules (
    version     bigint PRIMARY KEY CHECK (version > 0),
    rules       jsonb NOT NULL,
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    source      text NOT NULL
                CONSTRAINT access_rules_source_check CHECK (source IN ('config', 'admin', 'import-consoleme')),
    note        text NOT NULL DEFAULT ''
);

-- Every replica puts a new version in force when it hears of it; what its
-- caches computed with the old rules (users' approver accounts in token
-- and session grants, each user's eligible roles) is dropped with it.
CREATE FUNCTION notify_access_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_access_rules_changed', NEW.version::text);
    PERFORM pg_notify('latchkey_token_changed', '');
    PERFORM pg_notify('latchkey_session_changed', '');
    PERFORM pg_notify('latchkey_roles_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER access_rules_changed
    AFTER INSERT ON access_rules
    FOR EACH ROW EXECUTE FUNCTION notify_access_rules_changed();
