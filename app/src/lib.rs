//! Latchkey's UI, its server-function API and the pure domain it shares
//! between the browser and the server.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod views;

pub use error::AppError;
pub use pages::{shell, App};
