//! TokenPort: per-user API tokens, shown once, stored hashed; and resolving a
//! token (Authorization header) to its user.
pub mod grant;
pub use grant::{TokenCache, TokenGrant};

use super::{sessions::hash_token, Services};
use crate::db::{self, audit::AuditEvent, tokens::TokenOwner};
use app::domain::token::TokenScope;
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

/// A token as Settings (or Admin › Applications) lists it.
pub fn token_view(t: db::tokens::TokenRow, now: chrono::DateTime<chrono::Utc>) -> ApiTokenView {
    ApiTokenView {
        id: t.id.to_string(),
        name: t.name,
        created: ts(t.created_at),
        last_used: t.last_used_at.map(ts),
        revoked: t.revoked_at.is_some(),
        expires: ts(t.expires_at),
        expired: t.expires_at <= now,
        scope: TokenScope::parse(&t.scope)
            .unwrap_or_default()
            .label()
            .to_owned(),
    }
}

/// What a new token is: its name, lifetime and reach.
pub struct TokenSpec<'a> {
    pub name: &'a str,
    pub days: u32,
    pub scope: TokenScope,
    /// Who makes it, when not the owner.
    pub made_by: Option<&'a str>,
}

/// Makes a token for `owner` and audits it as created `via` ("settings",
/// "cli-login", "application") on `conn`, so the caller's transaction
/// covers both. The audit's actor is the owner, or `spec.made_by` (an
/// administrator making an application's token).
pub async fn issue_token(
    conn: &mut PgConnection,
    owner: &TokenOwner,
    spec: &TokenSpec<'_>,
    via: &str,
    client: &ClientMeta,
) -> Result<NewApiTokenView, AppError> {
    let name = spec.name;
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| super::errors::internal("random", e))?;
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(buf));
    let id = Uuid::new_v4();
    let expires_at = chrono::Utc::now() + chrono::Duration::days(i64::from(spec.days));
    db::tokens::create(
        &mut *conn,
        &db::tokens::NewToken {
            id,
            owner,
            name,
            token_hash: &hash_token(&token),
            expires_at,
            scope: spec.scope.as_str(),
        },
    )
    .await?;
    db::audit::record(
        conn,
        AuditEvent::by(
            spec.made_by.unwrap_or(&owner.user_id),
            "token.create",
            &id.to_string(),
            client,
        )
        .detail(serde_json::json!({
            "name": name, "via": via, "scope": spec.scope.as_str(),
            "expires_at": expires_at.to_rfc3339(), "owner": owner.user_id,
        })),
    )
    .await?;
    Ok(NewApiTokenView {
        id: id.to_string(),
        name: name.to_owned(),
        token,
        expires: ts(expires_at),
        scope: spec.scope.label().to_owned(),
    })
}

/// What turning a bearer token into its user needs: the token cache, the
/// pool, the dev users' groups (in dev mode) and [`Users`](super::identity::Users).
pub struct TokenResolver<'a> {
    pool: &'a sqlx::PgPool,
    cache: &'a grant::TokenCache,
    auth: &'a crate::config::AuthConfig,
    users: super::identity::Users<'a>,
}

impl Services {
    pub fn tokens(&self) -> TokenResolver<'_> {
        TokenResolver {
            pool: &self.pool,
            cache: &self.token_cache,
            auth: &self.config.auth,
            users: self.users(),
        }
    }
}

impl TokenResolver<'_> {
    /// The live token's user, with the groups their last sign-in reported
    /// (dev users: the groups config gives them now), its scope and end.
    pub async fn resolve(&self, token: &str) -> crate::Result<Option<TokenGrant>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = hash_token(token);
        if let Some(grant) = self.cache.get(&hash) {
            // Cached for a minute at most, but never past the token's end.
            if grant.expires_at > chrono::Utc::now() {
                return Ok(Some(grant));
            }
            self.cache.forget(&hash);
            return Ok(None);
        }
        let epoch = self.cache.epoch();
        let mut conn = self.pool.acquire().await?;
        let live = db::tokens::use_token(&mut conn, &hash).await?;
        drop(conn);
        let Some(live) = live else {
            return Ok(None);
        };
        let o = live.owner;
        let groups = match self.auth.dev_mode {
            true => self
                .auth
                .dev_users
                .iter()
                .find(|d| d.id == o.user_id)
                .map_or(o.groups, |d| d.groups.clone()),
            false => o.groups,
        };
        let user = self
            .users
            .user_for(o.user_id, o.display_name, groups)
            .await?;
        let grant = TokenGrant {
            user,
            // The column's CHECK allows only these two.
            scope: TokenScope::parse(&live.scope).unwrap_or_default(),
            expires_at: live.expires_at,
        };
        self.cache.put(&hash, &grant, epoch);
        Ok(Some(grant))
    }
}

#[async_trait]
impl app::ports::TokenPort for TokenService {
    async fn list_tokens(&self, user: &User) -> Result<Vec<ApiTokenView>, AppError> {
        let mut conn = crate::db::conn(&self.0.pool).await?;
        let rows = db::tokens::list(&mut conn, &user.id).await?;
        let now = chrono::Utc::now();
        Ok(rows.into_iter().map(|t| token_view(t, now)).collect())
    }

    async fn create_token(
        &self,
        user: &User,
        name: &str,
        days: Option<u32>,
        scope: TokenScope,
        client: &ClientMeta,
    ) -> Result<NewApiTokenView, AppError> {
        let max = self.0.config.auth.token_max_days;
        let days = days.unwrap_or(app::domain::token::DEFAULT_TOKEN_DAYS.min(max));
        if !(1..=max).contains(&days) {
            return Err(AppError::invalid(
                "expires_in_days",
                format!("must be 1-{max} days (auth.token_max_days)"),
            ));
        }
        let owner = TokenOwner {
            user_id: user.id.clone(),
            display_name: user.display_name.clone(),
            groups: user.groups.clone(),
        };
        let spec = TokenSpec {
            name,
            days,
            scope,
            made_by: None,
        };
        let mut tx = crate::db::begin(&self.0.pool).await?;
        let token = issue_token(&mut tx, &owner, &spec, "settings", client).await?;
        crate::db::commit(tx).await?;
        Ok(token)
    }

    async fn revoke_user_access(
        &self,
        admin: &app::domain::Admin,
        user_id: &str,
        client: &ClientMeta,
    ) -> Result<app::views::RevokedAccessView, AppError> {
        let (ended, revoked) = self
            .0
            .sessions()
            .end_all_access(&admin.user().id, user_id, "access.revoke", client)
            .await?;
        Ok(app::views::RevokedAccessView {
            user_id: user_id.to_owned(),
            sessions_ended: ended,
            tokens_revoked: revoked,
        })
    }

    async fn revoke_token(
        &self,
        user: &User,
        id: &TokenId,
        client: &ClientMeta,
    ) -> Result<(), AppError> {
        let uid =
            Uuid::parse_str(id.as_str()).map_err(|e| AppError::invalid("id", e.to_string()))?;
        let mut tx = crate::db::begin(&self.0.pool).await?;
        let Some(hash) = db::tokens::revoke(&mut tx, &user.id, uid).await? else {
            return Err(AppError::NotFound(format!("token {id}")));
        };
        db::audit::record(
            &mut tx,
            AuditEvent::by(&user.id, "token.revoke", id.as_str(), client),
        )
        .await?;
        crate::db::commit(tx).await?;
        // Other replicas hear it from Postgres; this one need not wait.
        self.0.token_cache.forget(&hash);
        Ok(())
    }
}
