//! What a request asks to change in AWS: one [`Change`] per AWS call, each on
//! one target (a role, a user, a bucket, a queue, a topic or a managed policy).
//! The same model carries self-service asks, generated cross-account changes
//! and administrators' direct edits, so every one is reviewed, applied and
//! recorded the same way.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One key/value tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// The kind of AWS object a change targets, read off its ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Role,
    User,
    S3Bucket,
    SqsQueue,
    SnsTopic,
    ManagedPolicy,
}

impl TargetKind {
    /// Classifies an ARN, or says why it is not one Latchkey can change.
    pub fn of(arn: &str) -> Result<TargetKind, String> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[1].is_empty() {
            return Err(format!(
                "`{arn}` is not an ARN (arn:partition:service:region:account:resource)"
            ));
        }
        let (service, account, resource) = (parts[2], parts[4], parts[5]);
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        let kind = match service {
            "iam" if resource.starts_with("role/") => TargetKind::Role,
            "iam" if resource.starts_with("user/") => TargetKind::User,
            "iam" if resource.starts_with("policy/") => TargetKind::ManagedPolicy,
            // Bucket ARNs carry neither region nor account; one that does
            // names something else (an S3 access point, a made-up owner).
            "s3" if !resource.is_empty() && !resource.contains('/') => {
                if !parts[3].is_empty() || !account.is_empty() {
                    return Err(format!(
                        "`{arn}`: an S3 bucket ARN has no region or account (arn:aws:s3:::bucket)"
                    ));
                }
                return Ok(TargetKind::S3Bucket);
            }
            "sqs" if !resource.is_empty() => TargetKind::SqsQueue,
            "sns" if !resource.is_empty() => TargetKind::SnsTopic,
            _ => {
                return Err(format!(
                    "`{arn}` is not a role, user, managed policy, S3 bucket, SQS queue or SNS topic"
                ))
            }
        };
        if !account_ok {
            return Err(format!("`{arn}` has no 12-digit account id"));
        }
        Ok(kind)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::User => "user",
            Self::S3Bucket => "S3 bucket",
            Self::SqsQueue => "SQS queue",
            Self::SnsTopic => "SNS topic",
            Self::ManagedPolicy => "managed policy",
        }
    }

    pub fn is_principal(self) -> bool {
        matches!(self, Self::Role | Self::User)
    }
}

/// What to do to the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeSpec {
    InlinePolicyPut {
        policy_name: String,
        document: Value,
    },
    InlinePolicyDelete {
        policy_name: String,
    },
    ManagedPolicyAttach {
        policy_arn: String,
    },
    ManagedPolicyDetach {
        policy_arn: String,
    },
    TrustPolicyPut {
        document: Value,
    },
    BoundaryPut {
        policy_arn: String,
    },
    BoundaryDelete,
    TagsPut {
        tags: Vec<Tag>,
    },
    TagsRemove {
        keys: Vec<String>,
    },
    ResourcePolicyPut {
        document: Value,
    },
    ManagedPolicyDocumentPut {
        document: Value,
    },
    /// Creates the target role (also what cloning a role produces).
    RoleCreate {
        trust_policy: Value,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        inline_policies: Vec<NamedPolicy>,
        #[serde(default)]
        managed_policy_arns: Vec<String>,
        #[serde(default)]
        tags: Vec<Tag>,
    },
    /// Deletes the target role with its inline policies, attachments and
    /// instance-profile memberships.
    RoleDelete,
}

/// An inline policy of a role being created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedPolicy {
    pub name: String,
    pub document: Value,
}

/// A pattern for the changes that write a policy document, binding it to `$doc`.
macro_rules! document_variants {
    ($doc:ident) => {
        ChangeSpec::InlinePolicyPut { document: $doc, .. }
            | ChangeSpec::TrustPolicyPut { document: $doc }
            | ChangeSpec::ResourcePolicyPut { document: $doc }
            | ChangeSpec::ManagedPolicyDocumentPut { document: $doc }
            | ChangeSpec::RoleCreate {
                trust_policy: $doc,
                ..
            }
    };
}

impl ChangeSpec {
    /// Stable machine name, stored in the `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InlinePolicyPut { .. } => "inline_policy_put",
            Self::InlinePolicyDelete { .. } => "inline_policy_delete",
            Self::ManagedPolicyAttach { .. } => "managed_policy_attach",
            Self::ManagedPolicyDetach { .. } => "managed_policy_detach",
            Self::TrustPolicyPut { .. } => "trust_policy_put",
            Self::BoundaryPut { .. } => "boundary_put",
            Self::BoundaryDelete => "boundary_delete",
            Self::TagsPut { .. } => "tags_put",
            Self::TagsRemove { .. } => "tags_remove",
            Self::ResourcePolicyPut { .. } => "resource_policy_put",
            Self::ManagedPolicyDocumentPut { .. } => "managed_policy_document_put",
            Self::RoleCreate { .. } => "role_create",
            Self::RoleDelete => "role_delete",
        }
    }

    /// What a reviewer reads in a list, e.g. "put inline policy s3-read".
    pub fn summary(&self) -> String {
        match self {
            Self::InlinePolicyPut { policy_name, .. } => format!("put inline policy {policy_name}"),
            Self::InlinePolicyDelete { policy_name } => {
                format!("delete inline policy {policy_name}")
            }
            Self::ManagedPolicyAttach { policy_arn } => format!("attach {policy_arn}"),
            Self::ManagedPolicyDetach { policy_arn } => format!("detach {policy_arn}"),
            Self::TrustPolicyPut { .. } => "replace the trust policy".into(),
            Self::BoundaryPut { policy_arn } => format!("set permissions boundary {policy_arn}"),
            Self::BoundaryDelete => "remove the permissions boundary".into(),
            Self::TagsPut { tags } => format!(
                "set tags {}",
                tags.iter()
                    .map(|t| format!("{}={}", t.key, t.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::TagsRemove { keys } => format!("remove tags {}", keys.join(", ")),
            Self::ResourcePolicyPut { .. } => "replace the resource policy".into(),
            Self::ManagedPolicyDocumentPut { .. } => "new managed policy version".into(),
            Self::RoleCreate {
                inline_policies,
                managed_policy_arns,
                ..
            } => format!(
                "create the role ({} inline, {} managed policies)",
                inline_policies.len(),
                managed_policy_arns.len()
            ),
            Self::RoleDelete => "delete the role".into(),
        }
    }

    /// The policy document this change writes, if it writes one.
    pub fn document(&self) -> Option<&Value> {
        match self {
            document_variants!(document) => Some(document),
            _ => None,
        }
    }

    /// The same change with its document replaced (edit-then-apply).
    pub fn with_document(&self, new: Value) -> Result<ChangeSpec, String> {
        let mut spec = self.clone();
        match &mut spec {
            document_variants!(document) => {
                *document = new;
                Ok(spec)
            }
            _ => Err(format!("a {} change has no document to edit", self.kind())),
        }
    }

    /// Checks that this change makes sense on `target` and that its names are
    /// well formed. Policy documents are checked separately by the policy checks.
    pub fn check_target(&self, target: TargetKind) -> Result<(), (String, String)> {
        let principal = target.is_principal();
        let ok = match self {
            Self::InlinePolicyPut { .. }
            | Self::InlinePolicyDelete { .. }
            | Self::ManagedPolicyAttach { .. }
            | Self::ManagedPolicyDetach { .. }
            | Self::BoundaryPut { .. }
            | Self::BoundaryDelete
            | Self::TagsPut { .. }
            | Self::TagsRemove { .. } => principal,
            Self::TrustPolicyPut { .. } | Self::RoleCreate { .. } | Self::RoleDelete => {
                target == TargetKind::Role
            }
            Self::ResourcePolicyPut { .. } => matches!(
                target,
                TargetKind::S3Bucket | TargetKind::SqsQueue | TargetKind::SnsTopic
            ),
            Self::ManagedPolicyDocumentPut { .. } => target == TargetKind::ManagedPolicy,
        };
        if !ok {
            return Err((
                "target_arn".into(),
                format!(
                    "a {} change cannot target a {}",
                    self.kind(),
                    target.label()
                ),
            ));
        }
        match self {
            Self::InlinePolicyPut { policy_name, .. }
            | Self::InlinePolicyDelete { policy_name } => check_policy_name(policy_name),
            Self::ManagedPolicyAttach { policy_arn }
            | Self::ManagedPolicyDetach { policy_arn }
            | Self::BoundaryPut { policy_arn } => match TargetKind::of(policy_arn) {
                Ok(TargetKind::ManagedPolicy) => Ok(()),
                _ if policy_arn.starts_with("arn:aws:iam::aws:policy/") => Ok(()),
                _ => Err((
                    "policy_arn".into(),
                    format!("`{policy_arn}` is not a managed policy ARN"),
                )),
            },
            Self::TagsPut { tags } => {
                if tags.is_empty() {
                    return Err(("tags".into(), "give at least one tag".into()));
                }
                check_count("tags", tags.len(), MAX_TAGS)?;
                for t in tags {
                    check_tag(&t.key, &t.value)?;
                }
                Ok(())
            }
            Self::RoleCreate {
                inline_policies,
                managed_policy_arns,
                tags,
                description,
                ..
            } => {
                if let Some(d) = description {
                    // IAM's own limit, and no control characters.
                    if d.chars().count() > 1000 || d.chars().any(char::is_control) {
                        return Err((
                            "description".into(),
                            "must be at most 1,000 characters, without control characters".into(),
                        ));
                    }
                }
                check_count("inline_policies", inline_policies.len(), MAX_TAGS)?;
                check_count("managed_policy_arns", managed_policy_arns.len(), 20)?;
                check_count("tags", tags.len(), MAX_TAGS)?;
                for p in inline_policies {
                    check_policy_name(&p.name)?;
                }
                for arn in managed_policy_arns {
                    Self::ManagedPolicyAttach {
                        policy_arn: arn.clone(),
                    }
                    .check_target(target)?;
                }
                for t in tags {
                    check_tag(&t.key, &t.value)?;
                }
                Ok(())
            }
            Self::TagsRemove { keys } if keys.is_empty() => {
                Err(("tags".into(), "give at least one tag key to remove".into()))
            }
            Self::TagsRemove { keys } => {
                check_count("tags", keys.len(), MAX_TAGS)?;
                keys.iter().try_for_each(|k| check_tag(k, ""))
            }
            _ => Ok(()),
        }
    }
}

/// IAM allows 50 tags on a role or user.
const MAX_TAGS: usize = 50;

fn check_count(field: &str, n: usize, max: usize) -> Result<(), (String, String)> {
    if n > max {
        return Err((field.into(), format!("at most {max} in one change")));
    }
    Ok(())
}

/// 1..=`max` characters of letters, digits and `+=,.@_-` (IAM's rule for
/// role and inline policy names).
fn is_iam_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// IAM role names: 1–64 of letters, digits and `+=,.@_-`.
pub fn check_role_name(name: &str) -> Result<(), (String, String)> {
    if !is_iam_name(name, 64) {
        return Err((
            "target_arn".into(),
            format!("role name `{name}` must be 1-64 characters of letters, digits and +=,.@_-"),
        ));
    }
    Ok(())
}

/// IAM inline policy names: 1–128 of letters, digits and `+=,.@_-`.
pub fn check_policy_name(name: &str) -> Result<(), (String, String)> {
    if !is_iam_name(name, 128) {
        return Err((
            "policy_name".into(),
            "must be 1-128 characters of letters, digits and +=,.@_-".into(),
        ));
    }
    Ok(())
}

fn check_tag(key: &str, value: &str) -> Result<(), (String, String)> {
    let allowed = |c: char| c.is_alphanumeric() || " _.:/=+-@".contains(c);
    if key.is_empty() || key.chars().count() > 128 || !key.chars().all(allowed) {
        return Err((
            "tags".into(),
            format!("tag key `{key}` must be 1-128 letters, digits, spaces or _.:/=+-@"),
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err((
            "tags".into(),
            format!("tag key `{key}` uses the reserved aws: prefix"),
        ));
    }
    if value.chars().count() > 256 || !value.chars().all(allowed) {
        return Err((
            "tags".into(),
            format!("tag value of `{key}` must be at most 256 letters, digits, spaces or _.:/=+-@"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
