//! InventoryPort: accounts, the resources table, details, refresh of one item.
pub mod per_minute;
mod refresh;
pub mod search;
use super::Services;
use crate::aws::snapshot::*;
pub use crate::db::resources::{Cursor, ListRow, PageQuery};
use crate::db::{
    self,
    resources::{Filter, Sort},
};
use crate::services::sync::engine as sync;
use app::domain::inventory::{encode, kind_label, ResourceQuery, SortBy, PAGE_SIZE};
use app::domain::{policy::pretty, Partition, User};
use app::views::*;
use app::AppError;
use async_trait::async_trait;
pub use per_minute::{PerMinute, REFRESHES_PER_MINUTE};
use serde_json::Value;

pub struct InventoryService(pub Services);

pub fn tag_pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    let s = |k: &str| {
                        t.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (s("key"), s("value"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn label(kind: &str) -> String {
    kind_label(kind).to_owned()
}

/// The AWS console page of a resource, in its partition's console.
pub fn console_url(kind: &str, arn: &str, name: &str, region: &str) -> String {
    let region = arn
        .split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or(region);
    let partition = Partition::of_arn(arn).unwrap_or_default();
    let console = partition.console_url(None);
    match kind {
        KIND_ROLE => format!("{console}/iam/home#/roles/details/{name}"),
        KIND_USER => format!("{console}/iam/home#/users/details/{name}"),
        KIND_MANAGED_POLICY => format!("{console}/iam/home#/policies/details/{}", encode(arn)),
        KIND_BUCKET => format!("{console}/s3/buckets/{name}"),
        KIND_QUEUE => {
            let account = arn.split(':').nth(4).unwrap_or_default();
            let suffix = partition.dns_suffix();
            let url = format!("https://sqs.{region}.{suffix}/{account}/{name}");
            format!(
                "{}/sqs/v3/home?region={region}#/queues/{}",
                partition.console_url(Some(region)),
                encode(&url)
            )
        }
        KIND_TOPIC => format!(
            "{}/sns/v3/home?region={region}#/topic/{arn}",
            partition.console_url(Some(region))
        ),
        _ => format!("{console}/"),
    }
}

/// The search `q` asks for; "has recent denials" becomes the list of
/// principals that have them.
pub async fn filter_of(s: &Services, q: &ResourceQuery) -> crate::Result<(Filter, Sort)> {
    let arns = match q.denied {
        true => Some(s.denied_principals().await?),
        false => None,
    };
    let f = Filter {
        kind: q.kind.map(|k| k.as_str().to_owned()),
        account_id: q.account.as_ref().map(|a| a.to_string()),
        text: q.text.clone(),
        tag: q.tag.clone(),
        region: q.region.clone(),
        arns,
    };
    let sort = match q.sort {
        SortBy::Name => Sort::Name,
        SortBy::Account => Sort::Account,
        SortBy::Kind => Sort::Kind,
    };
    Ok((f, sort))
}

#[async_trait]
impl app::ports::InventoryPort for InventoryService {
    async fn list_accounts(&self, _user: &User) -> Result<Vec<AccountView>, AppError> {
        let rows = self.0.users().all_accounts().await?;
        Ok(rows
            .iter()
            .map(|a| AccountView {
                account_id: a.account_id.clone(),
                name: a.name.clone(),
                enabled: a.enabled,
            })
            .collect())
    }

    async fn list_regions(&self, _user: &User) -> Result<Vec<String>, AppError> {
        Ok(self.0.search_gate.regions(&self.0.pool).await?)
    }

    async fn search_resources(
        &self,
        _user: &User,
        q: &ResourceQuery,
    ) -> Result<ResourcePageView, AppError> {
        let (f, sort) = filter_of(&self.0, q).await?;
        let after = q.after.as_ref().map(|(key, arn)| Cursor {
            key: key.clone(),
            arn: arn.clone(),
        });
        let (rows, more) = self
            .0
            .search_gate
            .search(
                &self.0.pool,
                &PageQuery::new(&f, sort, PAGE_SIZE)
                    .descending(q.descending)
                    .after(after.as_ref()),
            )
            .await?;
        let next = match (more, rows.last()) {
            (true, Some(last)) => {
                let mut nq = q.clone();
                nq.after = Some((last.sort_key.clone(), last.arn.clone()));
                Some(nq.to_query_string())
            }
            _ => None,
        };
        let mut base = q.clone();
        base.after = None;
        let arns: Vec<String> = rows.iter().map(|r| r.arn.clone()).collect();
        let denials = self.0.denial_counts(&arns).await?;
        Ok(ResourcePageView {
            first: q.after.as_ref().map(|_| base.to_query_string()),
            csv: base.to_query_string(),
            next,
            denials_shown: self.0.denials_on(),
            rows: rows
                .into_iter()
                .map(|r| ResourceRowView {
                    denials: denials.get(&r.arn).copied().unwrap_or(0),
                    tags: r.tags.into_iter().map(|t| (t.key, t.value)).collect(),
                    arn: r.arn,
                    kind: r.kind,
                    name: r.name,
                    account_id: r.account_id,
                    account_name: r.account_name,
                    region: r.region,
                })
                .collect(),
        })
    }

    async fn get_resource(&self, user: &User, arn: &str) -> Result<ResourceDetailView, AppError> {
        let mut conn = crate::db::conn(&self.0.pool).await?;
        let r = db::resources::get(&mut conn, arn)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("resource {arn}")))?;
        let mut facts = super::details::facts(&mut conn, &r).await?;
        drop(conn);
        if let ResourceFacts::User(u) = &mut facts {
            // Who was denied what names people: administrators only.
            u.denials = self.0.denied_calls(&r.arn, user.is_admin).await?;
        }
        let created_by = self.0.created_by(&r.arn).await?;
        Ok(ResourceDetailView {
            console_url: console_url(&r.kind, &r.arn, &r.name, self.0.aws.region()),
            kind_label: label(&r.kind),
            tags: tag_pairs(&r.tags),
            policy: r.policy.as_ref().map(pretty),
            facts,
            created_by,
            synced_at: r.synced_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            arn: r.arn,
            kind: r.kind,
            name: r.name,
            account_id: r.account_id,
            account_name: r.account_name,
        })
    }

    async fn refresh_resource(
        &self,
        user: &User,
        arn: &str,
        client: &app::ports::ClientMeta,
    ) -> Result<(), AppError> {
        // Each refresh makes the hub assume into an account: bounded per user.
        if !self.0.refresh_limit.allow(&user.id) {
            return Err(AppError::TooMany(format!(
                "at most {REFRESHES_PER_MINUTE} refreshes a minute; try again shortly"
            )));
        }
        let arn = arn.trim();
        if arn.len() > 2048 || arn.contains(char::is_control) {
            return Err(AppError::invalid("arn", "is not an ARN"));
        }
        let result = self.0.refresh_item(arn, sync::Trigger::Manual).await;
        let mut conn = crate::db::conn(&self.0.pool).await?;
        db::audit::record(
            &mut conn,
            db::audit::AuditEvent::by(&user.id, "resource.refresh", arn, client).outcome(
                match &result {
                    Ok(()) => "success",
                    Err(AppError::Forbidden(_)) => "denied",
                    Err(_) => "failure",
                },
            ),
        )
        .await?;
        result
    }
}
