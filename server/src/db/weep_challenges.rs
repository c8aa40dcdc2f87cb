//! Weep challenge sign-ins (hashed secrets): created by Weep, approved by a
//! signed-in browser, collected once by Weep's poll as an API token.
use super::tokens::TokenOwner;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct Challenge {
    pub requested_user: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: String,
    pub user_id: Option<String>,
    pub display_name: Option<String>,
    pub groups: Option<Vec<String>>,
}

/// A new pending challenge (and a sweep of those a day past their expiry).
pub async fn create(
    conn: &mut PgConnection,
    id_hash: &str,
    poll_hash: &str,
    requested_user: &str,
    client: &app::ports::ClientMeta,
    expires_at: DateTime<Utc>,
) -> crate::Result<()> {
    sqlx::query!("DELETE FROM weep_challenges WHERE expires_at < now() - interval '1 day'")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO weep_challenges (id_hash, poll_hash, requested_user, ip, user_agent, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        id_hash,
        poll_hash,
        requested_user,
        client.ip,
        client.user_agent,
        expires_at
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Challenges that may still be approved.
pub async fn live(conn: &mut PgConnection) -> crate::Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM weep_challenges WHERE expires_at > now()"#
    )
    .fetch_one(conn)
    .await?)
}

/// Challenges from client address `ip` that may still be approved.
pub async fn live_from(conn: &mut PgConnection, ip: Option<&str>) -> crate::Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM weep_challenges
           WHERE expires_at > now() AND ip IS NOT DISTINCT FROM $1"#,
        ip
    )
    .fetch_one(conn)
    .await?)
}

/// Which secret a challenge is looked up by.
pub enum Secret<'a> {
    /// The challenge page's (its hash).
    Page(&'a str),
    /// The poll's (its hash).
    Poll(&'a str),
}

/// The challenge, locked until the transaction ends (two polls cannot both
/// collect the token, two approvals cannot both pass).
pub async fn for_update(
    conn: &mut PgConnection,
    by: Secret<'_>,
) -> crate::Result<Option<Challenge>> {
    let (page, poll) = match by {
        Secret::Page(h) => (Some(h), None),
        Secret::Poll(h) => (None, Some(h)),
    };
    Ok(sqlx::query_as!(
        Challenge,
        "SELECT requested_user, ip, user_agent, created_at, expires_at, status,
                user_id, display_name, groups
         FROM weep_challenges WHERE id_hash = $1 OR poll_hash = $2 FOR UPDATE",
        page,
        poll,
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn approve(
    conn: &mut PgConnection,
    id_hash: &str,
    owner: &TokenOwner,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE weep_challenges SET status = 'approved', approved_at = now(),
             user_id = $2, display_name = $3, groups = $4
         WHERE id_hash = $1 AND status = 'pending'",
        id_hash,
        &owner.user_id,
        &owner.display_name,
        &owner.groups,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn collected(
    conn: &mut PgConnection,
    poll_hash: &str,
    token_id: uuid::Uuid,
) -> crate::Result<()> {
    sqlx::query!(
        "UPDATE weep_challenges SET status = 'collected', token_id = $2 WHERE poll_hash = $1",
        poll_hash,
        token_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}
