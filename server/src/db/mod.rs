//! Postgres access. Queries take `&mut PgConnection` so one transaction can
//! cover a state change, its events and its audit row. Every statement is
//! `sqlx::query!`/`query_as!`/`query_scalar!`, checked at build time against
//! `server/.sqlx` (regenerate with `scripts/sqlx-prepare.sh`); the one
//! exception is the resources page's search (`resources::list`), whose
//! filters and sort change the statement's shape.
pub mod accounts;
pub mod audit;
pub mod cli_logins;
pub mod listen;
pub mod oidc_logins;
pub mod requests;
pub mod resource_index;
pub mod resources;
pub mod roles;
pub mod sessions;
pub mod sync_runs;
pub mod tokens;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::PgConnection;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(url: &str, max: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
}

/// Whether Postgres answers a trivial statement.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!""#)
        .fetch_one(pool)
        .await
        .map(drop)
}

/// Takes the transaction-scoped advisory lock named `key` if no other
/// session holds it (false: another replica does).
pub async fn try_xact_lock(conn: &mut PgConnection, key: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock(hashtext($1)) AS "locked!""#,
        key
    )
    .fetch_one(conn)
    .await
}
