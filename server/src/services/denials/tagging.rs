//! Owner and creator tags (`cloudtrail.tag_resources`, off by default): each
//! resource whose creation CloudTrail recorded, and which Latchkey caches in
//! an enabled account, gets `creator_tag_key = <creator>` and
//! `owner_tag_key = <creator>` where it has no such tag (its live tags are
//! read first; an existing tag is never changed). Every write is audited
//! (`resource.tagged`, actor `latchkey`), a refusal too; a refused resource
//! is tried again on the next run. One replica runs a batch.
use crate::aws::tag_missing::add_missing;
use crate::db;
use crate::services::sync::engine::Trigger;
use crate::services::Services;
use app::domain::AccountId;
use app::ports::ClientMeta;
use serde_json::json;

/// Resources a run tags at most.
const BATCH: i64 = 200;

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tagged {
    /// Resources given at least one tag.
    pub tagged: usize,
    /// Resources that had every tag already.
    pub unchanged: usize,
    pub failed: usize,
}

impl Services {
    pub async fn tag_created(&self) -> crate::Result<Tagged> {
        let mut out = Tagged::default();
        let c = &self.config.cloudtrail;
        if !(self.denials_on() && c.tag_resources) {
            return Ok(out);
        }
        let mut tx = db::begin(&self.pool).await?;
        if !db::try_xact_lock(&mut tx, "cloudtrail.tag").await? {
            return Ok(out);
        }
        let rows = db::creators::untagged(&mut tx, BATCH).await?;
        let client = ClientMeta::default();
        for (row, kind) in rows {
            let wanted = vec![
                (c.creator_tag_key.clone(), row.created_by.clone()),
                (c.owner_tag_key.clone(), row.created_by.clone()),
            ];
            let result = match AccountId::parse(&row.account_id) {
                Ok(account) => add_missing(&self.aws, &account, &kind, &row.arn, &wanted)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let (outcome, detail) = match &result {
                Ok(added) if added.is_empty() => {
                    out.unchanged += 1;
                    (
                        "success",
                        json!({"added": {}, "why": "every tag was set already"}),
                    )
                }
                Ok(added) => {
                    out.tagged += 1;
                    let added: serde_json::Map<String, serde_json::Value> =
                        added.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
                    (
                        "success",
                        json!({"added": added, "created_by": row.creator_arn}),
                    )
                }
                Err(e) => {
                    out.failed += 1;
                    ("failure", json!({"error": e}))
                }
            };
            db::audit::record(
                &mut tx,
                db::audit::AuditEvent::by("latchkey", "resource.tagged", &row.arn, &client)
                    .outcome(outcome)
                    .detail(detail),
            )
            .await?;
            db::creators::set_tagged(&mut tx, &row.arn, result.as_ref().err().map(String::as_str))
                .await?;
            if matches!(&result, Ok(added) if !added.is_empty()) {
                // The cache shows the new tags at once (best effort).
                if let Err(e) = self.refresh_item(&row.arn, Trigger::AfterApply).await {
                    tracing::warn!(arn = %row.arn, error = %e, "re-reading a tagged resource failed");
                }
            }
        }
        db::commit(tx).await?;
        Ok(out)
    }
}
