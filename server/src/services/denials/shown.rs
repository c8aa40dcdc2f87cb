//! Denied calls where people see them: a principal's page ("Denied calls"),
//! the resources table (a count per row, and a "has recent denials"
//! filter) and `/metrics`. Only denials seen within
//! `cloudtrail.retention_days` are shown; who may see a principal's is
//! decided by the page asking.
use crate::db;
use crate::services::details::when;
use crate::services::Services;
use app::domain::policy::intent::Intent;
use app::views::DeniedCallView;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Rows of a principal's "Denied calls": its most frequent.
pub const SHOWN_PER_PRINCIPAL: i64 = 20;

impl Services {
    /// CloudTrail ingest is configured: pages show denials.
    pub fn denials_on(&self) -> bool {
        self.config.cloudtrail.enabled()
    }

    /// Denials last seen before this are not shown (and soon purged).
    pub fn denials_since(&self) -> DateTime<Utc> {
        Utc::now() - chrono::Duration::days(i64::from(self.config.cloudtrail.retention_days))
    }

    /// A principal's most frequent recent denied calls, or `None` when
    /// ingest is off or `may_see` is false.
    pub async fn denied_calls(
        &self,
        principal_arn: &str,
        may_see: bool,
    ) -> crate::Result<Option<Vec<DeniedCallView>>> {
        if !(may_see && self.denials_on()) {
            return Ok(None);
        }
        let rows = super::denials_of(
            &self.pool,
            principal_arn,
            self.denials_since(),
            SHOWN_PER_PRINCIPAL,
            db::denials::Order::ByCount,
        )
        .await?;
        Ok(Some(
            rows.into_iter()
                .map(|(d, v)| DeniedCallView {
                    request_href: request_href(principal_arn, &d),
                    resolved: v.resolved_at.map(|at| {
                        (
                            when(&at),
                            v.resolved_by.map(|id| id.to_string()).unwrap_or_default(),
                        )
                    }),
                    still_denied: v.resolved_at.is_none().then_some(v.verdict).flatten(),
                    action: d.action,
                    resource: d.resource,
                    error_code: d.error_code,
                    count: d.count,
                    first_seen: when(&d.first_seen),
                    last_seen: when(&d.last_seen),
                    sessions: d.sessions,
                })
                .collect(),
        ))
    }

    /// Who created `arn`, as its page says it (CloudTrail `Create*` events).
    pub async fn created_by(&self, arn: &str) -> crate::Result<Option<String>> {
        let mut conn = db::conn(&self.pool).await?;
        Ok(db::creators::get(&mut conn, arn).await?.map(|c| {
            let mut s = c.created_by.clone();
            if c.creator_arn != c.created_by {
                s.push_str(&format!(" (as {})", c.creator_arn));
            }
            format!("{s} on {}", when(&c.created_at))
        }))
    }

    /// The principals with recent denials (the resources filter).
    pub async fn denied_principals(&self) -> crate::Result<Vec<String>> {
        let mut conn = db::conn(&self.pool).await?;
        db::denials::principals_since(&mut conn, self.denials_since()).await
    }

    /// Recent denied calls per ARN of `arns` (a page of the resources
    /// table); empty when ingest is off.
    pub async fn denial_counts(&self, arns: &[String]) -> crate::Result<HashMap<String, i64>> {
        if !self.denials_on() || arns.is_empty() {
            return Ok(HashMap::new());
        }
        let mut conn = db::conn(&self.pool).await?;
        let rows = db::denials::counts_for(&mut conn, arns, self.denials_since()).await?;
        Ok(rows.into_iter().collect())
    }
}

/// The wizard asking for exactly the denied call, the justification saying
/// what CloudTrail recorded (the requester edits it before sending).
pub(super) fn request_href(principal_arn: &str, d: &db::denials::DenialRow) -> Option<String> {
    let intent = Intent::for_denied_call(&d.action, &d.resource).ok()?;
    let times = if d.count == 1 {
        "once".to_owned()
    } else {
        format!("{} times", d.count)
    };
    let mut why = format!(
        "CloudTrail: {} on {} was denied ({}) {times}, last at {}",
        d.action,
        d.resource,
        d.error_code,
        when(&d.last_seen)
    );
    if !d.sessions.is_empty() {
        why.push_str(&format!(" (sessions: {})", d.sessions.join(", ")));
    }
    why.push_str(". Needed for: ");
    Some(intent.wizard_href(principal_arn, &why))
}
