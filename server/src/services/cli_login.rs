//! The CLI's browser sign-in: a signed-in user authorizes a CLI (a
//! single-use code for its loopback), and the CLI exchanges the code and its
//! PKCE verifier for an API token. See `auth::cli_login` for the protocol.
use super::{sessions::hash_token, tokens::issue_token, Services};
use crate::auth::cli_login::{
    challenge_for, new_secret, AuthorizeRequest, CliLoginError, CODE_TTL_SECS,
};
use crate::db::{self, tokens::TokenOwner};
use app::domain::User;
use app::ports::ClientMeta;
use app::views::NewApiTokenView;

/// What the token is called when the CLI does not say.
pub const DEFAULT_TOKEN_NAME: &str = "CLI";

/// A token name as the Settings page allows: 1-64 characters.
pub fn parse_token_name(name: Option<&str>) -> Result<String, CliLoginError> {
    let name = name.map(str::trim).unwrap_or(DEFAULT_TOKEN_NAME);
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(CliLoginError::Invalid {
            field: "name",
            rule: "must be 1-64 characters without control characters, e.g. \"CLI on laptop\""
                .into(),
        });
    }
    Ok(name.to_owned())
}

/// What the CLI sign-in needs: the pool and how long its tokens live.
pub struct CliLoginService {
    pool: sqlx::PgPool,
    token_days: u32,
}

impl Services {
    pub fn cli_login(&self) -> CliLoginService {
        CliLoginService {
            pool: self.pool.clone(),
            token_days: self.config.auth.cli_token_days,
        }
    }
}

impl CliLoginService {
    /// Issues a code for `user`'s CLI and returns where to send the browser.
    pub async fn authorize(
        &self,
        user: &User,
        req: &AuthorizeRequest,
        client: &ClientMeta,
    ) -> Result<String, CliLoginError> {
        let code =
            new_secret().map_err(|e| CliLoginError::from(super::errors::internal("random", e)))?;
        let owner = TokenOwner {
            user_id: user.id.clone(),
            display_name: user.display_name.clone(),
            groups: user.groups.clone(),
        };
        let expires = chrono::Utc::now() + chrono::Duration::seconds(CODE_TTL_SECS);
        let mut tx = crate::db::begin(&self.pool).await?;
        db::cli_logins::create(&mut tx, &hash_token(&code), &owner, &req.challenge, expires)
            .await?;
        db::audit::record(
            &mut tx,
            db::audit::AuditEvent::by(&user.id, "cli.code_issue", &user.id, client).detail(
                serde_json::json!({ "port": req.port.get(), "expires_at": expires.to_rfc3339() }),
            ),
        )
        .await?;
        crate::db::commit(tx).await?;
        tracing::info!(user = %user.id, port = req.port.get(), "CLI sign-in authorized");
        Ok(req.callback_url(&code))
    }

    /// Swaps a code and its verifier for a new API token, once. A refused
    /// exchange changes nothing.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        name: &str,
        client: &ClientMeta,
    ) -> Result<NewApiTokenView, CliLoginError> {
        let code_hash = hash_token(code);
        let mut tx = crate::db::begin(&self.pool).await?;
        let pending = db::cli_logins::find_for_update(&mut tx, &code_hash)
            .await?
            .ok_or(CliLoginError::UnknownCode)?;
        if pending.used_at.is_some() {
            return Err(CliLoginError::UsedCode);
        }
        if pending.expires_at <= chrono::Utc::now() {
            return Err(CliLoginError::ExpiredCode);
        }
        if challenge_for(verifier) != pending.challenge {
            return Err(CliLoginError::WrongVerifier);
        }
        let owner = TokenOwner {
            user_id: pending.user_id,
            display_name: pending.display_name,
            groups: pending.groups,
        };
        let spec = super::tokens::TokenSpec {
            name,
            days: self.token_days,
            scope: app::domain::token::TokenScope::Credentials,
            made_by: None,
        };
        let token = issue_token(&mut tx, &owner, &spec, "cli-login", client).await?;
        db::cli_logins::mark_used(&mut tx, &code_hash, &token.id).await?;
        crate::db::commit(tx).await?;
        tracing::info!(user = %owner.user_id, token_id = %token.id, "CLI sign-in completed");
        Ok(token)
    }
}
