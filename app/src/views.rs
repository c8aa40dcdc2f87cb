//! View DTOs: what server functions return to pages. Plain data, serializable.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub display_name: String,
    pub groups: Vec<String>,
    pub is_admin: bool,
}

/// Everything the page frame needs: who is signed in, and the mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub user: Option<UserView>,
    pub dev_mode: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevUserView {
    pub id: String,
    pub display_name: String,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSummaryView {
    pub arn: String,
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub cli_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRolesView {
    pub account_id: String,
    pub account_name: String,
    pub roles: Vec<RoleSummaryView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedPolicyView {
    pub name: String,
    /// Pretty-printed JSON.
    pub document: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicyView {
    pub name: String,
    pub arn: String,
    pub document: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleDetailView {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub account_id: String,
    pub account_name: String,
    pub description: Option<String>,
    pub created: Option<String>,
    pub trust_policy: String,
    pub inline_policies: Vec<NamedPolicyView>,
    pub managed_policies: Vec<ManagedPolicyView>,
    pub tags: Vec<(String, String)>,
    pub synced_at: String,
    pub eligible: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummaryView {
    pub id: String,
    pub requester: String,
    pub role_arn: String,
    pub role_name: String,
    pub account_id: String,
    pub status: String,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub id: String,
    pub kind: String,
    pub policy_name: String,
    pub document: String,
    pub status: String,
    pub error: Option<String>,
    pub applied_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestDetailView {
    pub id: String,
    pub requester: String,
    pub role_arn: String,
    pub role_name: String,
    pub account_id: String,
    pub justification: String,
    pub status: String,
    pub request_status: String,
    pub created: String,
    pub changes: Vec<ChangeView>,
    pub events: Vec<EventView>,
    /// Whether the viewer may approve or reject (the server checks again).
    pub can_decide: bool,
}
