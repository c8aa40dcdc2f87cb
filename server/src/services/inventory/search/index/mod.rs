//! An in-process index of the resources cache, so the resources page answers
//! any filter, sort and keyset page from memory and fetches only the rows it
//! shows. Postgres stays the truth: the index is a snapshot tagged with the
//! `resource_generations` sum it was read at, and a page is served from it
//! only when the same statement that fetches the page's rows sees that sum
//! unchanged (see the migration). Otherwise the caller falls back to the SQL
//! search and a rebuild starts in the background.
//!
//! Why not only SQL: a substring such as `worker-0042` over a million ARNs
//! costs Postgres 5-7 ms of CPU in the trigram index (posting lists of
//! trigrams found in one row in eight are intersected in full), which 50
//! clients on two cores turn into a 130-200 ms p99. Here documents are
//! numbered in the page's own order (name, ARN, as Postgres collates them),
//! posting lists are compressed bitmaps (roaring), and a page walks the
//! intersection in order and stops once it has its rows.
//!
//! Memory: a million rows must fit a small server. ARNs are stored as an
//! interned prefix (everything up to the last `/` or `:`, shared by every
//! resource of one kind in one account) and their own tail; a name is
//! stored only where it is not the start of that tail; `lower(arn)` only
//! where it is not the ASCII lowercase of the ARN; tag lists are interned
//! (most resources share their tag set with many others); and the ARN
//! lookup for cursors is a list of documents sorted by the ARN's hash.
mod build;
mod columns;
mod page;
mod snapshot;
#[cfg(test)]
mod tests;

pub use snapshot::{BuildStats, Snapshot};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The current snapshot of one server process, rebuilt in the background
/// when a search finds it behind Postgres.
///
/// While a listener hears `latchkey_resources_changed` (every change to the
/// cache or to an account's name notifies it), a snapshot found current
/// stays current until the next notification, and pages are answered from
/// memory alone. Without the listener, or after a notification, a page first
/// checks the snapshot against Postgres (one small statement).
#[derive(Default)]
pub struct SearchIndex {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: Mutex<RebuildState>,
    disabled: bool,
    /// True only while the listener is subscribed.
    live: AtomicBool,
    /// Bumped by every change heard and every gain or loss of the listener.
    epoch: AtomicU64,
}

#[derive(Default)]
struct RebuildState {
    running: bool,
    last_start: Option<Instant>,
    last_took: Duration,
}

/// Rebuilds start at least this far apart, and at least twice the last
/// build's time apart, so an index over a cache that keeps changing costs at
/// most a third of one core; searches in between are answered by SQL.
const MIN_REBUILD_INTERVAL: Duration = Duration::from_secs(1);

impl SearchIndex {
    /// An index that is never built: every search goes to SQL.
    pub fn disabled() -> Self {
        Self {
            disabled: true,
            ..Default::default()
        }
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        if self.disabled {
            return None;
        }
        self.current.read().ok().and_then(|s| s.clone())
    }

    /// Whether the change listener is subscribed (always, when disabled).
    pub fn is_listening(&self) -> bool {
        self.disabled || self.live.load(Ordering::Acquire)
    }

    /// Listens for changes to the cache for as long as the process runs.
    pub async fn listen(self: Arc<Self>, pool: sqlx::PgPool) {
        if self.disabled {
            return;
        }
        let channel = crate::db::listen::RESOURCES_CHANNEL;
        crate::db::listen::listen_forever(
            pool,
            channel,
            |live| {
                self.live.store(live, Ordering::Release);
                self.changed();
            },
            |_| self.changed(),
        )
        .await
    }

    /// Counts changes heard (and listener gains and losses).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Marks every snapshot as possibly behind Postgres (a change was heard,
    /// or this process just wrote one).
    pub fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Where a check against Postgres starts: `None` when a verified
    /// snapshot could not be trusted anyway (no listener).
    fn epoch_if_live(&self) -> Option<u64> {
        self.live
            .load(Ordering::Acquire)
            .then(|| self.epoch.load(Ordering::Acquire))
    }

    /// Whether `snap` may answer without asking Postgres.
    pub fn is_current(&self, snap: &Snapshot) -> bool {
        self.epoch_if_live()
            .is_some_and(|e| snap.verified.load(Ordering::Acquire) == e)
    }

    /// Checks `snap` against Postgres; when it matches and the listener
    /// was subscribed before the check began, it stays current until the
    /// next change is heard.
    pub async fn check(
        &self,
        conn: &mut sqlx::PgConnection,
        snap: &Snapshot,
    ) -> crate::Result<bool> {
        let epoch = self.epoch_if_live();
        let fresh = snap.matches_postgres(conn).await?;
        if let (true, Some(e)) = (fresh, epoch) {
            snap.verified.store(e, Ordering::Release);
        }
        Ok(fresh)
    }

    /// Builds a snapshot now and makes it current.
    pub async fn refresh(&self, pool: &sqlx::PgPool) -> crate::Result<BuildStats> {
        let epoch = self.epoch_if_live();
        let (snap, stats) = Snapshot::load(pool).await?;
        if let Some(e) = epoch {
            snap.verified.store(e, Ordering::Release);
        }
        if let Ok(mut cur) = self.current.write() {
            *cur = Some(Arc::new(snap));
        }
        Ok(stats)
    }

    /// Starts one background rebuild unless one is running; a rebuild asked
    /// for too soon after the last one waits out the interval first.
    pub fn request_rebuild(self: &Arc<Self>, pool: &sqlx::PgPool) {
        if self.disabled {
            return;
        }
        let wait = {
            let Ok(mut st) = self.rebuild.lock() else {
                return;
            };
            if st.running {
                return;
            }
            st.running = true;
            let gap = MIN_REBUILD_INTERVAL.max(st.last_took * 2);
            let wait = st
                .last_start
                .map_or(Duration::ZERO, |t| gap.saturating_sub(t.elapsed()));
            st.last_start = Some(Instant::now() + wait);
            wait
        };
        let (me, pool) = (Arc::clone(self), pool.clone());
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let started = Instant::now();
            let result = me.refresh(&pool).await;
            // The build's working memory and the previous snapshot are free
            // now: give them back rather than when load next arrives.
            crate::alloc::release_freed();
            if let Ok(mut st) = me.rebuild.lock() {
                st.running = false;
                st.last_took = started.elapsed();
            }
            match result {
                Ok(s) => tracing::info!(
                    rows = s.rows,
                    generation = s.generation,
                    read_ms = s.read.as_millis() as u64,
                    build_ms = s.build.as_millis() as u64,
                    mb = s.bytes / 1_000_000,
                    "search index rebuilt"
                ),
                Err(e) => tracing::warn!(error = %e, "search index rebuild failed"),
            }
        });
    }
}
