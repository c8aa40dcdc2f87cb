//! Telling people about new denied calls (`cloudtrail.notify`), batched on
//! `cloudtrail.notify_schedule`: each principal's owner (the value of its
//! `cloudtrail.owner_tag_key` tag, when that is an address) hears of all its
//! new denials, and each person whose session was refused (a session or
//! user name that is an address) of theirs; one message per person and
//! principal, each call with its pre-filled request link. A denial is news
//! again once it is seen after they were told. One replica sends a batch.
use super::shown::request_href;
use crate::db::{self, denials::DenialRow};
use crate::notify::{Notification, NotifyEvent};
use crate::services::details::when;
use crate::services::Services;
use std::collections::BTreeMap;

/// Denials a batch reads at most (the rest wait for the next run).
const BATCH: i64 = 5_000;

/// What a run sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Notified {
    pub denials: usize,
    pub messages: usize,
}

/// An e-mail address, as far as a tag value or session name can say.
fn address(s: &str) -> Option<&str> {
    let s = s.trim();
    let (user, host) = s.split_once('@')?;
    (!user.is_empty() && host.contains('.') && !s.contains(char::is_whitespace)).then_some(s)
}

/// The value of `key` among cached tags (`[{"key", "value"}]`).
fn tag(tags: &serde_json::Value, key: &str) -> Option<String> {
    tags.as_array()?
        .iter()
        .find(|t| t["key"].as_str() == Some(key))
        .and_then(|t| t["value"].as_str().map(str::to_owned))
}

fn line(s: &Services, principal: &str, d: &DenialRow) -> String {
    let calls = if d.count == 1 {
        "1 call".to_owned()
    } else {
        format!("{} calls", d.count)
    };
    let mut l = format!(
        "- {} on {}: {calls}, last {} ({})",
        d.action,
        d.resource,
        when(&d.last_seen),
        d.error_code
    );
    if !d.sessions.is_empty() {
        l.push_str(&format!(", by {}", d.sessions.join(", ")));
    }
    if let Some(href) = request_href(principal, d) {
        l.push_str(&format!("\n  Ask for it: {}", s.notifiers.url(&href)));
    }
    l
}

impl Services {
    /// Sends one batch of denied-call digests; `Notified::default()` when
    /// off, nothing is new, or another replica holds the batch.
    pub async fn notify_denials(&self) -> crate::Result<Notified> {
        let mut out = Notified::default();
        if !(self.denials_on() && self.config.cloudtrail.notify) {
            return Ok(out);
        }
        let mut tx = db::begin(&self.pool).await?;
        if !db::try_xact_lock(&mut tx, "cloudtrail.notify").await? {
            return Ok(out);
        }
        let rows = db::denials::to_notify(&mut tx, self.denials_since(), BATCH).await?;
        let key = &self.config.cloudtrail.owner_tag_key;
        let mut by_principal: BTreeMap<&str, Vec<&DenialRow>> = BTreeMap::new();
        for r in &rows {
            by_principal.entry(&r.principal_arn).or_default().push(r);
        }
        let mut messages = Vec::new();
        for (principal, denials) in by_principal {
            let tags = match db::roles::get_by_arn(&mut tx, principal).await? {
                Some(r) => Some(r.tags),
                None => db::resources::get(&mut tx, principal)
                    .await?
                    .map(|r| r.tags),
            };
            let owner = tags.and_then(|t| tag(&t, key));
            // Each person: the denials they are told of.
            let mut to: BTreeMap<String, Vec<&DenialRow>> = BTreeMap::new();
            if let Some(o) = owner.as_deref().and_then(address) {
                to.insert(o.to_owned(), denials.clone());
            }
            for d in &denials {
                for who in d.sessions.iter().filter_map(|w| address(w)) {
                    let theirs = to.entry(who.to_owned()).or_default();
                    if !theirs.iter().any(|x| std::ptr::eq(*x, *d)) {
                        theirs.push(d);
                    }
                }
            }
            let path = principal_page(principal);
            for (who, list) in to {
                let detail: Vec<String> = list.iter().map(|d| line(self, principal, d)).collect();
                messages.push(Notification {
                    event: NotifyEvent::Denied,
                    request_id: String::new(),
                    principal_arn: principal.to_owned(),
                    requester: who.clone(),
                    actor: "CloudTrail".to_owned(),
                    detail: detail.join("\n"),
                    link: self.notifiers.url(&path),
                    to: vec![who],
                });
            }
        }
        db::denials::mark_notified(&mut tx, &rows).await?;
        db::commit(tx).await?;
        out.denials = rows.len();
        out.messages = messages.len();
        for m in messages {
            self.notifiers.send(m);
        }
        Ok(out)
    }
}

/// The page of a role (`/roles/{account}/{name}`) or other principal.
fn principal_page(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [_, _, "iam", _, account, res] if res.starts_with("role/") => {
            let name = res.rsplit('/').next().unwrap_or_default();
            format!("/roles/{account}/{name}")
        }
        _ => format!("/resource?arn={}", app::domain::inventory::encode(arn)),
    }
}
