//! AccessPort: Admin › Access reads the rules and saves edits as versions.
use super::{parse, save, LOCK};
use crate::db::{self, audit::AuditEvent};
use app::domain::access_rules::{AccessEdit, AccessRules};
use app::domain::Admin;
use app::ports::ClientMeta;
use app::views::{AccessPageView, AccessVersionView};
use app::AppError;
use async_trait::async_trait;

pub struct AccessService(pub super::Services);

/// How many versions the page shows.
const HISTORY: i64 = 20;

fn ts(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn pretty(rules: &AccessRules) -> String {
    serde_json::to_string_pretty(rules).unwrap_or_default()
}

/// Role tag keys must be IAM tag keys (the config file checks the same).
fn check_tag_keys(edit: &AccessEdit) -> Result<(), AppError> {
    if let AccessEdit::SetRoleTags { keys } = edit {
        for (field, list) in [
            ("authorized", &keys.authorized),
            ("authorized_cli_only", &keys.authorized_cli_only),
        ] {
            for k in list {
                crate::config::TagKey::parse(k).map_err(|e| AppError::invalid(field, e))?;
            }
        }
    }
    Ok(())
}

impl AccessService {
    /// Saves `next` as the version after the newest when that is
    /// `base_version` (or any, for `None`), audited as `action` by `by`.
    /// The new version, or `None` when `next` is what is in force.
    pub async fn save_rules(
        &self,
        base_version: Option<i64>,
        next: impl FnOnce(&AccessRules) -> Result<AccessRules, AppError>,
        by: &str,
        source: &str,
        note: &str,
        client: &ClientMeta,
    ) -> Result<Option<i64>, AppError> {
        let s = &self.0;
        let mut tx = db::begin(&s.pool).await?;
        db::xact_lock(&mut tx, LOCK).await?;
        let latest = db::access_rules::latest(&mut tx).await?;
        let (version, current) = match &latest {
            Some(l) => (l.version, parse(&l.rules)?),
            None => (0, s.config.access_rules()),
        };
        if let Some(base) = base_version.filter(|b| *b != version) {
            let by = latest.map(|l| l.changed_by).unwrap_or_default();
            return Err(AppError::Conflict(format!(
                "the rules changed since you loaded them (version {base}; now {version}, by {by}): reload and try again"
            )));
        }
        let next = next(&current)?;
        if next == current {
            return Ok(None);
        }
        let saved = save(&mut tx, version, &next, by, source, note).await?;
        db::audit::record(
            &mut tx,
            AuditEvent::by(by, "access_rules.change", &format!("v{saved}"), client).detail(
                serde_json::json!({
                    "version": saved, "source": source, "note": note,
                    "before": current, "after": next,
                }),
            ),
        )
        .await?;
        db::commit(tx).await?;
        // Here at once; other replicas when Postgres tells them.
        s.reload_access_rules().await?;
        Ok(Some(saved))
    }
}

#[async_trait]
impl app::ports::AccessPort for AccessService {
    async fn access_rules(&self, _admin: &Admin) -> Result<AccessPageView, AppError> {
        let s = &self.0;
        let mut conn = db::conn(&s.pool).await?;
        let rows = db::access_rules::history(&mut conn, HISTORY + 1).await?;
        let from_config = db::access_rules::latest_from_config(&mut conn).await?;
        drop(conn);
        let file = s.config.access_rules();
        let config_differs = match (rows.first(), from_config) {
            (Some(l), Some(c)) => l.source != "config" && parse(&c.rules)? != file,
            _ => false,
        };
        let mut docs = Vec::with_capacity(rows.len());
        for r in &rows {
            docs.push(parse(&r.rules)?);
        }
        let history = rows
            .iter()
            .take(HISTORY as usize)
            .enumerate()
            .map(|(i, r)| AccessVersionView {
                version: r.version,
                at: ts(r.changed_at),
                by: r.changed_by.clone(),
                source: r.source.clone(),
                note: r.note.clone(),
                before: docs.get(i + 1).map(pretty).unwrap_or_default(),
                after: pretty(&docs[i]),
            })
            .collect();
        let (version, rules, head) = match rows.first() {
            Some(l) => (l.version, docs[0].clone(), Some(l)),
            None => (0, file, None),
        };
        Ok(AccessPageView {
            version,
            changed_by: head.map(|h| h.changed_by.clone()).unwrap_or_default(),
            changed_at: head.map(|h| ts(h.changed_at)).unwrap_or_default(),
            source: head.map_or("config".into(), |h| h.source.clone()),
            note: head.map(|h| h.note.clone()).unwrap_or_default(),
            rules,
            admin_groups: s.app_roles.admin_groups().to_vec(),
            config_differs,
            history,
        })
    }

    async fn change_access_rules(
        &self,
        admin: &Admin,
        base_version: i64,
        edit: &AccessEdit,
        note: &str,
        client: &ClientMeta,
    ) -> Result<i64, AppError> {
        check_tag_keys(edit)?;
        let next = |current: &AccessRules| {
            current
                .edited(edit)
                .map_err(|(field, message)| AppError::invalid(field, message))
        };
        let saved = self
            .save_rules(
                Some(base_version),
                next,
                &admin.user().id,
                "admin",
                note,
                client,
            )
            .await?;
        Ok(saved.unwrap_or(base_version))
    }
}
