//! Latchkey server: configuration, AWS, Postgres, services, jobs and HTTP.
// The request services' futures nest deeply (port -> step -> audit -> db); the
// layout query for them needs more than the default 128 levels.
#![recursion_limit = "256"]
pub mod alloc;
pub mod auth;
pub mod aws;
pub mod cli;
pub mod config;
pub mod db;
pub mod doctor;
pub mod error;
pub mod http;
pub mod jobs;
pub mod notify;
pub mod plugins;
mod run;
pub mod services;
pub mod startup;

pub use error::{Error, Result};
pub use run::run;
