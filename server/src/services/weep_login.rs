//! Stock Weep's sign-in (ConsoleMe's challenge): Weep asks for a challenge
//! for a user name, opens the challenge page in the browser and polls. The
//! signed-in user sees who asked (address, program, when) and approves;
//! the next poll collects a credentials-only API token, which Weep then
//! sends as the `latchkey_weep` cookie. The page's secret and the poll's
//! secret differ, so the one that travels through the browser never
//! collects anything; only hashes of both are stored; a challenge lives two
//! minutes (as long as Weep polls), is approved once and collected once;
//! the token appears on Settings, where it can be revoked.
use super::{sessions::hash_token, tokens::issue_token, Services};
use crate::auth::cli_login::new_secret;
use crate::db::{self, tokens::TokenOwner, weep_challenges::Secret};
use app::domain::User;
use app::ports::ClientMeta;
use app::AppError;

/// How long a challenge may be approved and collected: Weep polls for two minutes.
pub const CHALLENGE_TTL_SECS: i64 = 120;
/// Challenges waiting at once, at most.
const MAX_LIVE: i64 = 10_000;
/// Live challenges one client address may hold (an office behind one NAT
/// address included).
pub const MAX_LIVE_PER_ADDRESS: i64 = 100;
/// The cookie Weep sends its token in.
pub const COOKIE: &str = "latchkey_weep";

/// The two secrets of a new challenge.
pub struct NewChallenge {
    /// In `challenge_url`: the page the browser opens.
    pub id: String,
    /// In `polling_url`: only Weep knows it.
    pub poll: String,
}

/// What a poll answers.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll {
    Pending,
    /// Expired, or collected already.
    Expired,
    Unknown,
    Approved {
        token: String,
        /// Unix seconds.
        expires: i64,
        user: String,
    },
}

/// What the challenge page shows, and why it may refuse.
#[derive(Debug)]
pub struct Shown {
    pub requested_user: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum WeepLoginError {
    #[error("this sign-in request is unknown; run weep again")]
    Unknown,
    #[error("this sign-in request has expired (they last two minutes); run weep again")]
    Expired,
    #[error("this sign-in request was approved already")]
    Used,
    #[error("this sign-in request is for {requested:?}, not for you ({you}); run weep with your own user name")]
    WrongUser { requested: String, you: String },
    #[error("user: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Internal(#[from] AppError),
}

impl From<crate::Error> for WeepLoginError {
    fn from(e: crate::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl WeepLoginError {
    pub fn status(&self) -> u16 {
        match self {
            Self::Unknown => 404,
            Self::Expired | Self::Used => 410,
            Self::WrongUser { .. } => 403,
            Self::Invalid(_) => 400,
            Self::Internal(e) => e.status_code(),
        }
    }
}

/// Whether `user` may approve a challenge made for `requested`: their id,
/// or (for a bare name) the part of their id before the `@`; any case.
pub fn is_for(requested: &str, user: &User) -> bool {
    let (req, id) = (requested.to_lowercase(), user.id.to_lowercase());
    req == id || (!req.contains('@') && id.split('@').next() == Some(req.as_str()))
}

pub struct WeepLogin {
    pool: sqlx::PgPool,
    token_days: u32,
}

impl Services {
    pub fn weep_login(&self) -> WeepLogin {
        WeepLogin {
            pool: self.pool.clone(),
            token_days: self.config.auth.cli_token_days,
        }
    }
}

fn secret() -> Result<String, WeepLoginError> {
    new_secret().map_err(|e| WeepLoginError::Internal(super::errors::internal("random", e)))
}

impl WeepLogin {
    pub async fn create(
        &self,
        requested_user: &str,
        client: &ClientMeta,
    ) -> Result<NewChallenge, WeepLoginError> {
        let user = requested_user.trim();
        if user.is_empty() || user.chars().count() > 256 || user.chars().any(char::is_control) {
            return Err(WeepLoginError::Invalid(
                "must be 1-256 characters without control characters (your user name or e-mail)",
            ));
        }
        let new = NewChallenge {
            id: secret()?,
            poll: secret()?,
        };
        let expires = chrono::Utc::now() + chrono::Duration::seconds(CHALLENGE_TTL_SECS);
        let mut tx = db::begin(&self.pool).await?;
        // Anyone may ask for a challenge: a flood stops at a bound, and
        // rows go a day after they expire.
        if db::weep_challenges::live(&mut tx).await? >= MAX_LIVE {
            return Err(WeepLoginError::Internal(AppError::TooMany(
                "too many Weep sign-ins are waiting; try again in two minutes".into(),
            )));
        }
        // One address cannot use the whole bound up and so lock everyone
        // else out of Weep sign-in.
        if db::weep_challenges::live_from(&mut tx, client.ip.as_deref()).await?
            >= MAX_LIVE_PER_ADDRESS
        {
            return Err(WeepLoginError::Internal(AppError::TooMany(format!(
                "too many Weep sign-ins are waiting from your address (at most {MAX_LIVE_PER_ADDRESS}); \
                 try again in two minutes"
            ))));
        }
        db::weep_challenges::create(
            &mut tx,
            &hash_token(&new.id),
            &hash_token(&new.poll),
            user,
            client,
            expires,
        )
        .await?;
        db::commit(tx).await?;
        Ok(new)
    }

    /// What the page shows `user` about challenge `id`, or why not.
    pub async fn show(&self, id: &str, user: &User) -> Result<Shown, WeepLoginError> {
        let mut tx = db::begin(&self.pool).await?;
        let c = db::weep_challenges::for_update(&mut tx, Secret::Page(&hash_token(id)))
            .await?
            .ok_or(WeepLoginError::Unknown)?;
        checked(&c, user)?;
        Ok(Shown {
            requested_user: c.requested_user,
            ip: c.ip,
            user_agent: c.user_agent,
            created_at: c.created_at,
        })
    }

    /// `user` approves challenge `id` (audited).
    pub async fn approve(
        &self,
        id: &str,
        user: &User,
        client: &ClientMeta,
    ) -> Result<(), WeepLoginError> {
        let id_hash = hash_token(id);
        let mut tx = db::begin(&self.pool).await?;
        let c = db::weep_challenges::for_update(&mut tx, Secret::Page(&id_hash))
            .await?
            .ok_or(WeepLoginError::Unknown)?;
        checked(&c, user)?;
        let owner = TokenOwner {
            user_id: user.id.clone(),
            display_name: user.display_name.clone(),
            groups: user.groups.clone(),
        };
        db::weep_challenges::approve(&mut tx, &id_hash, &owner).await?;
        db::audit::record(
            &mut tx,
            db::audit::AuditEvent::by(&user.id, "weep.challenge_approve", &user.id, client).detail(
                serde_json::json!({
                    "requested_user": c.requested_user,
                    "weep_ip": c.ip,
                    "weep_user_agent": c.user_agent,
                }),
            ),
        )
        .await?;
        db::commit(tx).await?;
        Ok(())
    }

    /// Weep's poll: the token once approved (made now, handed out once).
    pub async fn poll(&self, poll: &str, client: &ClientMeta) -> Result<Poll, WeepLoginError> {
        let poll_hash = hash_token(poll);
        let mut tx = db::begin(&self.pool).await?;
        let Some(c) = db::weep_challenges::for_update(&mut tx, Secret::Poll(&poll_hash)).await?
        else {
            return Ok(Poll::Unknown);
        };
        if c.expires_at <= chrono::Utc::now() || c.status == "collected" {
            return Ok(Poll::Expired);
        }
        let (Some(user_id), Some(display_name), Some(groups)) =
            (c.user_id, c.display_name, c.groups)
        else {
            return Ok(Poll::Pending);
        };
        let owner = TokenOwner {
            user_id,
            display_name,
            groups,
        };
        let name = format!(
            "Weep on {}",
            c.ip.as_deref().unwrap_or("an unknown address")
        );
        let spec = super::tokens::TokenSpec {
            name: &name,
            days: self.token_days,
            scope: app::domain::token::TokenScope::Credentials,
            made_by: None,
        };
        let token = issue_token(&mut tx, &owner, &spec, "weep-challenge", client).await?;
        let id = uuid::Uuid::parse_str(&token.id)
            .map_err(|e| WeepLoginError::Internal(super::errors::internal("token id", e)))?;
        db::weep_challenges::collected(&mut tx, &poll_hash, id).await?;
        db::commit(tx).await?;
        // The view's "YYYY-MM-DD HH:MM UTC" is at most a minute before the
        // token's real end: Weep signs in again that much earlier.
        let expires = chrono::NaiveDateTime::parse_from_str(&token.expires, "%Y-%m-%d %H:%M UTC")
            .map(|t| t.and_utc().timestamp())
            .unwrap_or_else(|_| chrono::Utc::now().timestamp());
        Ok(Poll::Approved {
            token: token.token,
            expires,
            user: owner.user_id,
        })
    }
}

/// A challenge `user` may still approve.
fn checked(c: &db::weep_challenges::Challenge, user: &User) -> Result<(), WeepLoginError> {
    if c.expires_at <= chrono::Utc::now() {
        return Err(WeepLoginError::Expired);
    }
    if c.status != "pending" {
        return Err(WeepLoginError::Used);
    }
    if !is_for(&c.requested_user, user) {
        return Err(WeepLoginError::WrongUser {
            requested: c.requested_user.clone(),
            you: user.id.clone(),
        });
    }
    Ok(())
}
