//! Small in-process caches of database rows that a hot path would otherwise
//! read on every request (who an API token belongs to; a role's account
//! state and tags), kept exact by Postgres notifications.
//!
//! A revoked token or a disabled account must take effect at once on every
//! replica, so a cache only answers while this process is listening: a
//! trigger notifies its channel on every change, by any writer (payload: the
//! key to drop, or empty to drop everything). If the listening connection is
//! lost, the cache empties and stops answering until it listens again. A
//! lookup that was reading the database while a change arrived does not
//! store its (possibly older) answer. Entries also expire after a TTL.
pub use crate::db::listen::{
    listen_forever, RECENT_CHANNEL, RESOURCES_CHANNEL, ROLE_CHANNEL, SESSION_CHANNEL, TOKEN_CHANNEL,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Role ARN → what role access checks (account, enabled, tags).
pub type RoleCache = NotifiedCache<crate::db::roles::RoleAccessRow>;
/// Session cookie hash → its session row, for a minute.
pub type SessionCache = NotifiedCache<crate::db::sessions::SessionRow>;
/// User id → the ARNs of the roles they used last, newest first.
pub type RecentCache = NotifiedCache<Vec<String>>;
/// Every known account (key [`ALL_ACCOUNTS`]), dropped on any account change.
pub type AccountsCache = NotifiedCache<std::sync::Arc<Vec<crate::db::accounts::AccountRow>>>;
pub const ALL_ACCOUNTS: &str = "all";

/// Entries past this many are dropped oldest-first at the next insert.
const MAX_ENTRIES: usize = 10_000;

pub struct NotifiedCache<V> {
    channel: &'static str,
    ttl: Duration,
    entries: Mutex<HashMap<String, (V, Instant)>>,
    /// True only while a listener is subscribed to `channel`.
    live: AtomicBool,
    /// Bumped by every change heard and every loss of the listener.
    epoch: AtomicU64,
}

impl<V: Clone + Send + 'static> NotifiedCache<V> {
    pub fn new(channel: &'static str, ttl: Duration) -> Self {
        Self {
            channel,
            ttl,
            entries: Mutex::default(),
            live: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
        }
    }

    /// The cached value of `key`, while the cache may answer.
    pub fn get(&self, key: &str) -> Option<V> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (value, at) = entries.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Where a lookup starts: pass it to [`NotifiedCache::put`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Remembers what a lookup that started at `epoch` read, unless a change
    /// was heard (or the listener lost) since.
    pub fn put(&self, key: &str, value: &V, epoch: u64) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock that `forget` and `reset` take.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key.to_owned(), (value.clone(), Instant::now()));
    }

    /// Drops `key`, or everything when `key` is empty.
    pub fn forget(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            if key.is_empty() {
                entries.clear();
            } else {
                entries.remove(key);
            }
        }
    }

    fn reset(&self, live: bool) {
        if let Ok(mut entries) = self.entries.lock() {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            self.live.store(live, Ordering::Release);
            entries.clear();
        }
    }

    /// Listens for changes for as long as the process runs,
    /// reconnecting after a second when the connection is lost.
    pub async fn listen(self: std::sync::Arc<Self>, pool: sqlx::PgPool) {
        let channel = self.channel;
        listen_forever(
            pool,
            channel,
            |live| self.reset(live),
            |key| self.forget(key),
        )
        .await
    }

    /// Whether the listener is subscribed (for tests and start-up checks).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> app::domain::User {
        app::domain::User {
            id: id.into(),
            display_name: id.into(),
            groups: vec![],
            is_admin: false,
            approver_accounts: vec![],
        }
    }

    #[test]
    fn answers_only_while_listening_and_not_after_a_change() {
        let c = NotifiedCache::<app::domain::User>::new(TOKEN_CHANNEL, Duration::from_secs(60));
        let e = c.epoch();
        c.put("h", &user("a"), e);
        assert!(c.get("h").is_none(), "not listening: nothing is kept");
        c.reset(true);
        let e = c.epoch();
        c.put("h", &user("a"), e);
        assert_eq!(c.get("h").map(|u| u.id), Some("a".to_owned()));
        // A lookup that began before a change does not store its answer.
        let before = c.epoch();
        c.forget("h");
        assert!(c.get("h").is_none());
        c.put("h", &user("a"), before);
        assert!(c.get("h").is_none());
        let e = c.epoch();
        c.put("h", &user("a"), e);
        assert!(c.get("h").is_some());
        // An empty key drops everything.
        c.forget("");
        assert!(c.get("h").is_none());
        let e = c.epoch();
        c.put("h", &user("a"), e);
        // Losing the listener empties the cache and stops it answering.
        c.reset(false);
        assert!(c.get("h").is_none());
        c.reset(true);
        assert!(c.get("h").is_none());
    }
}
