-- Caches are told to forget only when what they hold changed.
--
-- Every approval re-reads the role it changed, and a sync rewrites the rows
-- whose policies changed. The role caches (services::notified_cache:
-- RoleCache, EligibleCache) hold only what eligibility reads (ARN, name,
-- account, tags), and the search index only what it filters and lists
-- (kind, account, name, tags, region): a new policy on a role changes
-- neither. Under load (scripts/load.sh, 10 approvals a second) the old
-- statement-level triggers emptied every replica's eligibility caches and
-- made the search index stale on each approval.

-- Roles: inserted or deleted rows, or an update of name, account or tags.
DROP TRIGGER roles_changed ON roles;

CREATE FUNCTION notify_roles_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.arn = o.arn
                   WHERE (o.name, o.account_id, o.tags) IS DISTINCT FROM (n.name, n.account_id, n.tags)) THEN
            PERFORM pg_notify('latchkey_roles_changed', '');
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
            PERFORM pg_notify('latchkey_roles_changed', '');
        END IF;
    ELSIF EXISTS (SELECT 1 FROM old_rows) THEN
        PERFORM pg_notify('latchkey_roles_changed', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER roles_inserted AFTER INSERT ON roles
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_roles_access_changed();
CREATE TRIGGER roles_updated AFTER UPDATE ON roles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_roles_access_changed();
CREATE TRIGGER roles_deleted AFTER DELETE ON roles
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_roles_access_changed();

-- Resources: an update bumps an account's generation only when a column the
-- search index holds changed (inserts and deletes always do).
CREATE OR REPLACE FUNCTION bump_resource_generations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO resource_generations (account_id, generation)
        SELECT DISTINCT account_id, 1 FROM new_rows ORDER BY 1
        ON CONFLICT (account_id) DO UPDATE SET generation = resource_generations.generation + 1;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO resource_generations (account_id, generation)
        SELECT account_id, 1 FROM (
            SELECT n.account_id FROM old_rows o JOIN new_rows n ON n.arn = o.arn
            WHERE (o.kind, o.account_id, o.name, o.tags, o.region)
                  IS DISTINCT FROM (n.kind, n.account_id, n.name, n.tags, n.region)
            UNION
            SELECT o.account_id FROM old_rows o JOIN new_rows n ON n.arn = o.arn
            WHERE o.account_id <> n.account_id) a ORDER BY 1
        ON CONFLICT (account_id) DO UPDATE SET generation = resource_generations.generation + 1;
    ELSE
        INSERT INTO resource_generations (account_id, generation)
        SELECT DISTINCT account_id, 1 FROM old_rows ORDER BY 1
        ON CONFLICT (account_id) DO UPDATE SET generation = resource_generations.generation + 1;
    END IF;
    RETURN NULL;
END
$$;
