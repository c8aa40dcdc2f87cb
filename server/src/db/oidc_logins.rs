//! OIDC sign-ins in flight, keyed by a hash of their `state`; consumed once.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub pkce_verifier: String,
    pub nonce: String,
    pub return_to: String,
}

/// Stores a started sign-in (and sweeps the expired ones).
pub async fn create(
    conn: &mut PgConnection,
    state_hash: &str,
    login: &PendingLogin,
    expires_at: DateTime<Utc>,
) -> crate::Result<()> {
    sqlx::query!("DELETE FROM oidc_logins WHERE expires_at < now()")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO oidc_logins (state_hash, pkce_verifier, nonce, return_to, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        state_hash,
        &login.pkce_verifier,
        &login.nonce,
        &login.return_to,
        expires_at
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes and returns the live sign-in for this state: a second call with
/// the same state (a replayed callback) finds nothing.
pub async fn take(
    conn: &mut PgConnection,
    state_hash: &str,
) -> crate::Result<Option<PendingLogin>> {
    let row = sqlx::query!(
        "DELETE FROM oidc_logins WHERE state_hash = $1
         RETURNING pkce_verifier, nonce, return_to, expires_at",
        state_hash,
    )
    .fetch_optional(conn)
    .await?;
    Ok(row
        .filter(|r| r.expires_at > Utc::now())
        .map(|r| PendingLogin {
            pkce_verifier: r.pkce_verifier,
            nonce: r.nonce,
            return_to: r.return_to,
        }))
}
