//! Which version of the access rules a process has in force. A leaf, so
//! `Services` can hold it without the service that fills it.
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Which version this process has in force, and whether it hears of new ones.
#[derive(Debug, Default)]
pub struct LiveVersion {
    pub(super) version: AtomicI64,
    pub(super) live: AtomicBool,
    pub(super) reloading: tokio::sync::Mutex<()>,
}

impl LiveVersion {
    /// The version in force here (0: the config file's, none loaded).
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::SeqCst)
    }
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }
}
