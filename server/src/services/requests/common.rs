//! What every step of a request shares: id parsing, timestamps, the owner
//! of an ARN, the request history entry with its audit row, and the
//! approver rules. A leaf: no other request module is used.
use crate::db::{self, audit::AuditEvent};
use crate::services::Services;
use app::domain::User;
use app::ports::ClientMeta;
use app::AppError;
use sqlx::PgConnection;
use uuid::Uuid;

pub(super) fn uuid_of(field: &str, id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::invalid(field, "is not a request or change id"))
}

pub(super) fn ts(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The account that owns an ARN: its account field, or for S3 buckets (whose
/// ARNs carry none) the account the cache found the bucket in.
pub(super) async fn owner_account(
    conn: &mut PgConnection,
    arn: &str,
) -> Result<Option<String>, AppError> {
    let from_arn = arn.split(':').nth(4).filter(|a| !a.is_empty());
    if let Some(a) = from_arn {
        return Ok(Some(a.to_owned()));
    }
    Ok(db::resources::get(conn, arn).await?.map(|r| r.account_id))
}

/// Whether `user` approves changes in `account`: administrators everywhere,
/// approver groups in the accounts config gives them (the `Approver` proof's rule).
pub(super) fn approves(user: &User, account: &str) -> bool {
    app::domain::AccountId::parse(account)
        .map(|a| app::domain::Approver::check(user, &a).is_ok())
        .unwrap_or(false)
}

/// Whether `user` may decide a request `requester` made in `account`:
/// an approver there, and not the requester unless admins may self-approve.
pub(super) fn may_decide(s: &Services, user: &User, requester: &str, account: &str) -> bool {
    approves(user, account)
        && (requester != user.id || (user.is_admin && s.config.auth.allow_admin_self_approval))
}

/// Audits a refused ask (a direct edit, an approval, a rejection) on its
/// own connection: the refused action's transaction was rolled back.
pub(super) async fn audit_refusal(
    s: &Services,
    user: &User,
    action: &str,
    target: &str,
    why: &str,
    client: &ClientMeta,
) {
    let Ok(mut conn) = s.pool.acquire().await else {
        return;
    };
    let recorded = db::audit::record(
        &mut conn,
        AuditEvent::by(&user.id, action, target, client)
            .outcome("denied")
            .detail(serde_json::json!({ "reason": why })),
    )
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, action, "could not audit a refusal");
    }
}

/// One entry of a request's history, also written to the audit trail.
pub(super) struct Ev<'a> {
    pub request_id: Uuid,
    pub(super) actor: &'a str,
    pub(super) kind: &'a str,
    pub(super) detail: &'a str,
    pub(super) target: &'a str,
    pub(super) client: Option<&'a ClientMeta>,
    pub(super) outcome: &'a str,
}

impl<'a> Ev<'a> {
    /// A successful step of `actor` on `target`, with no detail and no client yet.
    pub(super) fn by(request_id: Uuid, actor: &'a str, kind: &'a str, target: &'a str) -> Self {
        Self {
            request_id,
            actor,
            kind,
            detail: "",
            target,
            client: None,
            outcome: "success",
        }
    }

    pub(super) fn detail(self, detail: &'a str) -> Self {
        Self { detail, ..self }
    }

    pub(super) fn client(self, client: Option<&'a ClientMeta>) -> Self {
        Self { client, ..self }
    }

    pub(super) fn outcome(self, outcome: &'a str) -> Self {
        Self { outcome, ..self }
    }
}

/// Writes the event and its audit row in the caller's transaction.
pub(super) async fn record(conn: &mut PgConnection, e: Ev<'_>) -> Result<(), AppError> {
    db::requests::add_event(conn, e.request_id, e.actor, e.kind, e.detail).await?;
    db::requests::touch(conn, e.request_id).await?;
    Ok(db::audit::record(
        conn,
        AuditEvent {
            actor: e.actor,
            action: &format!("request.{}", e.kind),
            target: e.target,
            outcome: e.outcome,
            ip: e.client.and_then(|c| c.ip.as_deref()),
            user_agent: e.client.and_then(|c| c.user_agent.as_deref()),
            detail: serde_json::json!({ "request_id": e.request_id, "detail": e.detail }),
        },
    )
    .await?)
}

/// Refuses any use or change of a protected principal (`eligibility.protected`).
pub(super) fn protected(s: &Services, arn: &str) -> Result<(), AppError> {
    match s.eligibility.protected().reason(arn) {
        Some(why) => Err(AppError::Forbidden(format!(
            "{arn} is protected ({why}): nobody may use it or change it through Latchkey"
        ))),
        None => Ok(()),
    }
}
