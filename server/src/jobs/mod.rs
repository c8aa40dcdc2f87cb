//! Scheduled work: the cron scheduler only triggers services (sync,
//! account discovery, the expiry sweep, plugin tasks); each run claims its
//! slot in Postgres and leaves a record.
pub mod denials;
pub mod protection;
pub mod scheduler;
