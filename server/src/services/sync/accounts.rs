//! Account discovery: ListAccounts in each configured AWS Organization
//! (through the management account's spoke role). Each run is recorded as
//! task `accounts` for the management account.
use crate::db;
use crate::services::Services;
use app::domain::AccountId;

pub const TASK: &str = "accounts";

/// Discovers every configured organization; returns (management account, added or error).
pub async fn discover_all(s: &Services) -> Vec<(AccountId, Result<u64, String>)> {
    let mut out = Vec::new();
    for org in &s.config.organizations {
        let r = discover(s, &org.management_account_id, org.enable_new_accounts).await;
        if let Err(e) = &r {
            tracing::warn!(management_account = %org.management_account_id, error = %e, "account discovery failed");
        }
        out.push((org.management_account_id.clone(), r));
    }
    out
}

async fn discover(s: &Services, mgmt: &AccountId, enable_new: bool) -> Result<u64, String> {
    let management = mgmt.as_str();
    let started_at = chrono::Utc::now();
    let run = db::sync_runs::Run {
        task: TASK,
        account_id: management,
        trigger: "schedule",
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
        if let Ok(mut conn) = s.pool.acquire().await {
            let _ = db::sync_runs::record(&mut conn, &run, Err(e)).await;
        }
    }
    result
}
