//! Re-reading one cached item from AWS: after a change to it is applied (so
//! its page, and the next change's comparison, see the new state at once),
//! or when a user asks.
use super::Services;
use crate::aws::reader::Item;
use crate::aws::snapshot::KIND_ROLE;
use crate::db;
use crate::services::sync::engine as sync;
use app::domain::{AccountId, Partition};
use app::AppError;
use std::time::{Duration, Instant};

/// How long a refresh that needs the account's IAM pass waits for a pass
/// under way elsewhere to finish, so its own starts after the change.
const PASS_WAIT: Duration = Duration::from_secs(60);
const PASS_POLL: Duration = Duration::from_millis(200);

impl Services {
    /// Re-reads one cached principal or resource from AWS: a role, bucket,
    /// queue or topic on its own; a user, group or managed policy (or a role
    /// not cached yet, just created) with its account's IAM pass.
    ///
    /// What is read here begins after the call: a pass that began earlier and
    /// commits later does not overwrite it (the cache keeps the later read).
    pub async fn refresh_item(&self, arn: &str, trigger: sync::Trigger) -> Result<(), AppError> {
        let mut conn = crate::db::conn(&self.pool).await?;
        let cached = db::resources::get(&mut conn, arn).await?;
        // No AWS call for an account Latchkey does not manage or has switched off.
        let account_of = cached
            .as_ref()
            .map(|r| r.account_id.clone())
            .or_else(|| arn.split(':').nth(4).map(str::to_owned))
            .unwrap_or_default();
        crate::services::errors::managed_account(&mut conn, &account_of).await?;
        drop(conn);
        let account = match cached {
            None => Some(arn.splitn(6, ':').collect::<Vec<_>>())
                .filter(|p| p.len() == 6 && Partition::of_arn(arn).is_some() && p[2] == "iam")
                .and_then(|p| AccountId::parse(p[4]).ok())
                .ok_or_else(|| AppError::NotFound(format!("resource {arn}")))?,
            Some(r) => {
                let account = AccountId::parse(&r.account_id)?;
                if r.kind == KIND_ROLE {
                    return self.refresh_role(&account, &r.name, &r.arn, &r.tags).await;
                }
                let read_at = chrono::Utc::now();
                let item = Item {
                    kind: &r.kind,
                    name: &r.name,
                    arn: &r.arn,
                };
                if let Some(snap) = self.reader.read(&account, item).await? {
                    let mut conn = crate::db::conn(&self.pool).await?;
                    db::resources::put_read(&mut conn, &[snap], read_at).await?;
                    self.search_gate.index().changed();
                    return Ok(());
                }
                account
            }
        };
        self.iam_pass_after_now(&account, trigger).await
    }

    /// One role: `GetRole` and its policies, written to both caches in one
    /// transaction (or removed, when AWS no longer has it). Eligibility
    /// caches forget only when its tags changed (what they hold).
    async fn refresh_role(
        &self,
        account: &AccountId,
        name: &str,
        arn: &str,
        cached_tags: &serde_json::Value,
    ) -> Result<(), AppError> {
        let read_at = chrono::Utc::now();
        let snap = self.reader.role(account, name).await?;
        let mut tx = crate::db::begin(&self.pool).await?;
        match &snap {
            Some(role) => {
                db::roles::put_read(&mut tx, role, read_at).await?;
                db::resources::put_read(&mut tx, &[role.to_resource()], read_at).await?;
            }
            None => {
                db::roles::remove_read(&mut tx, arn, read_at).await?;
                db::resources::remove_read(&mut tx, arn, read_at).await?;
            }
        }
        crate::db::commit(tx).await?;
        if snap.as_ref().is_none_or(|r| &r.tags != cached_tags) {
            (self.sync.roles_changed)();
        }
        (self.sync.resources_changed)();
        Ok(())
    }

    /// The account's IAM pass, begun after this call. A pass under way
    /// elsewhere (it may have read before the change) is waited for, then
    /// this one runs.
    async fn iam_pass_after_now(
        &self,
        account: &AccountId,
        trigger: sync::Trigger,
    ) -> Result<(), AppError> {
        let started = Instant::now();
        loop {
            if sync::sync_account(self, sync::Task::Iam, account, trigger)
                .await?
                .is_some()
            {
                return Ok(());
            }
            if started.elapsed() > PASS_WAIT {
                return Err(AppError::Unavailable(format!(
                    "account {account} is being read by a pass that has not finished in {}s; try again",
                    PASS_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(PASS_POLL).await;
        }
    }
}
