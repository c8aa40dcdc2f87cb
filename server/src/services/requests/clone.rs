//! Cloning a role: a `role_create` change built from the cached source role
//! (trust policy, description, inline and managed policies, tags), reviewed
//! and applied like any other change.
use crate::db;
use app::domain::change::{ChangeSpec, NamedPolicy, Tag};
use app::domain::Partition;
use app::AppError;
use sqlx::PgConnection;

/// The creation of `new_arn` as a copy of `source_arn`. Customer managed
/// policies of the source account are attached from the target account
/// (same name); AWS managed ones as they are.
pub(super) async fn clone_spec(
    conn: &mut PgConnection,
    source_arn: &str,
    new_arn: &str,
) -> Result<ChangeSpec, AppError> {
    let role = db::roles::get_by_arn(conn, source_arn)
        .await?
        .ok_or_else(|| {
            AppError::invalid("source_arn", format!("{source_arn} is not a cached role"))
        })?;
    let target_account = new_arn.split(':').nth(4).unwrap_or_default();
    // Customer managed policies of the source account are the target's namesakes.
    let partition = Partition::of_arn(&role.arn).unwrap_or_default();
    let source_prefix = partition.arn("iam", "", &role.account_id, "");
    let list = |v: &serde_json::Value| v.as_array().cloned().unwrap_or_default();
    Ok(ChangeSpec::RoleCreate {
        trust_policy: role.trust_policy.clone(),
        description: role.description.clone(),
        inline_policies: list(&role.inline_policies)
            .iter()
            .filter_map(|p| {
                Some(NamedPolicy {
                    name: p["name"].as_str()?.to_owned(),
                    document: p["document"].clone(),
                })
            })
            .collect(),
        managed_policy_arns: list(&role.managed_policies)
            .iter()
            .filter_map(|p| p["arn"].as_str())
            .map(|arn| match arn.strip_prefix(&source_prefix) {
                Some(rest) => partition.arn("iam", "", target_account, rest),
                None => arn.to_owned(),
            })
            .collect(),
        tags: list(&role.tags)
            .iter()
            .filter_map(|t| {
                Some(Tag {
                    key: t["key"].as_str()?.to_owned(),
                    value: t["value"].as_str()?.to_owned(),
                })
            })
            .collect(),
    })
}
