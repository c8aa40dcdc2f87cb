-- Fills the resources cache with synthetic rows for the 1M-row benchmarks
-- (scripts/bench.sh over HTTP, server/benches in process): bench.rows rows
-- over bench.accounts accounts, six kinds, two tags each. Set both first:
--   SELECT set_config('bench.rows', '1000000', false), set_config('bench.accounts', '100', false);
TRUNCATE resources, accounts CASCADE;
INSERT INTO accounts (account_id, name)
  SELECT lpad((100000000000 + i)::text, 12, '0'), 'account-' || i
  FROM generate_series(0, current_setting('bench.accounts')::bigint - 1) i;
INSERT INTO resources (arn, kind, account_id, name, tags, policy, details)
SELECT arn, kind, acct, name,
       jsonb_build_array(jsonb_build_object('key', 'env', 'value', CASE WHEN i % 3 = 0 THEN 'prod' ELSE 'dev' END),
                         jsonb_build_object('key', 'team', 'value', 'team-' || (i % 50))),
       '{"Version":"2012-10-17","Statement":[]}'::jsonb, '{}'::jsonb
FROM (SELECT i, lpad((100000000000 + i % current_setting('bench.accounts')::bigint)::text, 12, '0') AS acct,
             (ARRAY['role','user','s3_bucket','sqs_queue','sns_topic','managed_policy'])[1 + i % 6] AS kind,
             (ARRAY['api','worker','etl','web','batch','ml','audit','ops'])[1 + (i / 6) % 8] || '-' || lpad((i / 48)::text, 5, '0') || '-' || (i % 6) AS name
      FROM generate_series(0, current_setting('bench.rows')::bigint - 1) i) s,
     LATERAL (SELECT CASE kind
         WHEN 'role' THEN 'arn:aws:iam::' || acct || ':role/' || name
         WHEN 'user' THEN 'arn:aws:iam::' || acct || ':user/' || name
         WHEN 'managed_policy' THEN 'arn:aws:iam::' || acct || ':policy/' || name
         WHEN 's3_bucket' THEN 'arn:aws:s3:::' || name || '-' || i
         WHEN 'sqs_queue' THEN 'arn:aws:sqs:us-east-1:' || acct || ':' || name
         ELSE 'arn:aws:sns:us-east-1:' || acct || ':' || name END AS arn) a;
ANALYZE resources;
