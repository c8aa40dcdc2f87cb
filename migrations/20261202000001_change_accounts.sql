-- Review follows the account each change is applied in, not the account of
-- the request's principal: a change's account is fixed when the request is
-- authorized, and a request is visible to and decided by the approvers of
-- the accounts its changes touch (requests.account_ids).
ALTER TABLE request_changes ADD COLUMN account_id text;
UPDATE request_changes c
   SET account_id = COALESCE(NULLIF(split_part(c.target_arn, ':', 5), ''),
                             (SELECT r.account_id FROM resources r WHERE r.arn = c.target_arn));

ALTER TABLE requests ADD COLUMN account_ids text[] NOT NULL DEFAULT '{}';
-- Older requests keep their principal's account too, so nobody who could
-- see one loses it.
UPDATE requests r
   SET account_ids = ARRAY(
       SELECT DISTINCT x FROM (
           SELECT c.account_id AS x FROM request_changes c
            WHERE c.request_id = r.id AND c.account_id IS NOT NULL
           UNION SELECT r.account_id) t
       ORDER BY 1);
CREATE INDEX requests_account_ids_idx ON requests USING gin (account_ids);
