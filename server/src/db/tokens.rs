//! API tokens (hashed), with their expiry and scope.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub scope: String,
}

#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub user_id: String,
    pub display_name: String,
    pub groups: Vec<String>,
}

/// A live token's owner, scope and end.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub owner: TokenOwner,
    pub scope: String,
    pub expires_at: DateTime<Utc>,
}

pub struct NewToken<'a> {
    pub id: Uuid,
    pub owner: &'a TokenOwner,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub expires_at: DateTime<Utc>,
    pub scope: &'a str,
}

pub async fn create(conn: &mut PgConnection, t: &NewToken<'_>) -> crate::Result<()> {
    sqlx::query!(
        "INSERT INTO api_tokens (id, user_id, display_name, groups, name, token_hash, expires_at, scope)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        t.id,
        &t.owner.user_id,
        &t.owner.display_name,
        &t.owner.groups,
        t.name,
        t.token_hash,
        t.expires_at,
        t.scope,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The owner of a live (unrevoked, unexpired) token. Marks it used, at most
/// once a minute, so a busy CLI does not pay a write per call.
pub async fn use_token(
    conn: &mut PgConnection,
    token_hash: &str,
) -> crate::Result<Option<LiveToken>> {
    let row = sqlx::query!(
        r#"SELECT user_id, display_name, groups, scope, expires_at,
                  (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS "stale!"
           FROM api_tokens
           WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()"#,
        token_hash,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.stale {
        sqlx::query!(
            "UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1",
            token_hash,
        )
        .execute(conn)
        .await?;
    }
    Ok(Some(LiveToken {
        owner: TokenOwner {
            user_id: row.user_id,
            display_name: row.display_name,
            groups: row.groups,
        },
        scope: row.scope,
        expires_at: row.expires_at,
    }))
}

pub async fn list(conn: &mut PgConnection, user_id: &str) -> crate::Result<Vec<TokenRow>> {
    Ok(sqlx::query_as!(
        TokenRow,
        "SELECT id, name, created_at, last_used_at, revoked_at, expires_at, scope
         FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
        user_id,
    )
    .fetch_all(conn)
    .await?)
}

/// Revokes one of `user_id`'s tokens; its hash, or `None` when there is no
/// such live token.
pub async fn revoke(
    conn: &mut PgConnection,
    user_id: &str,
    id: Uuid,
) -> crate::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now()
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING token_hash",
        id,
        user_id,
    )
    .fetch_optional(conn)
    .await?)
}

/// Revokes every live token of `user_id`; their hashes.
pub async fn revoke_all_for(conn: &mut PgConnection, user_id: &str) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL RETURNING token_hash",
        user_id,
    )
    .fetch_all(conn)
    .await?)
}

/// Gives `user_id`'s live tokens the groups the identity provider just
/// reported at sign-in, so a token never keeps a group its owner lost.
/// Returns the hashes of the tokens that changed.
pub async fn set_groups_for(
    conn: &mut PgConnection,
    user_id: &str,
    groups: &[String],
) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "UPDATE api_tokens SET groups = $2
         WHERE user_id = $1 AND revoked_at IS NULL AND groups IS DISTINCT FROM $2
         RETURNING token_hash",
        user_id,
        groups,
    )
    .fetch_all(conn)
    .await?)
}
