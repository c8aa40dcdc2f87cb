-- What a change's target held (as cached) when the request was made, so
-- applying can tell whether AWS changed since: an additive change is then
-- merged into what AWS holds now, anything else is refused as a conflict.
-- base_read is false for changes made before this (nothing to compare).
ALTER TABLE request_changes
    ADD COLUMN base_document jsonb,
    ADD COLUMN base_read boolean NOT NULL DEFAULT false;
