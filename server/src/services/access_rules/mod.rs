//! The access rules in force (Admin › Access): eligibility rules, approver
//! groups and role tag keys, versioned in Postgres. The config file seeds
//! version 1 and, while no one edited the rules at run time, its changes
//! become new versions at start-up. Every replica puts a new version in
//! force when Postgres tells it (the same NOTIFY path as its caches), and
//! drops what its caches computed with the old rules.
pub mod consoleme;
pub mod import;
pub mod live;
pub mod port;

use super::Services;
use crate::db::{self, access_rules::NewVersion};
use app::domain::access_rules::AccessRules;
use std::sync::atomic::Ordering;

/// The advisory lock every writer of the rules takes.
const LOCK: &str = "latchkey-access-rules";
/// A new version of the rules was saved (payload: its number).
pub const ACCESS_CHANNEL: &str = "latchkey_access_rules_changed";

/// The rules a stored version holds.
pub fn parse(rules: &serde_json::Value) -> crate::Result<AccessRules> {
    serde_json::from_value(rules.clone())
        .map_err(|e| crate::error::internal("stored access rules", e).into())
}

/// Saves `rules` as the version after `latest` (the caller holds [`LOCK`]).
pub(super) async fn save(
    conn: &mut sqlx::PgConnection,
    latest: i64,
    rules: &AccessRules,
    by: &str,
    source: &str,
    note: &str,
) -> crate::Result<i64> {
    let json = serde_json::to_value(rules).map_err(|e| crate::error::internal("rules", e))?;
    let version = latest + 1;
    db::access_rules::insert(
        conn,
        &NewVersion {
            version,
            rules: &json,
            changed_by: by,
            source,
            note,
        },
    )
    .await?;
    Ok(version)
}

impl Services {
    /// At start-up: seeds the rules from the config file when there are
    /// none; when the newest version is the config file's and the file
    /// changed since, saves the file's as a new version (rules an admin
    /// edited are never overwritten by the file). Then puts the newest in force.
    pub async fn load_access_rules(&self) -> crate::Result<()> {
        let from_file = self.config.access_rules();
        let mut tx = db::begin(&self.pool).await?;
        db::xact_lock(&mut tx, LOCK).await?;
        match db::access_rules::latest(&mut tx).await? {
            None => {
                let note = "seeded from the config file";
                save(&mut tx, 0, &from_file, "config", "config", note).await?;
            }
            Some(l) if l.source == "config" && parse(&l.rules)? != from_file => {
                let note = "the config file changed";
                save(&mut tx, l.version, &from_file, "config", "config", note).await?;
            }
            Some(l) if l.source != "config" => {
                let seeded = db::access_rules::latest_from_config(&mut tx).await?;
                if seeded.map(|s| parse(&s.rules)).transpose()?.as_ref() != Some(&from_file) {
                    tracing::warn!(
                        version = l.version,
                        "the config file's access rules changed, but the rules were edited \
                         on Admin > Access since: the edited rules stay in force"
                    );
                }
            }
            Some(_) => {}
        }
        db::commit(tx).await?;
        self.reload_access_rules().await
    }

    /// Puts the newest version in force here when it is newer than the one
    /// in force, and drops what the caches computed with the old rules.
    pub async fn reload_access_rules(&self) -> crate::Result<()> {
        let live = &self.access_version;
        let _one_at_a_time = live.reloading.lock().await;
        let mut conn = db::conn(&self.pool).await?;
        let Some(row) = db::access_rules::latest(&mut conn).await? else {
            return Ok(());
        };
        drop(conn);
        if row.version <= live.version() {
            return Ok(());
        }
        let rules = parse(&row.rules)?;
        self.eligibility.set_rules(&rules);
        self.app_roles.set_approvers(&rules.approvers);
        live.version.store(row.version, Ordering::SeqCst);
        // Postgres told the caches too; they may have refilled with the old
        // rules before these were in force here.
        self.token_cache.forget("");
        self.session_cache.forget("");
        self.role_cache.forget("");
        self.eligible_cache.forget("");
        tracing::info!(version = row.version, by = %row.changed_by, "access rules in force");
        Ok(())
    }

    /// Listens for new versions for as long as the process runs (and loads
    /// the newest whenever the listener (re)connects: it may have missed one).
    pub async fn listen_access_rules(self) {
        let (on_live, on_change) = (self.clone(), self.clone());
        crate::db::listen::listen_forever(
            self.pool.clone(),
            ACCESS_CHANNEL,
            move |live| {
                on_live.access_version.live.store(live, Ordering::SeqCst);
                if live {
                    reload_soon(on_live.clone());
                }
            },
            move |_| reload_soon(on_change.clone()),
        )
        .await;
    }
}

fn reload_soon(s: Services) {
    tokio::spawn(async move {
        if let Err(e) = s.reload_access_rules().await {
            tracing::error!(error = %e, "cannot load the access rules");
        }
    });
}
