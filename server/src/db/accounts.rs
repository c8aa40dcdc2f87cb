//! Accounts known to Latchkey (from config for now).
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub account_id: String,
    pub name: String,
    pub enabled: bool,
}

/// Makes the table match the configured accounts (config is the source of truth).
pub async fn upsert_from_config(
    conn: &mut PgConnection,
    accounts: &[(String, String, bool)],
) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = accounts.iter().map(|a| a.0.clone()).collect();
    let names: Vec<String> = accounts.iter().map(|a| a.1.clone()).collect();
    let enabled: Vec<bool> = accounts.iter().map(|a| a.2).collect();
    sqlx::query(
        "INSERT INTO accounts (account_id, name, enabled, source)
         SELECT id, name, enabled, 'config' FROM UNNEST($1::text[], $2::text[], $3::bool[]) AS t(id, name, enabled)
         ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, updated_at = now()
         WHERE (accounts.name, accounts.enabled) IS DISTINCT FROM (excluded.name, excluded.enabled)",
    )
    .bind(&ids)
    .bind(&names)
    .bind(&enabled)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE accounts SET enabled = false WHERE source = 'config' AND NOT (account_id = ANY($1))")
        .bind(&ids)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<AccountRow>, sqlx::Error> {
    sqlx::query_as("SELECT account_id, name, enabled FROM accounts ORDER BY name")
        .fetch_all(conn)
        .await
}
