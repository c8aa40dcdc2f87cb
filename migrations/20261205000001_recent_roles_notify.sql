-- A user's recently used roles changed (a credential issue or console
-- sign-in marked one), payload the user id: each replica's recent-roles
-- cache drops that user, so the roles home reads "Recently used" from
-- memory and never shows a stale list for long.
CREATE FUNCTION notify_recent_roles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('latchkey_recent_changed',
        CASE TG_OP WHEN 'DELETE' THEN OLD.user_id ELSE NEW.user_id END);
    RETURN NULL;
END
$$;

CREATE TRIGGER recent_roles_changed AFTER INSERT OR UPDATE OR DELETE ON recent_roles
    FOR EACH ROW EXECUTE FUNCTION notify_recent_roles_changed();
