//! ApplicationPort: applications (non-human principals, ConsoleMe's
//! `app_name`), their credentials-only tokens, and who a client
//! certificate's subject is. Only administrators manage them: an
//! application's token reaches the application's roles, which its owners
//! need not be eligible for themselves.
use super::tokens::{issue_token, token_view, TokenSpec};
use super::Services;
use crate::db::{self, applications::Taken, audit::AuditEvent, tokens::TokenOwner};
use app::domain::application::AppName;
use app::domain::ids::TokenId;
use app::domain::token::TokenScope;
use app::domain::{Admin, User};
use app::ports::{ClientMeta, NewApplication};
use app::views::{ApplicationView, NewApiTokenView};
use app::AppError;
use async_trait::async_trait;
use uuid::Uuid;

pub struct ApplicationService(pub Services);

/// Days an application's new token lives unless the admin picks otherwise.
const DEFAULT_APP_TOKEN_DAYS: u32 = 90;

impl Services {
    /// The user an application acts as: no groups but what the build's
    /// group sources give, never an administrator or approver unless those
    /// name it (exactly as its tokens resolve).
    pub async fn application_user(&self, name: &AppName) -> crate::Result<User> {
        self.users()
            .user_for(name.principal_id(), name.to_string(), Vec::new())
            .await
    }

    /// The enabled application a client certificate's subject (forwarded
    /// by a trusted proxy) identifies.
    pub async fn application_for_subject(&self, subject: &str) -> crate::Result<Option<User>> {
        let mut conn = self.pool.acquire().await?;
        let found = db::applications::by_subject(&mut conn, subject).await?;
        drop(conn);
        match found.as_deref().map(AppName::parse) {
            Some(Ok(name)) => Ok(Some(self.application_user(&name).await?)),
            _ => Ok(None),
        }
    }
}

fn owner_of(name: &AppName) -> TokenOwner {
    TokenOwner {
        user_id: name.principal_id(),
        display_name: name.to_string(),
        groups: Vec::new(),
    }
}

impl ApplicationService {
    async fn view(
        &self,
        conn: &mut sqlx::PgConnection,
        a: db::applications::ApplicationRow,
    ) -> Result<ApplicationView, AppError> {
        let name = AppName::parse(&a.name).map_err(|e| super::errors::internal("app name", e))?;
        let now = chrono::Utc::now();
        let tokens = db::tokens::list(conn, &name.principal_id())
            .await?
            .into_iter()
            .map(|t| token_view(t, now))
            .collect();
        let roles = if a.disabled_at.is_some() {
            Vec::new()
        } else {
            let user = self.0.application_user(&name).await?;
            let eligible = self.0.eligible().roles(&user).await?;
            eligible
                .iter()
                .map(|(k, access)| match access {
                    super::eligibility::Access::Full => k.arn.clone(),
                    super::eligibility::Access::CliOnly => format!("{} (CLI only)", k.arn),
                })
                .collect()
        };
        Ok(ApplicationView {
            principal: name.principal_id(),
            name: a.name,
            description: a.description,
            owner: a.owner,
            mtls_subject: a.mtls_subject,
            created: a.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            created_by: a.created_by,
            disabled: a.disabled_at.is_some(),
            tokens,
            roles,
        })
    }
}

#[async_trait]
impl app::ports::ApplicationPort for ApplicationService {
    async fn list_applications(&self, _admin: &Admin) -> Result<Vec<ApplicationView>, AppError> {
        let mut conn = db::conn(&self.0.pool).await?;
        let rows = db::applications::list(&mut conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for a in rows {
            out.push(self.view(&mut conn, a).await?);
        }
        Ok(out)
    }

    async fn create_application(
        &self,
        admin: &Admin,
        new: &NewApplication,
        client: &ClientMeta,
    ) -> Result<(), AppError> {
        let by = &admin.user().id;
        let mut tx = db::begin(&self.0.pool).await?;
        let created = db::applications::create(
            &mut tx,
            &db::applications::NewApplication {
                name: new.name.as_str(),
                description: &new.description,
                owner: &new.owner,
                mtls_subject: new.mtls_subject.as_deref(),
                created_by: by,
            },
        )
        .await?;
        match created {
            Ok(()) => {}
            Err(Taken::Name) => {
                return Err(AppError::invalid(
                    "name",
                    format!(
                        "an application called {} exists (names are never reused)",
                        new.name
                    ),
                ))
            }
            Err(Taken::Subject) => {
                return Err(AppError::invalid(
                    "mtls_subject",
                    "another application has this certificate subject",
                ))
            }
        }
        db::audit::record(
            &mut tx,
            AuditEvent::by(by, "application.create", &new.name.principal_id(), client).detail(
                serde_json::json!({
                    "description": new.description, "owner": new.owner,
                    "mtls_subject": new.mtls_subject,
                }),
            ),
        )
        .await?;
        db::commit(tx).await?;
        Ok(())
    }

    async fn disable_application(
        &self,
        admin: &Admin,
        name: &AppName,
        client: &ClientMeta,
    ) -> Result<(), AppError> {
        let by = &admin.user().id;
        let mut tx = db::begin(&self.0.pool).await?;
        if db::applications::get_for_update(&mut tx, name.as_str())
            .await?
            .is_none()
        {
            return Err(AppError::NotFound(format!("application {name}")));
        }
        if !db::applications::disable(&mut tx, name.as_str(), by).await? {
            return Err(AppError::Conflict(format!("{name} is already disabled")));
        }
        let hashes = db::tokens::revoke_all_for(&mut tx, &name.principal_id()).await?;
        db::audit::record(
            &mut tx,
            AuditEvent::by(by, "application.disable", &name.principal_id(), client)
                .detail(serde_json::json!({ "tokens_revoked": hashes.len() })),
        )
        .await?;
        db::commit(tx).await?;
        // Other replicas hear it from Postgres; this one need not wait.
        for h in &hashes {
            self.0.token_cache.forget(h);
        }
        Ok(())
    }

    async fn create_application_token(
        &self,
        admin: &Admin,
        name: &AppName,
        token_name: &str,
        days: Option<u32>,
        client: &ClientMeta,
    ) -> Result<NewApiTokenView, AppError> {
        let max = self.0.config.applications.token_max_days;
        let days = days.unwrap_or(DEFAULT_APP_TOKEN_DAYS.min(max));
        if !(1..=max).contains(&days) {
            return Err(AppError::invalid(
                "expires_in_days",
                format!("must be 1-{max} days (applications.token_max_days)"),
            ));
        }
        let mut tx = db::begin(&self.0.pool).await?;
        let Some(app) = db::applications::get_for_update(&mut tx, name.as_str()).await? else {
            return Err(AppError::NotFound(format!("application {name}")));
        };
        if app.disabled_at.is_some() {
            return Err(AppError::Conflict(format!(
                "{name} is disabled; create a new application instead"
            )));
        }
        let spec = TokenSpec {
            name: token_name,
            days,
            // Never more: an application gets credentials, it does not act
            // on the API as a person would.
            scope: TokenScope::Credentials,
            made_by: Some(&admin.user().id),
        };
        let token = issue_token(&mut tx, &owner_of(name), &spec, "application", client).await?;
        db::commit(tx).await?;
        Ok(token)
    }

    async fn revoke_application_token(
        &self,
        admin: &Admin,
        name: &AppName,
        id: &TokenId,
        client: &ClientMeta,
    ) -> Result<(), AppError> {
        let uid =
            Uuid::parse_str(id.as_str()).map_err(|e| AppError::invalid("id", e.to_string()))?;
        let mut tx = db::begin(&self.0.pool).await?;
        let Some(hash) = db::tokens::revoke(&mut tx, &name.principal_id(), uid).await? else {
            return Err(AppError::NotFound(format!("a live token {id} of {name}")));
        };
        db::audit::record(
            &mut tx,
            AuditEvent::by(&admin.user().id, "token.revoke", id.as_str(), client)
                .detail(serde_json::json!({ "owner": name.principal_id() })),
        )
        .await?;
        db::commit(tx).await?;
        self.0.token_cache.forget(&hash);
        Ok(())
    }
}
