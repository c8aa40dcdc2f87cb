//! View DTOs: what server functions return to pages. Plain data, serializable.

use serde::{Deserialize, Serialize};

mod admin;
pub use admin::*;

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

/// How one can sign in here: an OIDC provider, dev users (dev mode only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginOptionsView {
    /// "Sign in with {oidc_provider}" when OIDC is configured.
    pub oidc_provider: Option<String>,
    pub dev_users: Vec<DevUserView>,
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
    /// Its page here, when the policy is cached (the account's own policies).
    pub href: Option<String>,
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
    pub boundary_arn: Option<String>,
    /// The boundary policy's page here, when it is cached.
    pub boundary_href: Option<String>,
    /// "2026-11-20 14:03 UTC in eu-west-1", or None when never used.
    pub last_used: Option<String>,
    pub console_url: String,
    pub eligible: bool,
    /// Who may use the role and why: filled for administrators only.
    pub grants: Vec<GrantView>,
    /// Its recent denied calls (CloudTrail): for administrators and those
    /// who may use the role; `None` when not shown (not theirs to see, or
    /// CloudTrail ingest is off).
    #[serde(default)]
    pub denials: Option<Vec<DeniedCallView>>,
    /// Who created it, from CloudTrail: "erin@example.com (as
    /// arn:aws:iam::...:role/Deploy) on 2026-12-05 10:11 UTC".
    #[serde(default)]
    pub created_by: Option<String>,
}

/// One kind of call a principal was denied (CloudTrail), counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeniedCallView {
    pub action: String,
    /// The resource named in the event; `*` when it named none.
    pub resource: String,
    pub error_code: String,
    pub count: i64,
    pub first_seen: String,
    pub last_seen: String,
    /// Who: session or user names, most recent first.
    pub sessions: Vec<String>,
    /// The wizard asking for exactly this call, justification filled in;
    /// `None` when no least-privilege ask fits (an unknown action, or one
    /// that needs a resource when the call named none).
    #[serde(default)]
    pub request_href: Option<String>,
    /// Allowed since a change was applied: "2026-12-05 14:03 UTC" and the
    /// request that did it.
    #[serde(default)]
    pub resolved: Option<(String, String)>,
    /// Judged after a change and still refused: why ("not allowed by the
    /// permissions boundary").
    #[serde(default)]
    pub still_denied: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantView {
    pub principal: String,
    pub cli_only: bool,
    pub reason: String,
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
    /// Machine kind (`inline_policy_put`) and what it does in words.
    pub kind: String,
    pub summary: String,
    pub target_arn: String,
    /// The document this change writes (pretty JSON), if it writes one.
    pub document: Option<String>,
    /// What the target holds now in the cache (pretty JSON), for the diff.
    pub current_document: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub applied_at: Option<String>,
    pub expires_at: Option<String>,
    pub expired_at: Option<String>,
    /// Made by Latchkey (e.g. the cross-account side of a grant).
    pub generated: bool,
    pub approvals: Vec<String>,
    pub auto_rule: Option<String>,
    /// High-risk changes may need a second approver.
    pub approvals_needed: usize,
    /// Whether the viewer may apply/cancel this change now (the server checks again).
    pub can_apply: bool,
    /// The checks' findings on this change (privilege escalation, wildcards,
    /// public or outside principals, eligibility tags...), for the reviewer.
    #[serde(default)]
    pub findings: Vec<crate::domain::policy::Finding>,
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
    pub origin: String,
    pub created: String,
    pub changes: Vec<ChangeView>,
    pub events: Vec<EventView>,
    /// Whether the viewer may approve or reject (the server checks again).
    pub can_decide: bool,
    /// Whether the viewer may withdraw the request (requester, nothing applied).
    pub can_cancel: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub account_id: String,
    pub name: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRowView {
    pub arn: String,
    /// Machine name (`s3_bucket`); its label and link are derived where
    /// shown ([`ResourceRowView::label`], [`ResourceRowView::href`]), not
    /// sent in every row of every page.
    pub kind: String,
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    /// Empty for IAM (global).
    #[serde(default)]
    pub region: String,
    pub tags: Vec<(String, String)>,
    /// Denied calls recorded lately for this principal (CloudTrail).
    #[serde(default)]
    pub denials: i64,
}

impl ResourceRowView {
    /// `S3 bucket` for `s3_bucket`; an unknown kind as it is.
    pub fn label(&self) -> &str {
        crate::domain::inventory::kind_label(&self.kind)
    }
    /// Where the row links to in Latchkey.
    pub fn href(&self) -> String {
        crate::domain::inventory::href(&self.kind, &self.account_id, &self.name, &self.arn)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePageView {
    pub rows: Vec<ResourceRowView>,
    /// Query string of the next page, when there is one.
    pub next: Option<String>,
    /// Query string of the first page when this is a later one.
    pub first: Option<String>,
    /// Query string of the CSV export of the whole filtered set.
    pub csv: String,
    /// CloudTrail ingest is on: the page offers the denials column and filter.
    #[serde(default)]
    pub denials_shown: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceDetailView {
    pub arn: String,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub tags: Vec<(String, String)>,
    /// Pretty-printed resource policy / document, if any.
    pub policy: Option<String>,
    pub facts: ResourceFacts,
    pub console_url: String,
    pub synced_at: String,
    /// Who created it, from CloudTrail (see [`RoleDetailView::created_by`]).
    #[serde(default)]
    pub created_by: Option<String>,
}

/// What a detail page shows besides policy and tags, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ResourceFacts {
    User(UserFactsView),
    Group(GroupFactsView),
    ManagedPolicy(ManagedPolicyFactsView),
    /// Buckets, queues, topics: their kind-specific facts, pretty-printed
    /// JSON ("{}" when none).
    Other(String),
}

/// A group: what it grants and who is in it, on its own page and, for each
/// group a user is in, on the user's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFactsView {
    pub name: String,
    pub href: String,
    pub path: String,
    pub created: Option<String>,
    pub members: Vec<String>,
    pub inline_policies: Vec<NamedPolicyView>,
    pub managed_policies: Vec<ManagedPolicyView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserFactsView {
    pub path: String,
    pub created: Option<String>,
    pub inline_policies: Vec<NamedPolicyView>,
    pub managed_policies: Vec<ManagedPolicyView>,
    pub boundary_arn: Option<String>,
    pub boundary_href: Option<String>,
    pub groups: Vec<String>,
    /// The policies of each of `groups` that is cached.
    pub group_policies: Vec<GroupFactsView>,
    /// The latest sign-in or key use: "2026-11-20 14:03 UTC (access key 1)".
    pub last_used: Option<String>,
    /// Per credential: ("Console password", "2026-11-20 14:03 UTC"),
    /// ("Access key 1 (active)", "never"). Empty when the sync had no IAM
    /// credential report.
    pub credentials: Vec<(String, String)>,
    /// Recent denied calls (CloudTrail), for administrators; `None` when
    /// not shown.
    #[serde(default)]
    pub denials: Option<Vec<DeniedCallView>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicyFactsView {
    pub path: String,
    pub created: Option<String>,
    pub default_version_id: Option<String>,
    /// As IAM counts them: roles, users and groups.
    pub attachment_count: Option<i64>,
    /// The cached roles and users that attach it.
    pub attached_to: Vec<AttachmentView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub kind_label: String,
    pub name: String,
    pub arn: String,
    pub href: String,
}

/// The roles home page: recently used roles first, then all by account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolesHomeView {
    pub recent: Vec<RoleSummaryView>,
    /// The first `shown` roles that match the filter, by account.
    pub accounts: Vec<AccountRolesView>,
    /// How many roles the user may use, and how many of them match.
    pub total: usize,
    pub matched: usize,
    pub shown: usize,
}

/// Temporary credentials for the signed-in user, shown once in the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialsView {
    pub role_arn: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: String,
}

/// What the request wizard shows for the chosen principal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WizardContextView {
    /// (ARN, label) of every principal the user may ask for.
    pub principals: Vec<(String, String)>,
    /// The principal's current `latchkey-access` policy (JSON), if any.
    pub current_policy: Option<String>,
    /// Why the chosen principal cannot be used, if it cannot.
    pub error: Option<String>,
}

/// The `/me` page: who the user is and what each of their groups grants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeView {
    pub user: UserView,
    /// Approver in every account (admin, or an approver entry `*`).
    pub approves_everywhere: bool,
    /// Accounts the user approves in, when not everywhere.
    pub approver_accounts: Vec<AccountView>,
    /// One entry per group the user is in, in the order the provider sent them.
    pub groups: Vec<GroupGrantsView>,
    /// What config rules and role tags naming the user's own id grant.
    pub personal: Vec<GrantLineView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupGrantsView {
    pub group: String,
    /// Empty when the group grants nothing in Latchkey.
    pub grants: Vec<GrantLineView>,
}

/// One thing a group grants: `kind` is admin, approver, roles or role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantLineView {
    pub kind: String,
    pub what: String,
    /// Where it comes from: a config key or a role tag.
    pub source: String,
}
