//! Postgres access. Queries take `&mut PgConnection` so one transaction can
//! cover a state change, its events and its audit row.
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

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(url: &str, max: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
}

/// `RowNotFound` becomes `None` here and nowhere else.
pub fn optional<T>(r: Result<T, sqlx::Error>) -> Result<Option<T>, sqlx::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(sqlx::Error::RowNotFound) => Ok(None),
        Err(e) => Err(e),
    }
}
