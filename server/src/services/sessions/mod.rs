//! Sessions: dev-mode sign-in, sign-out, and resolving a cookie to a user.
use super::Services;
use crate::db::{self, audit::AuditEvent};
use app::domain::User;
use app::views::DevUserView;
use app::AppError;
use async_trait::async_trait;

pub mod cookies;

pub use cookies::{cookie_value, token_from_cookie_header, COOKIE_NAME, SECURE_COOKIE_NAME};

pub struct SessionService(pub Services);

pub use crate::auth::digest::hash_token;

fn new_token() -> Result<String, AppError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| super::errors::internal("random", e))?;
    Ok(hex::encode(buf))
}

/// Sign-in, sign-out and cookie resolution, with what they need and no
/// more: the pool, the auth config, the session and token caches, the
/// proxy sign-ins seen, and [`super::identity::Users`] to build the user.
pub struct Sessions<'a> {
    pool: &'a sqlx::PgPool,
    config: &'a crate::config::Config,
    session_cache: &'a super::notified_cache::SessionCache,
    token_cache: &'a super::tokens::grant::TokenCache,
    proxy_sign_ins: &'a std::sync::Mutex<std::collections::HashMap<String, super::ProxySignIn>>,
    users: super::identity::Users<'a>,
}

impl Services {
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions {
            pool: &self.pool,
            config: &self.config,
            session_cache: &self.session_cache,
            token_cache: &self.token_cache,
            proxy_sign_ins: &self.proxy_sign_ins,
            users: self.users(),
        }
    }
}

impl Sessions<'_> {
    /// Ends every session and revokes every API token of `user_id`, audited
    /// as `action` by `actor`; how many sessions and tokens ended.
    pub(crate) async fn end_all_access(
        &self,
        actor: &str,
        user_id: &str,
        action: &str,
        client: &app::ports::ClientMeta,
    ) -> Result<(u64, u64), AppError> {
        let mut tx = crate::db::begin(self.pool).await?;
        let ended = db::sessions::delete_all_for(&mut tx, user_id).await?;
        let revoked = db::tokens::revoke_all_for(&mut tx, user_id).await?;
        db::audit::record(
            &mut tx,
            AuditEvent::by(actor, action, user_id, client).detail(serde_json::json!({
                "sessions_ended": ended.len(), "tokens_revoked": revoked.len(),
            })),
        )
        .await?;
        crate::db::commit(tx).await?;
        // Other replicas hear it from Postgres; this one need not wait.
        for hash in &revoked {
            self.token_cache.forget(hash);
        }
        for hash in &ended {
            self.session_cache.forget(hash);
        }
        Ok((ended.len() as u64, revoked.len() as u64))
    }

    /// A proxy's headers sign the user in on every request; the audit trail
    /// records it once per user per `auth.session_hours` in this process, and
    /// again whenever the proxy reports other groups, which then replace
    /// the groups of the user's API tokens (as an OIDC sign-in does).
    pub async fn audit_proxy_sign_in(&self, user: &User, client: &app::ports::ClientMeta) {
        let window = std::time::Duration::from_secs(
            u64::try_from(self.config.auth.session_hours).unwrap_or(12) * 3600,
        );
        let (fresh, regrouped) = {
            let Ok(mut seen) = self.proxy_sign_ins.lock() else {
                return;
            };
            let now = std::time::Instant::now();
            if seen.len() > 10_000 {
                seen.retain(|_, s| now.duration_since(s.at) < window);
            }
            let (fresh, regrouped) = match seen.get(&user.id) {
                Some(s) if s.groups != user.groups => (true, true),
                Some(s) if now.duration_since(s.at) < window => (false, false),
                Some(_) => (true, false),
                // First time this process sees them: their tokens may hold
                // groups from before, so they are brought up to date too.
                None => (true, true),
            };
            if fresh {
                seen.insert(
                    user.id.clone(),
                    super::ProxySignIn {
                        at: now,
                        groups: user.groups.clone(),
                    },
                );
            }
            (fresh, regrouped)
        };
        if !fresh {
            return;
        }
        let recorded = async {
            let mut tx = self.pool.begin().await?;
            let changed = match regrouped {
                true => db::tokens::set_groups_for(&mut tx, &user.id, &user.groups).await?,
                false => Vec::new(),
            };
            db::audit::record(
                &mut tx,
                AuditEvent::by(&user.id, "signin", &user.id, client).detail(
                    serde_json::json!({ "method": "trusted_headers", "groups": user.groups }),
                ),
            )
            .await?;
            tx.commit().await?;
            for hash in &changed {
                self.token_cache.forget(hash);
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "could not record a proxy sign-in");
            // Try again on the next request rather than wait out the window.
            if let Ok(mut seen) = self.proxy_sign_ins.lock() {
                seen.remove(&user.id);
            }
        }
    }

    /// The session token in a `Cookie` header, under this server's name only.
    fn session_token<'a>(&self, header: &'a str) -> Option<&'a str> {
        cookie_value(header, self.session_cookie())
    }

    /// The session cookie's name: `__Host-` prefixed wherever it is Secure.
    fn session_cookie(&self) -> &'static str {
        if self.config.auth.dev_mode {
            COOKIE_NAME
        } else {
            SECURE_COOKIE_NAME
        }
    }

    fn cookie_attrs(&self) -> &'static str {
        // Secure everywhere but dev mode, which runs on plain http://127.0.0.1.
        if self.config.auth.dev_mode {
            "Path=/; HttpOnly; SameSite=Lax"
        } else {
            "Path=/; HttpOnly; Secure; SameSite=Lax"
        }
    }

    /// Starts a session for `user`, audited as a sign-in by `method` from
    /// `client`; returns the cookie value to set.
    pub async fn start_session(
        &self,
        user_id: &str,
        display_name: &str,
        groups: &[String],
        method: &str,
        client: &app::ports::ClientMeta,
    ) -> Result<String, AppError> {
        if app::domain::application::is_app_id(user_id) {
            // Ids `app/<name>` are applications': a person signing in as one
            // would act as it (and re-group its tokens).
            return Err(AppError::Forbidden(format!(
                "{user_id:?} is reserved for applications; no one may sign in with it"
            )));
        }
        let token = new_token()?;
        let hours = self.config.auth.session_hours;
        let expires = chrono::Utc::now() + chrono::Duration::hours(hours);
        let mut tx = crate::db::begin(self.pool).await?;
        db::sessions::create(
            &mut tx,
            &hash_token(&token),
            user_id,
            display_name,
            groups,
            expires,
        )
        .await?;
        // The identity provider's word on groups is the newest there is: the
        // user's API tokens get it too, so a lost group is lost everywhere.
        let regrouped = db::tokens::set_groups_for(&mut tx, user_id, groups).await?;
        db::audit::record(
            &mut tx,
            AuditEvent::by(user_id, "signin", user_id, client)
                .detail(serde_json::json!({ "method": method, "groups": groups })),
        )
        .await?;
        crate::db::commit(tx).await?;
        // Other replicas hear it from Postgres; this one need not wait.
        for hash in &regrouped {
            self.token_cache.forget(hash);
        }
        Ok(format!(
            "{}={token}; {}; Max-Age={}",
            self.session_cookie(),
            self.cookie_attrs(),
            hours * 3600
        ))
    }

    /// Ends the session a `Cookie` header carries, if any (rotation at sign-in).
    pub async fn end_session(&self, cookie_header: Option<&str>) -> Result<(), AppError> {
        if let Some(old) = cookie_header.and_then(|h| self.session_token(h)) {
            let mut conn = crate::db::conn(self.pool).await?;
            // Rotation at sign-in: the sign-in itself is what is audited.
            let hash = hash_token(old);
            db::sessions::delete(&mut conn, &hash).await?;
            self.session_cache.forget(&hash);
        }
        Ok(())
    }

    /// A cookie with this server's attributes (Secure unless dev mode).
    pub fn cookie(&self, name: &str, value: &str, max_age_secs: i64) -> String {
        format!(
            "{name}={value}; {}; Max-Age={max_age_secs}",
            self.cookie_attrs()
        )
    }

    /// The user a `Cookie` header's session belongs to, if it is live.
    pub async fn resolve_session(
        &self,
        cookie_header: Option<&str>,
    ) -> crate::Result<Option<User>> {
        let Some(token) = cookie_header.and_then(|h| self.session_token(h)) else {
            return Ok(None);
        };
        let hash = hash_token(token);
        let row = match self.session_cache.get(&hash) {
            // Cached for a minute at most, but never past the session's end.
            Some(s) if s.expires_at > chrono::Utc::now() => Some(s),
            Some(_) => {
                self.session_cache.forget(&hash);
                None
            }
            None => {
                let epoch = self.session_cache.epoch();
                let mut conn = self.pool.acquire().await?;
                let row = db::sessions::find(&mut conn, &hash).await?;
                drop(conn);
                if let Some(r) = &row {
                    self.session_cache.put(&hash, r, epoch);
                }
                row
            }
        };
        match row {
            Some(s) => Ok(Some(
                self.users
                    .user_for(s.user_id, s.display_name, s.groups)
                    .await?,
            )),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl app::ports::SessionPort for SessionService {
    fn dev_mode(&self) -> bool {
        self.0.config.auth.dev_mode
    }

    fn dev_users(&self) -> Vec<DevUserView> {
        if !self.dev_mode() {
            return Vec::new();
        }
        self.0
            .config
            .auth
            .dev_users
            .iter()
            .map(|u| DevUserView {
                id: u.id.clone(),
                display_name: u.display_name.clone(),
                groups: u.groups.clone(),
            })
            .collect()
    }

    fn oidc_provider(&self) -> Option<String> {
        self.0.oidc.as_ref().map(|o| o.provider_name().to_owned())
    }

    async fn dev_sign_in(
        &self,
        user_id: &str,
        cookie_header: Option<&str>,
        client: &app::ports::ClientMeta,
    ) -> Result<String, AppError> {
        if !self.dev_mode() {
            return Err(AppError::Forbidden("dev sign-in is not enabled".into()));
        }
        let u = self
            .0
            .config
            .auth
            .dev_users
            .iter()
            .find(|u| u.id == user_id)
            .ok_or_else(|| {
                AppError::invalid(
                    "user_id",
                    format!("{user_id:?} is not a configured dev user"),
                )
            })?;
        // Rotate: a session the browser already had ends here.
        self.0.sessions().end_session(cookie_header).await?;
        self.0
            .sessions()
            .start_session(&u.id, &u.display_name, &u.groups, "dev", client)
            .await
    }

    async fn sign_out_everywhere(
        &self,
        user: &User,
        client: &app::ports::ClientMeta,
    ) -> Result<String, AppError> {
        self.0
            .sessions()
            .end_all_access(&user.id, &user.id, "signout.everywhere", client)
            .await?;
        Ok(format!(
            "{}=; {}; Max-Age=0",
            self.0.sessions().session_cookie(),
            self.0.sessions().cookie_attrs()
        ))
    }

    async fn describe_me(&self, user: &User) -> Result<app::views::MeView, AppError> {
        self.0.users().describe_user(user).await
    }

    async fn sign_out(
        &self,
        cookie_header: Option<&str>,
        client: &app::ports::ClientMeta,
    ) -> Result<String, AppError> {
        if let Some(token) = cookie_header.and_then(|h| self.0.sessions().session_token(h)) {
            let mut tx = crate::db::begin(&self.0.pool).await?;
            let hash = hash_token(token);
            let ended = db::sessions::delete(&mut tx, &hash).await?;
            if let Some(user_id) = ended {
                db::audit::record(
                    &mut tx,
                    AuditEvent::by(&user_id, "signout", &user_id, client),
                )
                .await?;
            }
            crate::db::commit(tx).await?;
            self.0.session_cache.forget(&hash);
        }
        Ok(format!(
            "{}=; {}; Max-Age=0",
            self.0.sessions().session_cookie(),
            self.0.sessions().cookie_attrs()
        ))
    }
}
