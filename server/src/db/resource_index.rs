//! What the in-process resource search index reads: every cached row in
//! the page's order, the sort leads as Postgres collates them, and the
//! generation the read was taken at, all in one repeatable-read snapshot;
//! and the one small statement that says whether a snapshot is still current.
use futures_util::stream::BoxStream;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// One cached row as the index stores it.
pub struct IndexRow {
    pub arn: String,
    pub arn_lower: String,
    pub name: String,
    pub kind: String,
    pub account_id: String,
    /// Empty for IAM (global).
    pub region: String,
    /// `key\u{1f}value` strings.
    pub tags: Vec<String>,
}

/// A read-only repeatable-read transaction: everything read through it is
/// one snapshot of the cache.
pub async fn begin_snapshot(pool: &PgPool) -> crate::Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The sum of every account's cache generation: it changes with any write.
pub async fn generation(conn: &mut PgConnection) -> crate::Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT coalesce(sum(generation), 0)::bigint AS "generation!" FROM resource_generations"#
    )
    .fetch_one(conn)
    .await?)
}

/// The kinds present, in Postgres' order (so "sort by type" pages match
/// the SQL search exactly).
pub async fn kinds(conn: &mut PgConnection) -> crate::Result<Vec<String>> {
    Ok(
        sqlx::query_scalar!("SELECT DISTINCT kind FROM resources ORDER BY kind")
            .fetch_all(conn)
            .await?,
    )
}

/// The accounts present with their names (`None`: no accounts row), in
/// Postgres' order.
pub async fn accounts(conn: &mut PgConnection) -> crate::Result<Vec<(String, Option<String>)>> {
    Ok(sqlx::query!(
        r#"SELECT r.account_id AS "account_id!", a.name AS "name?"
           FROM (SELECT DISTINCT account_id FROM resources) r
           LEFT JOIN accounts a USING (account_id) ORDER BY r.account_id"#,
    )
    .fetch_all(conn)
    .await
    .map(|rows| rows.into_iter().map(|r| (r.account_id, r.name)).collect())?)
}

/// Every cached row in (name, ARN) order.
pub fn rows(conn: &mut PgConnection) -> BoxStream<'_, Result<IndexRow, sqlx::Error>> {
    use futures_util::StreamExt;
    sqlx::query!(
        r#"SELECT arn, lower(arn) AS "arn_lower!", name, kind, account_id, region,
            ARRAY(SELECT coalesce(t->>'key', '') || chr(31) || coalesce(t->>'value', '')
                  FROM jsonb_array_elements(tags) t WHERE t ? 'key') AS "tags!"
         FROM resources ORDER BY name, arn"#,
    )
    .fetch(conn)
    .map(|r| {
        r.map(|r| IndexRow {
            arn: r.arn,
            arn_lower: r.arn_lower,
            name: r.name,
            kind: r.kind,
            account_id: r.account_id,
            region: r.region,
            tags: r.tags,
        })
    })
    .boxed()
}

/// The current generation and the names of those of `ids` that exist.
pub async fn generation_and_names(
    conn: &mut PgConnection,
    ids: &[&str],
) -> crate::Result<(i64, Vec<String>, Vec<String>)> {
    Ok(sqlx::query!(
        r#"SELECT (SELECT coalesce(sum(generation), 0)::bigint FROM resource_generations) AS "generation!",
                coalesce(array_agg(account_id), '{}') AS "ids!", coalesce(array_agg(name), '{}') AS "names!"
         FROM accounts WHERE account_id = ANY($1)"#,
        // Borrowed strings: the macro's type check wants owned ones.
        ids as _,
    )
    .fetch_one(conn)
    .await
    .map(|r| (r.generation, r.ids, r.names))?)
}
