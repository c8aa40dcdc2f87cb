-- The region a cached resource lives in, for the resources page's region
-- column and filter: a queue's or topic's from its ARN, a bucket's (whose
-- ARN has none) from what the sync found (details.region); empty for IAM,
-- which is global.
ALTER TABLE resources ADD COLUMN region text NOT NULL GENERATED ALWAYS AS (
    coalesce(nullif(split_part(arn, ':', 4), ''), details->>'region', '')
) STORED;
-- Filtering by region in name order, and listing the regions present
-- (one index probe per region).
CREATE INDEX resources_region_name_idx ON resources (region, name, arn);
