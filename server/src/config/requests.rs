//! `[requests]`: how permission requests are reviewed.
use serde::Deserialize;

/// How permission requests are reviewed.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestsConfig {
    /// Changes the policy checks flag as high risk (wildcards, privilege
    /// escalation, public principals) need two distinct approvers.
    #[serde(default)]
    pub two_approvers_for_high_risk: bool,
    /// Wizard requests these rules approve without a person.
    #[serde(default)]
    pub auto_approve: Vec<AutoApproveRule>,
    /// Lets account approvers (not only admins) edit directly in the
    /// accounts they approve. A direct edit is a self-approval either way,
    /// so it also needs `auth.allow_admin_self_approval`.
    #[serde(default)]
    pub approvers_may_edit_directly: bool,
}

/// Approves wizard requests whose every action only reads (action groups
/// marked read-only, custom actions of access level List or Read) on
/// resources and principals that all live in the rule's accounts.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoApproveRule {
    /// Shown on every change it approves.
    pub name: String,
    /// Account ids or names (globs allowed), e.g. ["sandbox", "dev-*"].
    pub accounts: Vec<String>,
}
