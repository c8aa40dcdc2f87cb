//! What the API needs from the backend. `server` implements these traits;
//! `app` never sees sqlx or the AWS SDK.

use crate::domain::{AccountId, Admin, RequestId, RoleArn, RoleName, User};
use crate::error::AppError;
use crate::views::*;
use async_trait::async_trait;
use std::sync::Arc;

/// The signed-in user (if any), put into request extensions by the server's
/// session middleware before any page or server function runs.
#[derive(Debug, Clone, Default)]
pub struct CurrentUser(pub Option<User>);

/// Where the request came from, for the audit trail (set by the server).
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[async_trait]
pub trait RolePort: Send + Sync {
    /// Cached roles the user may use, grouped by account, recent ones first.
    /// The user's eligible roles matching `filter` (account, name or ARN
    /// contains it, any case), at most `limit` of them, and recent ones.
    async fn list_eligible_roles(
        &self,
        user: &User,
        filter: &str,
        limit: usize,
    ) -> Result<RolesHomeView, AppError>;
    /// STS credentials for an eligible role (audited).
    async fn issue_credentials(
        &self,
        user: &User,
        role: &RoleArn,
        client: &ClientMeta,
    ) -> Result<CredentialsView, AppError>;
    async fn get_role(
        &self,
        user: &User,
        account: &AccountId,
        name: &RoleName,
    ) -> Result<RoleDetailView, AppError>;
}

/// One change a request asks for, as typed or generated; the server checks it again.
#[derive(Debug, Clone)]
pub struct NewChange {
    pub target_arn: String,
    pub spec: crate::domain::change::ChangeSpec,
    /// RFC 3339 time after which the access ends (temporary access).
    pub expires_at: Option<String>,
}

/// A new request: changes to one principal (plus what they imply elsewhere).
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub principal_arn: String,
    pub justification: String,
    /// An approver's direct edit: applied at once, recorded as self-approved.
    pub direct: bool,
    pub changes: Vec<NewChange>,
}

/// The wizard's submission.
#[derive(Debug, Clone)]
pub struct NewIntentRequest {
    pub principal_arn: String,
    pub intents: Vec<crate::domain::policy::Intent>,
    pub justification: String,
    pub expires_at: Option<String>,
}

/// A request to create `new_arn` as a copy of the cached role `source_arn`.
#[derive(Debug, Clone)]
pub struct CloneRoleRequest {
    pub source_arn: String,
    pub new_arn: String,
    pub justification: String,
    /// An approver's direct edit: created at once, recorded as self-approved.
    pub direct: bool,
}

/// Filters of the requests list, as given in its URL; empty means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    pub status: Option<String>,
    pub requester: Option<String>,
    pub account: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
}

/// What a reviewer or the requester does on the review page.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewAction {
    /// Approve and apply one change, optionally with an edited document.
    Apply {
        change_id: String,
        edited_document: Option<String>,
    },
    CancelChange {
        change_id: String,
    },
    Reject {
        reason: String,
    },
    /// The requester withdraws the request while nothing is applied.
    Cancel,
    Comment {
        text: String,
    },
}

#[async_trait]
pub trait RequestPort: Send + Sync {
    async fn create_request(
        &self,
        user: &User,
        new: NewRequest,
        client: &ClientMeta,
    ) -> Result<RequestId, AppError>;
    /// Approvers see the requests of their accounts, others their own.
    async fn list_requests(
        &self,
        user: &User,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummaryView>, AppError>;
    async fn get_request(&self, user: &User, id: &RequestId)
        -> Result<RequestDetailView, AppError>;
    /// The wizard: intents become the principal's policy change plus the
    /// cross-account changes it needs.
    async fn create_from_intents(
        &self,
        user: &User,
        new: NewIntentRequest,
        client: &ClientMeta,
    ) -> Result<RequestId, AppError>;
    async fn clone_role(
        &self,
        user: &User,
        new: CloneRoleRequest,
        client: &ClientMeta,
    ) -> Result<RequestId, AppError>;
    async fn wizard_context(
        &self,
        user: &User,
        principal: &str,
    ) -> Result<WizardContextView, AppError>;
    /// One review step; the server checks who may do it.
    async fn review(
        &self,
        user: &User,
        id: &RequestId,
        action: ReviewAction,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
}

#[async_trait]
pub trait SessionPort: Send + Sync {
    fn dev_mode(&self) -> bool;
    fn dev_users(&self) -> Vec<DevUserView>;
    /// The OIDC provider's display name, when OIDC sign-in is configured.
    fn oidc_provider(&self) -> Option<String>;
    /// Starts a session for a configured dev user, ending the session the
    /// request already carried (rotation); returns the Set-Cookie value.
    async fn dev_sign_in(
        &self,
        user_id: &str,
        cookie_header: Option<&str>,
        client: &ClientMeta,
    ) -> Result<String, AppError>;
    /// Ends the session the cookie names; returns the Set-Cookie value that clears it.
    async fn sign_out(
        &self,
        cookie_header: Option<&str>,
        client: &ClientMeta,
    ) -> Result<String, AppError>;
    /// Ends every session of the user (all browsers); returns the clearing Set-Cookie.
    async fn sign_out_everywhere(
        &self,
        user: &User,
        client: &ClientMeta,
    ) -> Result<String, AppError>;
    /// The user, their groups and what each grants (the `/me` page).
    async fn describe_me(&self, user: &User) -> Result<MeView, AppError>;
}

/// All ports, provided to pages and server functions through context.
#[derive(Clone)]
pub struct Ports {
    pub roles: Arc<dyn RolePort>,
    pub requests: Arc<dyn RequestPort>,
    pub sessions: Arc<dyn SessionPort>,
    pub inventory: Arc<dyn InventoryPort>,
    pub sync: Arc<dyn SyncPort>,
    pub tokens: Arc<dyn TokenPort>,
    pub audit: Arc<dyn AuditPort>,
    pub protection: Arc<dyn ProtectionPort>,
    pub applications: Arc<dyn ApplicationPort>,
    pub access: Arc<dyn AccessPort>,
}

/// The access rules (admins only): eligibility, approvers, role tag keys.
#[async_trait]
pub trait AccessPort: Send + Sync {
    async fn access_rules(&self, admin: &Admin) -> Result<AccessPageView, AppError>;
    /// Saves `edit` applied to version `base_version` as the next version;
    /// refused (409) when another version was saved since. The new version.
    async fn change_access_rules(
        &self,
        admin: &Admin,
        base_version: i64,
        edit: &crate::domain::access_rules::AccessEdit,
        note: &str,
        client: &ClientMeta,
    ) -> Result<i64, AppError>;
}

/// What a new application is (checked again by the server).
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub name: crate::domain::application::AppName,
    pub description: String,
    pub owner: String,
    pub mtls_subject: Option<String>,
}

/// Applications: non-human principals and their tokens (admins only).
#[async_trait]
pub trait ApplicationPort: Send + Sync {
    async fn list_applications(&self, admin: &Admin) -> Result<Vec<ApplicationView>, AppError>;
    async fn create_application(
        &self,
        admin: &Admin,
        new: &NewApplication,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
    /// Disables it and revokes every token it has.
    async fn disable_application(
        &self,
        admin: &Admin,
        name: &crate::domain::application::AppName,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
    /// A credentials-only token for the application, shown once.
    async fn create_application_token(
        &self,
        admin: &Admin,
        name: &crate::domain::application::AppName,
        token_name: &str,
        days: Option<u32>,
        client: &ClientMeta,
    ) -> Result<NewApiTokenView, AppError>;
    async fn revoke_application_token(
        &self,
        admin: &Admin,
        name: &crate::domain::application::AppName,
        id: &crate::domain::ids::TokenId,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
}

/// Credential protection (admins only).
#[async_trait]
pub trait ProtectionPort: Send + Sync {
    /// Every account's plan, live policy and attachments.
    async fn protection(&self, admin: &Admin) -> Result<ProtectionPageView, AppError>;
    /// Plans every account now (and writes where approved), as the schedule does.
    async fn run_protection(&self, admin: &Admin, client: &ClientMeta) -> Result<(), AppError>;
    /// Approves the first write of `account`'s policy as shown (`plan_hash`)
    /// and writes it now.
    async fn approve_protection(
        &self,
        admin: &Admin,
        account: &AccountId,
        plan_hash: &str,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
}

#[async_trait]
pub trait InventoryPort: Send + Sync {
    async fn list_accounts(&self, user: &User) -> Result<Vec<AccountView>, AppError>;
    /// The regions cached resources are in (for the region filter).
    async fn list_regions(&self, user: &User) -> Result<Vec<String>, AppError>;
    async fn search_resources(
        &self,
        user: &User,
        query: &crate::domain::inventory::ResourceQuery,
    ) -> Result<ResourcePageView, AppError>;
    async fn get_resource(&self, user: &User, arn: &str) -> Result<ResourceDetailView, AppError>;
    /// Re-reads one item from AWS and updates the cache.
    async fn refresh_resource(
        &self,
        user: &User,
        arn: &str,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
}

#[async_trait]
pub trait SyncPort: Send + Sync {
    /// Every account with the state of each sync task.
    async fn sync_status(&self, admin: &Admin) -> Result<Vec<AccountSyncView>, AppError>;
    /// Enables or disables syncing (and role use) of one account.
    async fn set_account_enabled(
        &self,
        admin: &Admin,
        account: &AccountId,
        enabled: bool,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
    /// Starts runs in the background; `None` means every task / every account.
    async fn run_sync(
        &self,
        admin: &Admin,
        task: Option<String>,
        account: Option<AccountId>,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
}

#[async_trait]
pub trait TokenPort: Send + Sync {
    async fn list_tokens(&self, user: &User) -> Result<Vec<ApiTokenView>, AppError>;
    /// A token for `user` that lives `days` days and reaches `scope`.
    async fn create_token(
        &self,
        user: &User,
        name: &str,
        days: Option<u32>,
        scope: crate::domain::token::TokenScope,
        client: &ClientMeta,
    ) -> Result<NewApiTokenView, AppError>;
    async fn revoke_token(
        &self,
        user: &User,
        id: &crate::domain::ids::TokenId,
        client: &ClientMeta,
    ) -> Result<(), AppError>;
    /// Offboarding: ends every session and revokes every API token of
    /// `user_id` at once, on every replica. How many of each were ended.
    async fn revoke_user_access(
        &self,
        admin: &crate::domain::Admin,
        user_id: &str,
        client: &ClientMeta,
    ) -> Result<crate::views::RevokedAccessView, AppError>;
}

/// Filters for the audit log; all optional. `before` pages backwards by id.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Substring of the target (role ARN, account id...).
    pub target: Option<String>,
    pub account: Option<AccountId>,
    /// RFC 3339 or YYYY-MM-DD bounds.
    pub since: Option<String>,
    pub until: Option<String>,
    pub before: Option<i64>,
}

#[async_trait]
pub trait AuditPort: Send + Sync {
    async fn list_audit(
        &self,
        admin: &Admin,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEventView>, AppError>;
}
