//! What a requester asks for ("read objects under `reports/` in bucket X"),
//! and the least-privilege statements that grant exactly that.

mod groups;
mod target;

pub use groups::ActionGroup;
pub use target::ResourceTarget;

use super::catalogue;
use super::check::arn_matches_type;
use super::document::{Condition, Statement};
use super::statements::combine;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why an intent cannot be turned into statements.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntentError {
    #[error("{0:?} is not a resource ARN (arn:partition:service:region:account:resource)")]
    BadArn(String),
    #[error("{0:?} is not an S3 bucket name")]
    BadBucket(String),
    #[error("an S3 prefix may not contain * or ?")]
    BadPrefix,
    #[error("{group:?} does not apply to {target}")]
    WrongTarget { group: ActionGroup, target: String },
    #[error("{0:?} is not a known action")]
    UnknownAction(String),
    #[error("{action} does not apply to {target}")]
    CustomActionMismatch { action: String, target: String },
    #[error("nothing requested: pick an action group or a custom action")]
    Empty,
    #[error("the link's intent could not be read")]
    BadEncoding,
}

/// One wizard choice: a resource, action groups on it, and custom actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub resource: ResourceTarget,
    #[serde(default)]
    pub groups: Vec<ActionGroup>,
    #[serde(default)]
    pub custom_actions: Vec<String>,
}

impl Intent {
    /// URL-safe text for `?intent=` (base64url of the JSON, no padding).
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads [`Intent::encode`]'s output and validates it like any input.
    pub fn decode(s: &str) -> Result<Self, IntentError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .map_err(|_| IntentError::BadEncoding)?;
        let intent: Intent =
            serde_json::from_slice(&bytes).map_err(|_| IntentError::BadEncoding)?;
        intent.resource.validate()?;
        Ok(intent)
    }

    /// The ask that would have let a denied call through: `action` on
    /// exactly `resource` as CloudTrail named it (an S3 object is its
    /// bucket narrowed to that key; `*` when the call named none).
    pub fn for_denied_call(action: &str, resource: &str) -> Result<Self, IntentError> {
        let resource = match resource.split_once('/') {
            Some((bucket, key))
                if bucket.starts_with("arn:")
                    && bucket.split(':').nth(2) == Some("s3")
                    && !key.is_empty() =>
            {
                ResourceTarget::from_arn(bucket, Some(key))?
            }
            _ => ResourceTarget::from_arn(resource, None)?,
        };
        let intent = Intent {
            resource,
            groups: Vec::new(),
            custom_actions: vec![action.to_owned()],
        };
        // An action the catalogue does not know, or one that needs a
        // resource when the call named none, is refused here, not offered.
        intent.statements()?;
        Ok(intent)
    }

    /// The wizard, opened on `principal` with this ask and `justification`
    /// filled in.
    pub fn wizard_href(&self, principal: &str, justification: &str) -> String {
        use crate::domain::inventory::encode;
        format!(
            "/request?principal={}&intent={}&justification={}",
            encode(principal),
            self.encode(),
            encode(justification)
        )
    }

    fn statements(&self) -> Result<Vec<Statement>, IntentError> {
        self.resource.validate()?;
        if self.groups.is_empty() && self.custom_actions.is_empty() {
            return Err(IntentError::Empty);
        }
        let arns = self.resource.arns();
        let mut out = Vec::new();
        for &g in &self.groups {
            if g.service() != self.resource.service() {
                return Err(IntentError::WrongTarget {
                    group: g,
                    target: self.resource.describe(),
                });
            }
            let actions = g.actions().iter().map(|a| (*a).to_owned()).collect();
            let mut st = match (&self.resource, g) {
                (ResourceTarget::S3Bucket { .. }, ActionGroup::S3List) => {
                    Statement::allow(actions, vec![arns[0].clone()])
                }
                (ResourceTarget::S3Bucket { .. }, _) => {
                    Statement::allow(actions, vec![arns[arns.len() - 1].clone()])
                }
                _ => Statement::allow(actions, arns.clone()),
            };
            if let (
                ResourceTarget::S3Bucket {
                    prefix: Some(p), ..
                },
                ActionGroup::S3List,
            ) = (&self.resource, g)
            {
                st.condition = Condition::from([(
                    "StringLike".to_owned(),
                    BTreeMap::from([(
                        "s3:prefix".to_owned(),
                        vec![Value::String(format!("{p}*"))],
                    )]),
                )]);
            }
            out.push(st);
        }
        for custom in &self.custom_actions {
            out.push(self.custom_statement(custom.trim(), &arns)?);
        }
        Ok(out)
    }

    fn custom_statement(&self, action: &str, arns: &[String]) -> Result<Statement, IntentError> {
        let expanded = catalogue::expand(action);
        if expanded.is_empty() || action == "*" {
            return Err(IntentError::UnknownAction(action.to_owned()));
        }
        // Exact names take the catalogue's spelling: s3:getobject → s3:GetObject.
        let name = match expanded.as_slice() {
            [(svc, a)] if !action.contains(['*', '?']) => format!("{}:{}", svc.prefix, a.name),
            _ => action.to_owned(),
        };
        let types: Vec<_> = expanded.iter().flat_map(|(s, a)| s.types_of(a)).collect();
        if types.is_empty() {
            return Ok(Statement::allow(vec![name], vec!["*".to_owned()]));
        }
        // An action that takes a resource is never asked for on all of them.
        if arns == [target::ANY_RESOURCE] {
            return Err(IntentError::CustomActionMismatch {
                action: name,
                target: "no particular resource (name the resource it needs)".to_owned(),
            });
        }
        let resources: Vec<String> = arns
            .iter()
            .filter(|arn| types.iter().any(|t| arn_matches_type(t, arn)))
            .cloned()
            .collect();
        if resources.is_empty() {
            return Err(IntentError::CustomActionMismatch {
                action: name,
                target: self.resource.describe(),
            });
        }
        Ok(Statement::allow(vec![name], resources))
    }
}

/// Least-privilege statements for `intents`: statements with the same
/// resources and condition are combined, actions sorted and de-duplicated,
/// Sids derived from the content (the same request always gives the same text).
pub fn generate(intents: &[Intent]) -> Result<Vec<Statement>, IntentError> {
    let mut all = Vec::new();
    for i in intents {
        all.extend(i.statements()?);
    }
    Ok(combine(all))
}

#[cfg(test)]
mod tests;
