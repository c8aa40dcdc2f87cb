//! Latchkey server: configuration, AWS, Postgres, services, jobs and HTTP.
pub mod aws;
pub mod cli;
pub mod config;
pub mod db;
pub mod http;
pub mod jobs;
pub mod notify;
pub mod services;
pub mod startup;
