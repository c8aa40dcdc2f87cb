//! CLI sign-in codes (hashed), issued to a signed-in browser and exchanged
//! once by the CLI for an API token.
use super::tokens::TokenOwner;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct PendingCode {
    pub user_id: String,
    pub display_name: String,
    pub groups: Vec<String>,
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Stores a new code for `owner` (and sweeps codes long past their expiry;
/// recently expired ones stay so the CLI hears "expired", not "unknown").
pub async fn create(
    conn: &mut PgConnection,
    code_hash: &str,
    owner: &TokenOwner,
    challenge: &str,
    expires_at: DateTime<Utc>,
) -> crate::Result<()> {
    sqlx::query!("DELETE FROM cli_logins WHERE expires_at < now() - interval '1 day'")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO cli_logins (code_hash, user_id, display_name, groups, challenge, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        code_hash,
        &owner.user_id,
        &owner.display_name,
        &owner.groups,
        challenge,
        expires_at
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The code's row, locked until the transaction ends so two exchanges of one
/// code cannot both succeed.
pub async fn find_for_update(
    conn: &mut PgConnection,
    code_hash: &str,
) -> crate::Result<Option<PendingCode>> {
    Ok(sqlx::query_as!(
        PendingCode,
        "SELECT user_id, display_name, groups, challenge, expires_at, used_at
         FROM cli_logins WHERE code_hash = $1 FOR UPDATE",
        code_hash,
    )
    .fetch_optional(conn)
    .await?)
}

/// Records that the code became token `token_id`; it is never accepted again.
pub async fn mark_used(
    conn: &mut PgConnection,
    code_hash: &str,
    token_id: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE cli_logins SET used_at = now(), token_id = $2::text::uuid WHERE code_hash = $1",
        code_hash,
        token_id
    )
    .execute(conn)
    .await?;
    Ok(())
}
