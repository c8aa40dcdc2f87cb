//! Records -> stored denials: parse (`app::domain::cloudtrail`), keep those
//! of managed accounts, name each assumed role with its path, add up
//! events of one key, and upsert in one statement.
use crate::db::denials::{DenialRow, MAX_SESSIONS};
use app::domain::cloudtrail::{creation_of, denial_of, Principal, Skip};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a batch of records gave.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StoreOutcome {
    /// Denied events stored (before deduplication).
    pub stored: usize,
    /// Records that are not a denial, or a service principal's.
    pub ignored: usize,
    /// Denials of principals in accounts Latchkey does not manage.
    pub foreign: usize,
    /// Denials whose record was malformed.
    pub malformed: usize,
    /// Resources created (roles, users, buckets, queues, topics) in managed
    /// accounts, whose creator is recorded.
    pub created: usize,
}

type Key = (String, String, String, String);

/// Stores the denials among `records` on `conn` (the caller's transaction).
pub async fn store_records<'a>(
    conn: &mut PgConnection,
    records: impl IntoIterator<Item = &'a Value>,
) -> crate::Result<StoreOutcome> {
    let mut out = StoreOutcome::default();
    let mut denials = Vec::new();
    let mut creations = Vec::new();
    for record in records {
        match denial_of(record) {
            Ok(d) => denials.push(d),
            Err(Skip::Malformed(why)) => {
                out.malformed += 1;
                tracing::debug!(why, "malformed CloudTrail denial skipped");
            }
            Err(Skip::NotDenial) => match creation_of(record) {
                Ok(c) => creations.push(c),
                Err(_) => out.ignored += 1,
            },
            Err(_) => out.ignored += 1,
        }
    }
    if denials.is_empty() && creations.is_empty() {
        return Ok(out);
    }
    let managed: HashSet<String> = crate::db::accounts::list_enabled(&mut *conn)
        .await?
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    out.created = store_creations(conn, creations, &managed).await?;
    denials.retain(|d| {
        let ours = managed.contains(d.principal.account().as_str());
        out.foreign += usize::from(!ours);
        ours
    });
    let paths = role_paths(conn, &denials).await?;
    let mut rows: BTreeMap<Key, DenialRow> = BTreeMap::new();
    for d in denials {
        let Ok(at) = DateTime::parse_from_rfc3339(&d.event_time).map(|t| t.with_timezone(&Utc))
        else {
            out.malformed += 1;
            continue;
        };
        let path = match &d.principal {
            Principal::Role { account, name, .. } => paths
                .get(&(account.to_string(), name.clone()))
                .map_or("/", String::as_str),
            Principal::Arn { .. } => "/",
        };
        let arn = d.principal.arn_with_path(path);
        let key = (arn, d.action, d.resource, d.error_code);
        out.stored += 1;
        let row = rows.entry(key.clone()).or_insert_with(|| DenialRow {
            principal_arn: key.0,
            action: key.1,
            resource: key.2,
            error_code: key.3,
            account_id: d.principal.account().to_string(),
            count: 0,
            first_seen: at,
            last_seen: at,
            sessions: Vec::new(),
        });
        row.count += 1;
        row.first_seen = row.first_seen.min(at);
        if at >= row.last_seen {
            row.last_seen = at;
        }
        if let Some(who) = d.who {
            // Most recent first, bounded.
            row.sessions.retain(|s| *s != who);
            row.sessions.insert(0, who);
            row.sessions.truncate(MAX_SESSIONS);
        }
    }
    let rows: Vec<DenialRow> = rows.into_values().collect();
    crate::db::denials::upsert(conn, &rows).await?;
    Ok(out)
}

/// Records who created what, in managed accounts (the creator's own account
/// may be another: a deployment account creating roles, say).
async fn store_creations(
    conn: &mut PgConnection,
    creations: Vec<app::domain::cloudtrail::Creation>,
    managed: &HashSet<String>,
) -> crate::Result<usize> {
    let rows: Vec<crate::db::creators::CreatorRow> = creations
        .into_iter()
        .filter(|c| managed.contains(c.account.as_str()))
        .filter_map(|c| {
            let at = DateTime::parse_from_rfc3339(&c.event_time)
                .ok()?
                .with_timezone(&Utc);
            let creator_arn = c.principal.arn_with_path("/");
            Some(crate::db::creators::CreatorRow {
                created_by: c.who.unwrap_or_else(|| creator_arn.clone()),
                arn: c.resource_arn,
                account_id: c.account.to_string(),
                creator_arn,
                event_name: c.event_name,
                created_at: at,
            })
        })
        .collect();
    if !rows.is_empty() {
        crate::db::creators::upsert(conn, &rows).await?;
    }
    Ok(rows.len())
}

/// The cached path of each assumed role whose record did not name it.
async fn role_paths(
    conn: &mut PgConnection,
    denials: &[app::domain::cloudtrail::Denial],
) -> crate::Result<HashMap<(String, String), String>> {
    let wanted: HashSet<(String, String)> = denials
        .iter()
        .filter_map(|d| match &d.principal {
            Principal::Role {
                account,
                name,
                issuer_arn: None,
                ..
            } => Some((account.to_string(), name.clone())),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let (accounts, names): (Vec<String>, Vec<String>) = wanted.into_iter().unzip();
    Ok(crate::db::roles::paths_by_name(conn, &accounts, &names)
        .await?
        .into_iter()
        .map(|(account, name, path)| ((account, name), path))
        .collect())
}

/// Removes denials not seen since `cutoff`.
pub async fn purge(pool: &sqlx::PgPool, cutoff: DateTime<Utc>) -> crate::Result<u64> {
    let mut conn = crate::db::conn(pool).await?;
    crate::db::denials::purge_before(&mut conn, cutoff).await
}
