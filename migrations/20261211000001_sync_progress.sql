-- How far a running pass has got, written about once a second while it
-- runs (every replica's Admin > Sync shows it): items read, and items the
-- pass has listed so far (0 while a pass lists and reads together).
ALTER TABLE sync_runs ADD COLUMN progress_read integer, ADD COLUMN progress_listed integer;
