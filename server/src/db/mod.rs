//! Postgres access. Queries take `&mut PgConnection` so one transaction can
//! cover a state change, its events and its audit row. Every statement is
//! `sqlx::query!`/`query_as!`/`query_scalar!`, checked at build time against
//! `server/.sqlx` (regenerate with `scripts/sqlx-prepare.sh`); the one
//! exception is the resources page's search (`resources::list`), whose
//! filters and sort change the statement's shape.
pub mod access_rules;
pub mod accounts;
pub mod applications;
pub mod audit;
pub mod cli_logins;
pub mod creators;
pub mod denials;
pub mod listen;
pub mod oidc_logins;
pub mod protection;
pub mod requests;
pub mod resource_index;
pub mod resources;
pub mod roles;
pub mod sessions;
pub mod sync_runs;
pub mod tokens;
pub mod weep_challenges;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};

/// A connection from the pool (its failure is a [`crate::Error`], so `?`
/// turns it into what the user sees like any other database failure).
pub async fn conn(pool: &PgPool) -> crate::Result<PoolConnection<Postgres>> {
    Ok(pool.acquire().await?)
}

/// A transaction on a connection from the pool.
pub async fn begin(pool: &PgPool) -> crate::Result<Transaction<'static, Postgres>> {
    Ok(pool.begin().await?)
}

pub async fn commit(tx: Transaction<'_, Postgres>) -> crate::Result<()> {
    Ok(tx.commit().await?)
}

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(url: &str, max: u32) -> crate::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await?)
}

/// Whether Postgres answers a trivial statement.
pub async fn ping(pool: &PgPool) -> crate::Result<()> {
    Ok(sqlx::query_scalar!(r#"SELECT 1 AS "one!""#)
        .fetch_one(pool)
        .await
        .map(drop)?)
}

/// Takes the transaction-scoped advisory lock named `key` if no other
/// session holds it (false: another replica does).
pub async fn try_xact_lock(conn: &mut PgConnection, key: &str) -> crate::Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock(hashtext($1)) AS "locked!""#,
        key
    )
    .fetch_one(conn)
    .await?)
}

/// Takes the transaction-scoped advisory lock named `key`, waiting for the
/// session that holds it.
pub async fn xact_lock(conn: &mut PgConnection, key: &str) -> crate::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
