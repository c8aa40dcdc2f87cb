-- Change counters for in-process search indexes (db::search_index). Every
-- statement that inserts, updates or deletes cached resources (sync, refresh,
-- an account's removal by cascade) bumps the generation of each account it
-- touched, in the same transaction. A replica's index remembers the sum it was
-- built at; a search reads the sum in the same snapshot as the page it
-- fetches, and answers from the index only if nothing has committed since.
-- One row per account keeps concurrent syncs of different accounts from
-- waiting on each other; rows only ever grow, so the sum never repeats.
CREATE TABLE resource_generations (
    account_id text PRIMARY KEY,
    generation bigint NOT NULL
);

CREATE FUNCTION bump_resource_generations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO resource_generations (account_id, generation)
        SELECT DISTINCT account_id, 1 FROM new_rows ORDER BY 1
        ON CONFLICT (account_id) DO UPDATE SET generation = resource_generations.generation + 1;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO resource_generations (account_id, generation)
        SELECT account_id, 1 FROM (SELECT account_id FROM new_rows UNION SELECT account_id FROM old_rows) a ORDER BY 1
        ON CONFLICT (account_id) DO UPDATE SET generation = resource_generations.generation + 1;
    ELSE
        INSERT INTO resource_generations (account_id, generation)
        SELECT DISTINCT account_id, 1 FROM old_rows ORDER BY 1
        ON CONFLICT (account_id) DO UPDATE SET generation = resource_generations.generation + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER resources_generation_insert AFTER INSERT ON resources
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_generations();
CREATE TRIGGER resources_generation_update AFTER UPDATE ON resources
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_generations();
CREATE TRIGGER resources_generation_delete AFTER DELETE ON resources
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_resource_generations();
