//! The one error type the UI sees: only user-safe variants. Causes are logged
//! on the server with the request id; they never travel to the browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("please sign in")]
    Unauthenticated,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    /// Bad input: the field and every rule it broke.
    #[error("{field}: {}", messages.join("; "))]
    Invalid {
        field: String,
        messages: Vec<String>,
    },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("AWS said no: {0}")]
    Upstream(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The caller asked too often; try again later.
    #[error("too many requests: {0}")]
    TooMany(String),
    #[error("internal error (request {request_id})")]
    Internal { request_id: String },
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            messages: vec![message.into()],
        }
    }

    /// HTTP status for JSON APIs.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Invalid { .. } => 400,
            Self::Conflict(_) => 409,
            Self::Upstream(_) => 502,
            Self::Unavailable(_) => 503,
            Self::TooMany(_) => 429,
            Self::Internal { .. } | Self::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request's arguments did not decode: the caller's input.
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::Deserialization(m)
            | ServerFnErrorErr::MissingArg(m) => Self::Invalid {
                field: "body".into(),
                messages: vec![format!("the request could not be read: {m}")],
            },
            other => Self::Transport(other.to_string()),
        }
    }
}

impl From<crate::domain::IdError> for AppError {
    fn from(e: crate::domain::IdError) -> Self {
        Self::invalid("id", e.0)
    }
}
