//! A per-user rate limit over a sliding minute (refreshes from AWS).
//! A leaf, so `Services` can hold the limit without the inventory service.

/// Refreshes one user may ask for in a minute, per server process.
pub const REFRESHES_PER_MINUTE: usize = 10;

/// A sliding one-minute window of events per key (user id).
#[derive(Default)]
pub struct PerMinute {
    seen: std::sync::Mutex<
        std::collections::HashMap<String, std::collections::VecDeque<std::time::Instant>>,
    >,
    limit: usize,
}

impl PerMinute {
    pub fn new(limit: usize) -> Self {
        Self {
            seen: Default::default(),
            limit,
        }
    }

    /// Counts one event for `key` if it is within the limit.
    pub fn allow(&self, key: &str) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        let now = std::time::Instant::now();
        let window = std::time::Duration::from_secs(60);
        if seen.len() > 10_000 {
            seen.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = seen.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.len() >= self.limit {
            return false;
        }
        q.push_back(now);
        true
    }
}
