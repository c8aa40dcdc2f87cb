//! TokenPort: per-user API tokens, shown once, stored hashed; and resolving a
//! token (Authorization header) to its user.
use super::{db_error, sessions::hash_token, Services};
use crate::db::{self, audit::AuditEvent, tokens::TokenOwner};
use app::domain::{ids::TokenId, User};
use app::ports::ClientMeta;
use app::views::{ApiTokenView, NewApiTokenView};
use app::AppError;
use async_trait::async_trait;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct TokenService(pub Services);

/// Tokens look like `lk_<64 hex>` so they are recognisable in leaks and scans.
pub const TOKEN_PREFIX: &str = "lk_";

fn ts(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Makes a token for `owner` and audits it as created `via` ("settings",
/// "cli-login") on `conn`, so the caller's transaction covers both.
pub async fn issue_token(
    conn: &mut PgConnection,
    owner: &TokenOwner,
    name: &str,
    via: &str,
    client: &ClientMeta,
) -> Result<NewApiTokenView, AppError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| super::internal("random", e))?;
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(buf));
    let id = Uuid::new_v4();
    db::tokens::create(&mut *conn, id, owner, name, &hash_token(&token))
        .await
        .map_err(db_error)?;
    db::audit::record(
        conn,
        AuditEvent {
            actor: &owner.user_id,
            action: "token.create",
            target: &id.to_string(),
            outcome: "success",
            ip: client.ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
            detail: serde_json::json!({ "name": name, "via": via }),
        },
    )
    .await
    .map_err(db_error)?;
    Ok(NewApiTokenView {
        id: id.to_string(),
        name: name.to_owned(),
        token,
    })
}

impl Services {
    /// The user an API token belongs to (with their groups when it was made).
    pub async fn resolve_token(&self, token: &str) -> Result<Option<User>, sqlx::Error> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = hash_token(token);
        if let Some(user) = self.token_cache.get(&hash) {
            return Ok(Some(user));
        }
        let epoch = self.token_cache.epoch();
        let mut conn = self.pool.acquire().await?;
        let owner = db::tokens::use_token(&mut conn, &hash).await?;
        drop(conn);
        match owner {
            Some(o) => {
                let user = self.user_for(o.user_id, o.display_name, o.groups).await?;
                self.token_cache.put(&hash, &user, epoch);
                Ok(Some(user))
            }
            None => Ok(None),
        }
    }
}

#[async_trait]
impl app::ports::TokenPort for TokenService {
    async fn list_tokens(&self, user: &User) -> Result<Vec<ApiTokenView>, AppError> {
        let mut conn = self.0.pool.acquire().await.map_err(db_error)?;
        let rows = db::tokens::list(&mut conn, &user.id)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|t| ApiTokenView {
                id: t.id.to_string(),
                name: t.name,
                created: ts(t.created_at),
                last_used: t.last_used_at.map(ts),
                revoked: t.revoked_at.is_some(),
            })
            .collect())
    }

    async fn create_token(&self, user: &User, name: &str) -> Result<NewApiTokenView, AppError> {
        let owner = TokenOwner {
            user_id: user.id.clone(),
            display_name: user.display_name.clone(),
            groups: user.groups.clone(),
        };
        let mut tx = self.0.pool.begin().await.map_err(db_error)?;
        let token = issue_token(&mut tx, &owner, name, "settings", &ClientMeta::default()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(token)
    }

    async fn revoke_token(&self, user: &User, id: &TokenId) -> Result<(), AppError> {
        let uid =
            Uuid::parse_str(id.as_str()).map_err(|e| AppError::invalid("id", e.to_string()))?;
        let mut tx = self.0.pool.begin().await.map_err(db_error)?;
        let Some(hash) = db::tokens::revoke(&mut tx, &user.id, uid)
            .await
            .map_err(db_error)?
        else {
            return Err(AppError::NotFound(format!("token {id}")));
        };
        db::audit::record(
            &mut tx,
            AuditEvent {
                actor: &user.id,
                action: "token.revoke",
                target: id.as_str(),
                outcome: "success",
                ip: None,
                user_agent: None,
                detail: serde_json::json!({}),
            },
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        // Other replicas hear it from Postgres; this one need not wait.
        self.0.token_cache.forget(&hash);
        Ok(())
    }
}
