//! Console sign-in: resolve the role, check eligibility (console, not CLI-only),
//! assume it as the user, get a sign-in token, return the login URL. Audited.
use super::{credentials::RoleUse, eligibility::Access};
use crate::aws::federation;
use crate::db::{self, audit::AuditEvent};
use app::domain::{AccountId, RoleArn, RoleName, User};
use app::ports::ClientMeta;
use app::AppError;
use serde_json::json;

impl RoleUse<'_> {
    /// Finds the role `/role/{account}/{name}` means: account by id or by name
    /// (exact; an ambiguous name lists the candidates), or a full ARN split at
    /// its last '/'.
    pub async fn resolve_role(&self, account_ref: &str, name: &str) -> Result<RoleArn, AppError> {
        if account_ref.starts_with("arn:") {
            return RoleArn::parse(&format!("{account_ref}/{name}"))
                .map_err(|e| AppError::invalid("role", e.0));
        }
        let name = RoleName::parse(name).map_err(|e| AppError::invalid("role", e.0))?;
        let mut conn = crate::db::conn(self.pool).await?;
        let account = match AccountId::parse(account_ref) {
            Ok(a) => a,
            Err(_) => {
                let matches: Vec<String> = db::accounts::list(&mut conn)
                    .await?
                    .into_iter()
                    .filter(|a| a.name == account_ref)
                    .map(|a| a.account_id)
                    .collect();
                match matches.as_slice() {
                    [one] => AccountId::parse(one)?,
                    [] => return Err(AppError::NotFound(format!("account {account_ref:?}"))),
                    many => {
                        return Err(AppError::Conflict(format!(
                            "account name {account_ref:?} is ambiguous; use one of the ids {}",
                            many.join(", ")
                        )))
                    }
                }
            }
        };
        let row = db::roles::get_by_name(&mut conn, account.as_str(), name.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("role {name} in account {account}")))?;
        RoleArn::parse(&row.arn).map_err(AppError::from)
    }

    /// The AWS console login URL for `role`, landing on `region`/`redirect`.
    pub async fn console_signin(
        &self,
        user: &User,
        role: &RoleArn,
        region: Option<&str>,
        redirect: Option<&str>,
        client: &ClientMeta,
    ) -> Result<String, AppError> {
        let result = self
            .console_signin_inner(user, role, region, redirect)
            .await;
        let mut conn = crate::db::conn(self.pool).await?;
        db::audit::record_role_use(
            &mut conn,
            AuditEvent::by(&user.id, "console.signin", &role.to_string(), client)
                .outcome(match &result {
                    Ok(_) => "success",
                    Err(AppError::Forbidden(_)) => "denied",
                    Err(_) => "failure",
                })
                .detail(match &result {
                    Ok(_) => json!({ "region": region, "redirect": redirect }),
                    Err(e) => json!({ "error": e.to_string() }),
                }),
            result.is_ok(),
        )
        .await?;
        if result.is_ok() {
            // At once here; other replicas hear the change.
            self.recent_cache.forget(&user.id);
        }
        result
    }

    async fn console_signin_inner(
        &self,
        user: &User,
        role: &RoleArn,
        region: Option<&str>,
        redirect: Option<&str>,
    ) -> Result<String, AppError> {
        if self.role_access(user, role).await?.access() == Access::CliOnly {
            return Err(AppError::Forbidden(format!(
                "{role} is CLI-only for you: use credentials, not the console"
            )));
        }
        let creds = self
            .broker
            .assume_for_user(role, &user.id, self.credential_duration_secs, None)
            .await?;
        let base = self.console.federation_url(role.partition());
        let url = federation::signin_token_url(base, &creds, self.console.session_duration_secs);
        let resp = reqwest::Client::new()
            .get(url)
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| {
                AppError::Upstream(format!(
                    "federation endpoint unreachable: {}",
                    e.without_url()
                ))
            })?;
        if !resp.status().is_success() {
            return Err(AppError::Upstream(format!(
                "federation endpoint answered {}",
                resp.status()
            )));
        }
        let body: serde_json::Value = resp.json().await.map_err(|e| {
            AppError::Upstream(format!(
                "federation endpoint sent no token: {}",
                e.without_url()
            ))
        })?;
        let token = body["SigninToken"]
            .as_str()
            .ok_or_else(|| AppError::Upstream("federation endpoint sent no SigninToken".into()))?;
        let dest = federation::destination(role.partition(), region, redirect);
        Ok(federation::login_url(
            base,
            &self.console.issuer,
            &dest,
            token,
        ))
    }
}
