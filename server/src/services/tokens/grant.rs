//! What the API-token cache holds: a live token's user, reach and expiry.
//! A leaf, so `Services` can hold the cache without the token service.
use app::domain::token::TokenScope;
use app::domain::User;

/// API token hash → its user (groups, approver accounts), for a minute.
pub type TokenCache = crate::services::notified_cache::NotifiedCache<TokenGrant>;

/// A live token as the server resolves it: who, how far it reaches, until when.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub user: User,
    pub scope: TokenScope,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}
