//! Browser sessions. Only a hash of the cookie value is stored.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: String,
    pub display_name: String,
    pub groups: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

pub async fn create(
    conn: &mut PgConnection,
    token_hash: &str,
    user_id: &str,
    display_name: &str,
    groups: &[String],
    expires_at: DateTime<Utc>,
) -> crate::Result<()> {
    // Sweep sessions nobody came back with; sign-ins are rare enough to pay for it.
    sqlx::query!("DELETE FROM sessions WHERE expires_at <= now()")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("INSERT INTO sessions (token_hash, user_id, display_name, groups, expires_at) VALUES ($1, $2, $3, $4, $5)", token_hash, user_id, display_name, groups, expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The live session for this hash, if any. An expired one is refused and
/// deleted in the same statement.
pub async fn find(conn: &mut PgConnection, token_hash: &str) -> crate::Result<Option<SessionRow>> {
    Ok(sqlx::query_as!(
        SessionRow,
        "WITH expired AS (
             DELETE FROM sessions WHERE token_hash = $1 AND expires_at <= now()
         )
         SELECT user_id, display_name, groups, expires_at FROM sessions
         WHERE token_hash = $1 AND expires_at > now()",
        token_hash,
    )
    .fetch_optional(conn)
    .await?)
}

/// Ends one session; whose it was, if it was live.
pub async fn delete(conn: &mut PgConnection, token_hash: &str) -> crate::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id",
        token_hash
    )
    .fetch_optional(conn)
    .await?)
}

/// Ends every session of `user_id`; returns their hashes.
pub async fn delete_all_for(conn: &mut PgConnection, user_id: &str) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "DELETE FROM sessions WHERE user_id = $1 RETURNING token_hash",
        user_id
    )
    .fetch_all(conn)
    .await?)
}
