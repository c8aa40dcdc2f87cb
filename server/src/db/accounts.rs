//! Accounts known to Latchkey: from config and discovered from AWS
//! Organizations. `enabled` is the admin's switch; config can force it off.
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub account_id: String,
    pub name: String,
    pub source: String,
    pub enabled: bool,
}

/// Adds new configured accounts and renames existing ones. An account that
/// config marks disabled, or that left the config, is disabled; otherwise the
/// admin's enable/disable choice stands.
pub async fn upsert_from_config(
    conn: &mut PgConnection,
    accounts: &[(String, String, bool)],
) -> crate::Result<()> {
    let ids: Vec<String> = accounts.iter().map(|a| a.0.clone()).collect();
    let names: Vec<String> = accounts.iter().map(|a| a.1.clone()).collect();
    let enabled: Vec<bool> = accounts.iter().map(|a| a.2).collect();
    sqlx::query!("INSERT INTO accounts (account_id, name, enabled, source)
         SELECT id, name, enabled, 'config' FROM UNNEST($1::text[], $2::text[], $3::bool[]) AS t(id, name, enabled)
         ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, source = 'config',
             enabled = accounts.enabled AND excluded.enabled, updated_at = now()
         WHERE (accounts.name, accounts.source, accounts.enabled)
               IS DISTINCT FROM (excluded.name, 'config', accounts.enabled AND excluded.enabled)", &ids, &names, &enabled)
    .execute(&mut *conn)
    .await?;
    sqlx::query!("UPDATE accounts SET enabled = false WHERE source = 'config' AND NOT (account_id = ANY($1)) AND enabled", &ids)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records accounts found in an organization: new ones are added (enabled
/// when active and `enable_new`); known ones get the organization's name
/// unless config names them; accounts that are no longer active, or left
/// the organization, are disabled.
/// Returns how many accounts were added.
pub async fn upsert_discovered(
    conn: &mut PgConnection,
    source: &str,
    accounts: &[(String, String, bool)],
    enable_new: bool,
) -> crate::Result<u64> {
    let ids: Vec<String> = accounts.iter().map(|a| a.0.clone()).collect();
    let names: Vec<String> = accounts.iter().map(|a| a.1.clone()).collect();
    let active: Vec<bool> = accounts.iter().map(|a| a.2).collect();
    let added = sqlx::query!("INSERT INTO accounts (account_id, name, enabled, source)
         SELECT id, name, active AND $5, $4 FROM UNNEST($1::text[], $2::text[], $3::bool[]) AS t(id, name, active)
         ON CONFLICT (account_id) DO NOTHING", &ids, &names, &active, source, enable_new)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!(
        "UPDATE accounts a SET
             name = CASE WHEN a.source = 'config' THEN a.name ELSE t.name END,
             enabled = a.enabled AND t.active, updated_at = now()
         FROM UNNEST($1::text[], $2::text[], $3::bool[]) AS t(id, name, active)
         WHERE a.account_id = t.id
           AND (a.name IS DISTINCT FROM (CASE WHEN a.source = 'config' THEN a.name ELSE t.name END)
                OR a.enabled IS DISTINCT FROM (a.enabled AND t.active))",
        &ids,
        &names,
        &active
    )
    .execute(&mut *conn)
    .await?;
    // Accounts that left the organization stop being synced.
    sqlx::query!("UPDATE accounts SET enabled = false, updated_at = now() WHERE source = $1 AND enabled AND NOT (account_id = ANY($2))", source, &ids)
        .execute(&mut *conn)
        .await?;
    Ok(added)
}

pub async fn set_enabled(
    conn: &mut PgConnection,
    account_id: &str,
    enabled: bool,
) -> crate::Result<bool> {
    Ok(sqlx::query!(
        "UPDATE accounts SET enabled = $2, updated_at = now() WHERE account_id = $1",
        account_id,
        enabled
    )
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn list(conn: &mut PgConnection) -> crate::Result<Vec<AccountRow>> {
    Ok(sqlx::query_as!(
        AccountRow,
        "SELECT account_id, name, source, enabled FROM accounts ORDER BY name"
    )
    .fetch_all(conn)
    .await?)
}

pub async fn list_enabled(conn: &mut PgConnection) -> crate::Result<Vec<AccountRow>> {
    Ok(sqlx::query_as!(
        AccountRow,
        "SELECT account_id, name, source, enabled FROM accounts WHERE enabled ORDER BY name",
    )
    .fetch_all(conn)
    .await?)
}

/// One account by id.
pub async fn get(conn: &mut PgConnection, id: &str) -> crate::Result<Option<AccountRow>> {
    Ok(sqlx::query_as!(
        AccountRow,
        "SELECT account_id, name, source, enabled FROM accounts WHERE account_id = $1",
        id,
    )
    .fetch_optional(conn)
    .await?)
}
