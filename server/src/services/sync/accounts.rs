//! Account discovery: ListAccounts in each configured AWS Organization
//! (through the management account's spoke role). Each run is recorded as
//! task `accounts` for the management account, and holds that
//! task/account's lock like any sync run: with several replicas, one lists
//! an organization at a time, and a scheduled tick lists it once.
use super::engine::{Trigger, SAME_TICK_SECS};
use crate::db;
use crate::services::Services;
use app::domain::AccountId;

pub const TASK: &str = "accounts";

/// Discovers every configured organization; returns (management account,
/// accounts added, `None` when skipped because another replica holds the
/// organization or already ran this scheduled tick; or the error).
pub async fn discover_all(
    s: &Services,
    trigger: Trigger,
) -> Vec<(AccountId, Result<Option<u64>, String>)> {
    let mut out = Vec::new();
    for org in &s.config.organizations {
        let r = discover(
            s,
            &org.management_account_id,
            org.enable_new_accounts,
            trigger,
        )
        .await;
        if let Err(e) = &r {
            tracing::warn!(management_account = %org.management_account_id, error = %e, "account discovery failed");
        }
        out.push((org.management_account_id.clone(), r));
    }
    out
}

async fn discover(
    s: &Services,
    mgmt: &AccountId,
    enable_new: bool,
    trigger: Trigger,
) -> Result<Option<u64>, String> {
    let management = mgmt.as_str();
    let claim = db::sync_runs::Claim::take(&s.pool, TASK, management)
        .await
        .map_err(|e| e.to_string())?;
    let Some(mut claim) = claim else {
        tracing::info!(
            management_account = management,
            "account discovery skipped: another run holds the lock"
        );
        return Ok(None);
    };
    let result = claimed(s, mgmt, enable_new, trigger, &mut claim).await;
    claim.release(TASK, management).await;
    result
}

async fn claimed(
    s: &Services,
    mgmt: &AccountId,
    enable_new: bool,
    trigger: Trigger,
    claim: &mut db::sync_runs::Claim,
) -> Result<Option<u64>, String> {
    let management = mgmt.as_str();
    if trigger == Trigger::Schedule
        && db::sync_runs::scheduled_since(claim.conn(), TASK, management, SAME_TICK_SECS)
            .await
            .map_err(|e| e.to_string())?
    {
        tracing::info!(
            management_account = management,
            "account discovery skipped: this tick already ran on another replica"
        );
        return Ok(None);
    }
    let started_at = chrono::Utc::now();
    let run = db::sync_runs::Run {
        task: TASK,
        account_id: management,
        trigger: trigger.as_str(),
        started_at,
    };
    let result = async {
        let org = s
            .aws
            .spoke_organizations(mgmt)
            .await
            .map_err(|e| e.to_string())?;
        let accounts = crate::aws::organizations::list_accounts(&org)
            .await
            .map_err(|e| e.to_string())?;
        let rows: Vec<(String, String, bool)> = accounts
            .iter()
            .map(|a| (a.id.clone(), a.name.clone(), a.active))
            .collect();
        let mut tx = s.pool.begin().await.map_err(|e| e.to_string())?;
        let added = db::accounts::upsert_discovered(
            &mut tx,
            &format!("organizations:{management}"),
            &rows,
            enable_new,
        )
        .await
        .map_err(|e| e.to_string())?;
        let done = db::sync_runs::Finished {
            items: rows.len(),
            changed: usize::try_from(added).unwrap_or(usize::MAX),
            ..Default::default()
        };
        db::sync_runs::record(&mut tx, &run, Ok(done))
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok::<u64, String>(added)
    }
    .await;
    if let Err(e) = &result {
        let _ = db::sync_runs::record(claim.conn(), &run, Err(e)).await;
    }
    result.map(Some)
}
