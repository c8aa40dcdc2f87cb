//! What the administrator's pages show: sync status per account and task,
//! API tokens, offboarding, and the audit trail.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatusView {
    pub task: String,
    /// RFC 3339 time of the last successful run.
    pub last_success: Option<String>,
    pub last_outcome: Option<String>,
    pub last_error: Option<String>,
    pub last_items: Option<i32>,
    pub last_duration_ms: Option<i64>,
    /// Items the last run listed but could not read (kept as cached), and
    /// the first few as "ARN: why".
    pub item_errors: i32,
    pub item_error_sample: Vec<String>,
    pub running: bool,
    /// While it runs: items read so far, and items listed so far (none
    /// when the pass lists and reads together, as IAM's does).
    pub progress_read: Option<i32>,
    pub progress_listed: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSyncView {
    pub account_id: String,
    pub name: String,
    pub source: String,
    pub enabled: bool,
    pub tasks: Vec<TaskStatusView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
    pub expires: String,
    pub expired: bool,
    /// "Credentials only" or "Full API".
    pub scope: String,
}

/// What offboarding a person ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevokedAccessView {
    pub user_id: String,
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// A token just created: the secret is shown once and never stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiTokenView {
    pub id: String,
    pub name: String,
    pub token: String,
    pub expires: String,
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: String,
}

/// Admin › Protection: the credential-protection policy of every account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtectionPageView {
    /// `[credential_protection] enabled`.
    pub enabled: bool,
    pub policy_name: String,
    pub tag_key: String,
    pub extra_cidrs: Vec<String>,
    pub accounts: Vec<ProtectionAccountView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtectionAccountView {
    pub account_id: String,
    pub name: String,
    pub policy_arn: String,
    /// `not-planned`, `awaiting-approval`, `up-to-date`, `update-pending`,
    /// `cannot-write` or `write-failed`.
    pub state: String,
    pub nat_ips: Vec<String>,
    pub elastic_ips: Vec<String>,
    pub vpcs: Vec<String>,
    /// The generated policy, pretty-printed.
    pub planned: Option<String>,
    /// What IAM holds now (default version), pretty-printed.
    pub live: Option<String>,
    pub live_version: Option<String>,
    /// Identifies the shown plan; approval names it, so a plan that changed
    /// since it was shown is not approved unseen.
    pub plan_hash: Option<String>,
    pub plan_error: Option<String>,
    pub planned_at: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub written_at: Option<String>,
    pub write_error: Option<String>,
    /// Roles the policy is attached to, after the last run.
    pub attached: Vec<String>,
    /// "role: why" for roles it could not be attached to or detached from.
    pub attach_errors: Vec<String>,
}

/// An application (a non-human principal) as Admin › Applications shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub name: String,
    /// The principal it acts as (`app/<name>`): what eligibility rules and
    /// role tags name, and what the audit trail shows.
    pub principal: String,
    pub description: String,
    pub owner: String,
    pub mtls_subject: Option<String>,
    pub created: String,
    pub created_by: String,
    pub disabled: bool,
    pub tokens: Vec<ApiTokenView>,
    /// The roles it may use now, as ARNs, with "(CLI only)" where so.
    pub roles: Vec<String>,
}

/// Admin › Access: the rules in force, their version and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessPageView {
    /// The version in force (edits name it, so a stale page is refused).
    pub version: i64,
    pub changed_by: String,
    pub changed_at: String,
    pub source: String,
    pub note: String,
    pub rules: crate::domain::access_rules::AccessRules,
    /// The config file's `auth.admin_groups` (not editable here).
    pub admin_groups: Vec<String>,
    /// The config file's rules changed since they were last applied, but
    /// the rules were edited here since, so the file's are not in force.
    pub config_differs: bool,
    /// The newest versions, newest first.
    pub history: Vec<AccessVersionView>,
}

/// One saved version, with the rules before and after (pretty JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessVersionView {
    pub version: i64,
    pub at: String,
    pub by: String,
    pub source: String,
    pub note: String,
    pub before: String,
    pub after: String,
}
