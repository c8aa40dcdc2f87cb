//! How far an account pass has got: items listed and items read so far.
//! The sync engine runs a pass inside [`Progress::scope`]; the readers
//! count into it where they list and read ([`listed`], [`read`]) without
//! threading it through every signature, as a tracing span would. Outside
//! a scope (a single re-read, a test) counting does nothing.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Progress {
    listed: AtomicU64,
    read: AtomicU64,
}

tokio::task_local! {
    static CURRENT: Arc<Progress>;
}

impl Progress {
    /// Runs `f` with `progress` counting its listings and reads.
    pub async fn scope<F: std::future::Future>(progress: Arc<Progress>, f: F) -> F::Output {
        CURRENT.scope(progress, f).await
    }

    /// (items read, items listed so far).
    pub fn get(&self) -> (u64, u64) {
        (
            self.read.load(Ordering::Relaxed),
            self.listed.load(Ordering::Relaxed),
        )
    }
}

/// `n` more items are known to exist in the pass.
pub fn listed(n: usize) {
    let _ = CURRENT.try_with(|p| p.listed.fetch_add(n as u64, Ordering::Relaxed));
}

/// `n` more items were read (or failed to be: they are done either way).
pub fn read(n: usize) {
    let _ = CURRENT.try_with(|p| p.read.fetch_add(n as u64, Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_a_scope() {
        listed(5);
        let p = Arc::new(Progress::default());
        Progress::scope(p.clone(), async {
            listed(3);
            read(1);
            read(1);
        })
        .await;
        assert_eq!(p.get(), (2, 3));
    }
}
