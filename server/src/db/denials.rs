//! CloudTrail denials (one row per principal, action, resource and error
//! code) and how far the trail's S3 log files have been read.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Session or user names kept per denial, most recent first.
pub const MAX_SESSIONS: usize = 10;

/// One stored denial, or a batch's worth of one to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenialRow {
    pub principal_arn: String,
    pub action: String,
    pub resource: String,
    pub error_code: String,
    pub account_id: String,
    pub count: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Most recent first, at most [`MAX_SESSIONS`].
    pub sessions: Vec<String>,
}

/// Adds `rows` (one per key, sorted by key so concurrent batches lock rows
/// in the same order): a new key is inserted, a known one gets the count
/// added, first/last seen widened and the names merged (new ones first,
/// bounded). Names must not contain a newline (they travel joined by one).
pub async fn upsert(conn: &mut PgConnection, rows: &[DenialRow]) -> crate::Result<u64> {
    let col = |f: fn(&DenialRow) -> &String| rows.iter().map(f).cloned().collect::<Vec<_>>();
    let counts: Vec<i64> = rows.iter().map(|r| r.count).collect();
    let first: Vec<DateTime<Utc>> = rows.iter().map(|r| r.first_seen).collect();
    let last: Vec<DateTime<Utc>> = rows.iter().map(|r| r.last_seen).collect();
    let sessions: Vec<String> = rows.iter().map(|r| r.sessions.join("\n")).collect();
    let max = MAX_SESSIONS as i64;
    Ok(sqlx::query!(
        r#"INSERT INTO denials (principal_arn, action, resource, error_code, account_id,
                                count, first_seen, last_seen, sessions)
           SELECT t.p, t.a, t.r, t.e, t.acct, t.n, t.f, t.l, string_to_array(t.s, E'\n')
           FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                       $6::int8[], $7::timestamptz[], $8::timestamptz[], $9::text[])
                AS t(p, a, r, e, acct, n, f, l, s)
           ON CONFLICT (principal_arn, action, resource, error_code) DO UPDATE SET
               count = denials.count + excluded.count,
               first_seen = LEAST(denials.first_seen, excluded.first_seen),
               last_seen = GREATEST(denials.last_seen, excluded.last_seen),
               sessions = ARRAY(
                   SELECT u.s FROM unnest(excluded.sessions || denials.sessions)
                       WITH ORDINALITY AS u(s, i)
                   GROUP BY u.s ORDER BY min(u.i) LIMIT $10)"#,
        &col(|r| &r.principal_arn),
        &col(|r| &r.action),
        &col(|r| &r.resource),
        &col(|r| &r.error_code),
        &col(|r| &r.account_id),
        &counts,
        &first,
        &last,
        &sessions,
        max,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Whether a denial would now be allowed, as last judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Allowed since then (and not denied again after), by this request.
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<uuid::Uuid>,
    /// Why it is still denied, when it was judged and not allowed.
    pub verdict: Option<String>,
}

/// In which order a principal's denials are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Most calls first (its page's "Denied calls").
    ByCount,
    /// Latest first.
    Latest,
}

/// A principal's denials seen since `since`, in `order` (ties: the other
/// key), each with its verdict (a resolved one seen again after is open
/// again).
pub async fn for_principal(
    conn: &mut PgConnection,
    principal_arn: &str,
    since: DateTime<Utc>,
    limit: i64,
    order: Order,
) -> crate::Result<Vec<(DenialRow, Verdict)>> {
    let rows = sqlx::query!(
        r#"SELECT principal_arn, action, resource, error_code, account_id, count,
                  first_seen, last_seen, sessions,
                  CASE WHEN last_seen <= resolved_at THEN resolved_at END AS resolved_at,
                  CASE WHEN last_seen <= resolved_at THEN resolved_by END AS resolved_by,
                  verdict
           FROM denials WHERE principal_arn = $1 AND last_seen >= $2
           ORDER BY CASE WHEN $4 THEN count ELSE 0 END DESC, last_seen DESC, count DESC
           LIMIT $3"#,
        principal_arn,
        since,
        limit,
        order == Order::ByCount,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                DenialRow {
                    principal_arn: r.principal_arn,
                    action: r.action,
                    resource: r.resource,
                    error_code: r.error_code,
                    account_id: r.account_id,
                    count: r.count,
                    first_seen: r.first_seen,
                    last_seen: r.last_seen,
                    sessions: r.sessions,
                },
                Verdict {
                    resolved_at: r.resolved_at,
                    resolved_by: r.resolved_by,
                    verdict: r.verdict,
                },
            )
        })
        .collect())
}

/// A principal's denials seen since `since` that are not resolved (never,
/// or denied again since): what a new check judges.
pub async fn open_for(
    conn: &mut PgConnection,
    principal_arn: &str,
    since: DateTime<Utc>,
) -> crate::Result<Vec<(String, String, String)>> {
    let rows = sqlx::query!(
        "SELECT action, resource, error_code FROM denials
         WHERE principal_arn = $1 AND last_seen >= $2
           AND (resolved_at IS NULL OR last_seen > resolved_at)",
        principal_arn,
        since,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.action, r.resource, r.error_code))
        .collect())
}

/// Records a check of one denial: allowed (resolved now, by `request`) or
/// still denied, and why.
pub async fn judge(
    conn: &mut PgConnection,
    principal_arn: &str,
    (action, resource, error_code): (&str, &str, &str),
    allowed: bool,
    why: Option<&str>,
    request: Option<uuid::Uuid>,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE denials SET checked_at = now(),
             resolved_at = CASE WHEN $5 THEN now() ELSE NULL END,
             resolved_by = CASE WHEN $5 THEN $7::uuid ELSE NULL END,
             verdict = CASE WHEN $5 THEN NULL ELSE $6::text END
         WHERE principal_arn = $1 AND action = $2 AND resource = $3 AND error_code = $4",
        principal_arn,
        action,
        resource,
        error_code,
        allowed,
        why,
        request,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Denials seen since `since` that nobody was told of since they were last
/// seen, by principal: what the next digest says (at most `limit`).
pub async fn to_notify(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
    limit: i64,
) -> crate::Result<Vec<DenialRow>> {
    Ok(sqlx::query_as!(
        DenialRow,
        "SELECT principal_arn, action, resource, error_code, account_id, count,
                first_seen, last_seen, sessions
         FROM denials
         WHERE last_seen >= $1 AND (notified_at IS NULL OR last_seen > notified_at)
         ORDER BY principal_arn, count DESC, last_seen DESC LIMIT $2",
        since,
        limit,
    )
    .fetch_all(conn)
    .await?)
}

/// Records that the people concerned were told of these denials now.
pub async fn mark_notified(conn: &mut PgConnection, rows: &[DenialRow]) -> crate::Result<u64> {
    let col = |f: fn(&DenialRow) -> &String| rows.iter().map(f).cloned().collect::<Vec<_>>();
    Ok(sqlx::query!(
        "UPDATE denials d SET notified_at = now()
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) AS k(p, a, r, e)
         WHERE d.principal_arn = k.p AND d.action = k.a AND d.resource = k.r AND d.error_code = k.e",
        &col(|r| &r.principal_arn),
        &col(|r| &r.action),
        &col(|r| &r.resource),
        &col(|r| &r.error_code),
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Principals with a denial seen since `since`: one index probe per
/// principal (a skip scan over `(principal_arn, last_seen)`), not a scan of
/// every stored denial.
pub async fn principals_since(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"WITH RECURSIVE p(arn) AS (
               SELECT min(principal_arn) FROM denials
               UNION ALL
               SELECT (SELECT min(principal_arn) FROM denials WHERE principal_arn > p.arn)
               FROM p WHERE p.arn IS NOT NULL)
           SELECT arn AS "arn!" FROM p
           WHERE arn IS NOT NULL AND EXISTS (
               SELECT 1 FROM denials d WHERE d.principal_arn = p.arn AND d.last_seen >= $1)"#,
        since
    )
    .fetch_all(conn)
    .await?)
}

/// Denied calls seen since `since` per principal of `arns` (absent: none).
pub async fn counts_for(
    conn: &mut PgConnection,
    arns: &[String],
    since: DateTime<Utc>,
) -> crate::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT principal_arn, sum(count)::int8 AS "n!" FROM denials
           WHERE principal_arn = ANY($1) AND last_seen >= $2 GROUP BY principal_arn"#,
        arns,
        since
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.principal_arn, r.n)).collect())
}

/// For `/metrics`: stored denials seen since `since`, the calls they count,
/// and the principals they are of.
pub async fn totals_since(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
) -> crate::Result<(i64, i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT count(*) AS "rows!", coalesce(sum(count), 0)::int8 AS "calls!",
                  count(DISTINCT principal_arn) AS "principals!"
           FROM denials WHERE last_seen >= $1"#,
        since
    )
    .fetch_one(conn)
    .await?;
    Ok((r.rows, r.calls, r.principals))
}

/// Removes denials last seen before `cutoff`.
pub async fn purge_before(conn: &mut PgConnection, cutoff: DateTime<Utc>) -> crate::Result<u64> {
    Ok(
        sqlx::query!("DELETE FROM denials WHERE last_seen < $1", cutoff)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// The last key read under `prefix` of `bucket`.
pub async fn position(
    conn: &mut PgConnection,
    bucket: &str,
    prefix: &str,
) -> crate::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT last_key FROM cloudtrail_positions WHERE bucket = $1 AND prefix = $2",
        bucket,
        prefix,
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn set_position(
    conn: &mut PgConnection,
    bucket: &str,
    prefix: &str,
    last_key: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "INSERT INTO cloudtrail_positions (bucket, prefix, last_key) VALUES ($1, $2, $3)
         ON CONFLICT (bucket, prefix) DO UPDATE SET last_key = excluded.last_key, updated_at = now()",
        bucket,
        prefix,
        last_key,
    )
    .execute(conn)
    .await?;
    Ok(())
}
