//! Detail views of cached IAM items: the policy lists role and user pages
//! share, and the facts of users (with their groups' policies), groups and
//! customer managed policies, from the JSON the IAM sync keeps.
use crate::aws::snapshot::{KIND_GROUP, KIND_MANAGED_POLICY, KIND_USER};
use crate::db::{self, resources::ResourceRow};
use app::domain::inventory::href;
use app::domain::inventory::ResourceKind;
use app::domain::policy::pretty;
use app::views::*;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use std::collections::HashSet;

/// How detail pages show a time.
pub fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A time the sync stored in JSON (RFC 3339), or `None`.
fn time_in(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// Inline policies as cached (`[{"name", "document"}]`), pretty-printed.
pub fn inline_views(policies: &Value) -> Vec<NamedPolicyView> {
    items(policies)
        .iter()
        .map(|p| NamedPolicyView {
            name: text(p, "name"),
            document: pretty(&p["document"]),
        })
        .collect()
}

/// Attached managed policies as cached (`[{"name", "arn", "document"?}]`),
/// linked to their pages when `cached`.
pub fn managed_views(policies: &Value, cached: &HashSet<String>) -> Vec<ManagedPolicyView> {
    items(policies)
        .iter()
        .map(|p| {
            let arn = text(p, "arn");
            ManagedPolicyView {
                name: text(p, "name"),
                document: (!p["document"].is_null()).then(|| pretty(&p["document"])),
                href: policy_href(&arn, cached),
                arn,
            }
        })
        .collect()
}

/// A managed policy's page here, when it is cached.
pub fn policy_href(arn: &str, cached: &HashSet<String>) -> Option<String> {
    cached
        .contains(arn)
        .then(|| href(KIND_MANAGED_POLICY, "", "", arn))
}

/// Which of a principal's managed policies and boundary are cached.
pub async fn cached_policies(
    conn: &mut PgConnection,
    managed: &Value,
    boundary: Option<&str>,
) -> crate::Result<HashSet<String>> {
    let arns: Vec<String> = items(managed)
        .iter()
        .map(|p| text(p, "arn"))
        .chain(boundary.map(str::to_owned))
        .collect();
    db::resources::cached_arns(conn, &arns).await
}

/// The facts a user's or managed policy's page shows; other kinds show
/// their details as they are.
pub async fn facts(conn: &mut PgConnection, r: &ResourceRow) -> crate::Result<ResourceFacts> {
    let d = &r.details;
    let created = time_in(&d["created"]).as_ref().map(when);
    Ok(match r.kind.as_str() {
        KIND_USER => {
            let boundary = d["permissions_boundary"].as_str();
            let cached = cached_policies(conn, &d["managed_policies"], boundary).await?;
            let (last_used, credentials) = credentials(&d["last_used"]);
            let groups: Vec<String> = items(&d["groups"])
                .iter()
                .filter_map(|g| g.as_str().map(str::to_owned))
                .collect();
            let mut group_policies = Vec::new();
            for g in db::resources::named(conn, &r.account_id, KIND_GROUP, &groups).await? {
                group_policies.push(group_facts(conn, &g).await?);
            }
            ResourceFacts::User(UserFactsView {
                path: text(d, "path"),
                created,
                inline_policies: inline_views(&d["inline_policies"]),
                managed_policies: managed_views(&d["managed_policies"], &cached),
                boundary_arn: boundary.map(str::to_owned),
                boundary_href: boundary.and_then(|b| policy_href(b, &cached)),
                groups,
                group_policies,
                last_used,
                credentials,
                denials: None,
            })
        }
        KIND_MANAGED_POLICY => {
            let attached_to = db::resources::attached_to(conn, &r.arn)
                .await?
                .into_iter()
                .map(|a| AttachmentView {
                    kind_label: ResourceKind::parse(&a.kind)
                        .map_or_else(|| a.kind.clone(), |k| k.label().to_owned()),
                    href: href(&a.kind, &a.account_id, &a.name, &a.arn),
                    name: a.name,
                    arn: a.arn,
                })
                .collect();
            ResourceFacts::ManagedPolicy(ManagedPolicyFactsView {
                path: text(d, "path"),
                created,
                default_version_id: d["default_version_id"].as_str().map(str::to_owned),
                attachment_count: d["attachment_count"].as_i64(),
                attached_to,
            })
        }
        KIND_GROUP => ResourceFacts::Group(group_facts(conn, r).await?),
        _ => ResourceFacts::Other(pretty(d)),
    })
}

/// A cached group's policies (managed ones linked when cached) and members.
async fn group_facts(conn: &mut PgConnection, g: &ResourceRow) -> crate::Result<GroupFactsView> {
    let d = &g.details;
    let cached = cached_policies(conn, &d["managed_policies"], None).await?;
    Ok(GroupFactsView {
        name: g.name.clone(),
        href: href(&g.kind, &g.account_id, &g.name, &g.arn),
        path: text(d, "path"),
        created: time_in(&d["created"]).as_ref().map(when),
        members: items(&d["members"])
            .iter()
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect(),
        inline_policies: inline_views(&d["inline_policies"]),
        managed_policies: managed_views(&d["managed_policies"], &cached),
    })
}

/// From a user's credential report entry: the latest use of any of its
/// credentials, and each credential's last use. Nothing without a report.
fn credentials(report: &Value) -> (Option<String>, Vec<(String, String)>) {
    if report.is_null() {
        return (None, Vec::new());
    }
    let mut uses: Vec<(DateTime<Utc>, String)> = Vec::new();
    let mut rows = Vec::new();
    let password = time_in(&report["password_last_used"]);
    rows.push((
        "Console password".to_owned(),
        match (report["password_enabled"].as_bool(), password) {
            (_, Some(t)) => when(&t),
            (Some(true), None) => "never".to_owned(),
            _ => "none set".to_owned(),
        },
    ));
    if let Some(t) = password {
        uses.push((t, "console password".to_owned()));
    }
    for k in items(&report["access_keys"]) {
        let slot = k["slot"].as_u64().unwrap_or_default();
        let state = if k["active"].as_bool() == Some(true) {
            "active"
        } else {
            "inactive"
        };
        let used = time_in(&k["last_used"]);
        rows.push((
            format!("Access key {slot} ({state})"),
            used.as_ref().map_or_else(|| "never".to_owned(), when),
        ));
        if let Some(t) = used {
            uses.push((t, format!("access key {slot}")));
        }
    }
    let latest = uses
        .into_iter()
        .max_by_key(|(t, _)| *t)
        .map(|(t, how)| format!("{} ({how})", when(&t)));
    (latest, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_latest_credential_use_is_named_and_each_credential_listed() {
        let (latest, rows) = credentials(&json!({
            "password_enabled": true,
            "password_last_used": "2026-01-02T03:04:05Z",
            "access_keys": [
                { "slot": 1, "active": true, "last_used": "2026-02-01T00:00:00Z" },
                { "slot": 2, "active": false, "last_used": null },
            ],
        }));
        assert_eq!(
            latest.as_deref(),
            Some("2026-02-01 00:00 UTC (access key 1)")
        );
        assert_eq!(
            rows,
            [
                ("Console password".into(), "2026-01-02 03:04 UTC".into()),
                (
                    "Access key 1 (active)".into(),
                    "2026-02-01 00:00 UTC".into()
                ),
                ("Access key 2 (inactive)".into(), "never".into()),
            ]
        );
    }

    #[test]
    fn only_cached_managed_policies_link_to_their_page() {
        let cached: HashSet<String> = ["arn:aws:iam::123456789012:policy/Shared".to_owned()].into();
        let v = managed_views(
            &json!([
                { "name": "ReadOnlyAccess", "arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "document": null },
                { "name": "Shared", "arn": "arn:aws:iam::123456789012:policy/Shared", "document": { "Version": "2012-10-17" } },
            ]),
            &cached,
        );
        assert_eq!(v[0].href, None);
        assert_eq!(v[0].document, None);
        assert_eq!(
            v[1].href.as_deref(),
            Some("/resource?arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FShared")
        );
        assert!(v[1].document.as_deref().unwrap().contains("2012-10-17"));
    }

    #[test]
    fn without_a_report_nothing_is_claimed_and_without_a_password_none_is_set() {
        assert_eq!(credentials(&Value::Null), (None, vec![]));
        let (latest, rows) = credentials(&json!({ "password_enabled": false, "access_keys": [] }));
        assert_eq!(latest, None);
        assert_eq!(rows, [("Console password".into(), "none set".into())]);
    }
}
