-- One row per tag of a cached resource, so a tag filter walks an index in
-- name order (keyset pages) instead of filtering the name index row by row
-- through the tags JSON: team=team-7 over 1M rows went from ~2 ms to ~0.5 ms.
-- Written by db::resources::upsert for the rows it writes; removed with the
-- resource (ON DELETE CASCADE).
CREATE TABLE resource_tags (
    arn   text NOT NULL REFERENCES resources(arn) ON DELETE CASCADE,
    key   text NOT NULL,
    value text NOT NULL,
    name  text NOT NULL,
    kind  text NOT NULL,
    account_id text NOT NULL,
    PRIMARY KEY (arn, key)
);
-- kind and account ride along so "tag + type/account" filters are checked on
-- the index, fetching only the rows of the page.
CREATE INDEX resource_tags_key_value_name_idx ON resource_tags (key, value, name, arn)
    INCLUDE (kind, account_id);

INSERT INTO resource_tags (arn, key, value, name, kind, account_id)
SELECT r.arn, t->>'key', coalesce(t->>'value', ''), r.name, r.kind, r.account_id
FROM resources r, jsonb_array_elements(r.tags) t
WHERE t->>'key' IS NOT NULL
ON CONFLICT DO NOTHING;
