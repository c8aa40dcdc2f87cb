//! Scheduled work: the cron scheduler only triggers; each job claims its run
//! in Postgres and leaves a record.
pub mod accounts;
pub mod scheduler;
pub mod sync;
