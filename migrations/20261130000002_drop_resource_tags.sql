-- resource_tags (20261129000002) made tag=value filters walk an index in
-- SQL. The in-process search index (db::search_index) now answers every tag
-- filter, and keeping a second copy of each tag cost a quarter of the sync's
-- write time (1,000 rows: ~18 ms of inserts with per-row foreign-key checks,
-- plus the deletes). When SQL answers (index behind or switched off), tag
-- filters use resources_tags_idx (GIN, jsonb_path_ops) as before.
DROP TABLE resource_tags;
-- Redundant: the unique (account_id, name) index serves lookups by account.
DROP INDEX roles_account_idx;
