//! Role sync: per account, assume the spoke role, read every role in one
//! `GetAccountAuthorizationDetails` pass and replace the account's cached
//! roles. One account failing never stops the others; every run is recorded.

use crate::db;
use crate::services::Services;
use app::domain::AccountId;

pub const TASK_IAM_ROLES: &str = "iam_roles";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Startup,
    Schedule,
    AfterApply,
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOutcome {
    pub items: u64,
    pub changed: u64,
    pub removed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("AWS: {0}")]
    Aws(#[from] crate::aws::AwsError),
}

/// Syncs one account. `Ok(None)` means another replica holds this account's
/// lock right now, so this run was skipped.
pub async fn sync_account(
    s: &Services,
    account: &AccountId,
    trigger: Trigger,
) -> Result<Option<SyncOutcome>, SyncError> {
    let mut tx = s.pool.begin().await?;
    let lock_key = format!("{TASK_IAM_ROLES}:{account}");
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext($1))")
        .bind(&lock_key)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        tracing::info!(%account, ?trigger, "sync skipped: another run holds the lock");
        return Ok(None);
    }
    let run_id = {
        let mut conn = s.pool.acquire().await?;
        db::sync_runs::start(&mut conn, TASK_IAM_ROLES, account.as_str()).await?
    };
    let started = std::time::Instant::now();
    let fetched = async {
        let iam = s.aws.spoke_iam(account).await?;
        crate::aws::iam::list_roles(&iam, account).await
    }
    .await;
    let roles = match fetched {
        Ok(r) => r,
        Err(e) => {
            let mut conn = s.pool.acquire().await?;
            db::sync_runs::finish_failed(&mut conn, run_id, &e.to_string()).await?;
            tracing::warn!(%account, error = %e, "sync failed");
            return Err(e.into());
        }
    };
    let out = match db::roles::replace_account_roles(&mut tx, account.as_str(), &roles).await {
        Ok(o) => o,
        Err(e) => {
            drop(tx);
            let mut conn = s.pool.acquire().await?;
            db::sync_runs::finish_failed(&mut conn, run_id, &e.to_string()).await?;
            return Err(e.into());
        }
    };
    tx.commit().await?;
    let outcome = SyncOutcome {
        items: roles.len() as u64,
        changed: out.changed,
        removed: out.removed,
    };
    let mut conn = s.pool.acquire().await?;
    db::sync_runs::finish_success(
        &mut conn,
        run_id,
        outcome.items as i64,
        outcome.changed as i64,
        outcome.removed as i64,
    )
    .await?;
    tracing::info!(%account, ?trigger, roles = outcome.items, changed = outcome.changed,
        removed = outcome.removed, ms = started.elapsed().as_millis() as u64, "sync done");
    Ok(Some(outcome))
}

/// Syncs every enabled configured account in parallel; returns per-account results.
pub async fn sync_all(
    s: &Services,
    trigger: Trigger,
) -> Vec<(AccountId, Result<Option<SyncOutcome>, String>)> {
    let mut set = tokio::task::JoinSet::new();
    for a in s.config.accounts.iter().filter(|a| a.enabled) {
        let Ok(id) = AccountId::parse(&a.id) else {
            continue;
        };
        let s = s.clone();
        set.spawn(async move {
            let r = sync_account(&s, &id, trigger)
                .await
                .map_err(|e| e.to_string());
            (id, r)
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(x) => out.push(x),
            Err(e) => tracing::error!(error = %e, "sync task panicked"),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
