//! API tokens (hashed).
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwner {
    pub user_id: String,
    pub display_name: String,
    pub groups: Vec<String>,
}

pub async fn create(
    conn: &mut PgConnection,
    id: Uuid,
    owner: &TokenOwner,
    name: &str,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, display_name, groups, name, token_hash) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&owner.user_id)
    .bind(&owner.display_name)
    .bind(&owner.groups)
    .bind(name)
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// The owner of a live token. Marks it used, at most once a minute, so a busy
/// CLI does not pay a write per call.
pub async fn use_token(
    conn: &mut PgConnection,
    token_hash: &str,
) -> Result<Option<TokenOwner>, sqlx::Error> {
    let row: Option<(TokenOwner, bool)> = super::optional(
        sqlx::query_as::<_, (String, String, Vec<String>, bool)>(
            "SELECT user_id, display_name, groups,
                    (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
             FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_one(&mut *conn)
        .await,
    )?
    .map(|(user_id, display_name, groups, stale)| {
        (
            TokenOwner {
                user_id,
                display_name,
                groups,
            },
            stale,
        )
    });
    if let Some((_, true)) = &row {
        sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1")
            .bind(token_hash)
            .execute(conn)
            .await?;
    }
    Ok(row.map(|(owner, _)| owner))
}

pub async fn list(conn: &mut PgConnection, user_id: &str) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// Revokes one of `user_id`'s tokens; its hash, or `None` when there is no
/// such live token.
pub async fn revoke(
    conn: &mut PgConnection,
    user_id: &str,
    id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    super::optional(
        sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = now()
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING token_hash",
        )
        .bind(id)
        .bind(user_id)
        .fetch_one(conn)
        .await,
    )
}
