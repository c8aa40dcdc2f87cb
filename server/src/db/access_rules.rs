//! Versions of the access rules (Admin › Access); the newest is in force.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct RulesRow {
    pub version: i64,
    pub rules: serde_json::Value,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    pub source: String,
    pub note: String,
}

pub async fn latest(conn: &mut PgConnection) -> crate::Result<Option<RulesRow>> {
    Ok(sqlx::query_as!(
        RulesRow,
        "SELECT version, rules, changed_by, changed_at, source, note
         FROM access_rules ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

/// The newest version the config file wrote (what it said when it last
/// seeded or changed the rules).
pub async fn latest_from_config(conn: &mut PgConnection) -> crate::Result<Option<RulesRow>> {
    Ok(sqlx::query_as!(
        RulesRow,
        "SELECT version, rules, changed_by, changed_at, source, note
         FROM access_rules WHERE source = 'config' ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

/// The newest `limit` versions, newest first.
pub async fn history(conn: &mut PgConnection, limit: i64) -> crate::Result<Vec<RulesRow>> {
    Ok(sqlx::query_as!(
        RulesRow,
        "SELECT version, rules, changed_by, changed_at, source, note
         FROM access_rules ORDER BY version DESC LIMIT $1",
        limit,
    )
    .fetch_all(conn)
    .await?)
}

pub struct NewVersion<'a> {
    pub version: i64,
    pub rules: &'a serde_json::Value,
    pub changed_by: &'a str,
    pub source: &'a str,
    pub note: &'a str,
}

/// Inserts a version (the caller holds the rules' lock and checked that
/// `version` is the next one).
pub async fn insert(conn: &mut PgConnection, v: &NewVersion<'_>) -> crate::Result<()> {
    sqlx::query!(
        "INSERT INTO access_rules (version, rules, changed_by, source, note)
         VALUES ($1, $2, $3, $4, $5)",
        v.version,
        v.rules,
        v.changed_by,
        v.source,
        v.note,
    )
    .execute(conn)
    .await?;
    Ok(())
}
