//! How secrets handed to browsers and clients (session cookies, API tokens,
//! OIDC state, CLI sign-in codes) are stored: only their SHA-256, so a copy
//! of the database signs nobody in.
use sha2::{Digest, Sha256};

/// The hex SHA-256 of `token`, as stored and looked up.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
