//! The server's one error type, and the one place it becomes what a user
//! sees ([`AppError`]): database failures and AWS's own words are logged
//! with the request's id, and the user gets that id to quote, never the
//! cause. Every request runs in a [`request_scope`], so the id in an error
//! message, the `x-request-id` response header and the log lines agree.
use crate::aws::AwsError;
use app::AppError;
use std::future::Future;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("AWS: {0}")]
    Aws(#[from] AwsError),
    /// Already what the user should see (bad input, not allowed, ...).
    #[error(transparent)]
    App(#[from] AppError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        match e {
            Error::Db(e) => internal("database", e),
            Error::Aws(e) => e.into(),
            Error::App(e) => e,
        }
    }
}

impl From<AwsError> for AppError {
    /// AWS's message can name the hub role, other accounts and internals:
    /// it goes to the log under the request id; the user gets what kind of
    /// refusal it was. The one exception is a rejected input (a malformed
    /// policy, a value over a limit): its message is about the caller's own
    /// document and is what they need to fix it.
    fn from(e: AwsError) -> Self {
        let request_id = request_id();
        tracing::warn!(%request_id, error = %e, "AWS refused a call");
        let what = match &e {
            AwsError::NotFound(_) => return AppError::NotFound("the AWS resource".into()),
            AwsError::Denied(_) => {
                "Latchkey's role in that account may not make this call".to_owned()
            }
            AwsError::Throttled(_) => "AWS is throttling Latchkey; try again in a minute".into(),
            AwsError::Invalid(m) => format!("AWS rejected the input: {m}"),
            AwsError::Other(_) => "the AWS call failed".into(),
        };
        AppError::Upstream(format!("{what} (request {request_id})"))
    }
}

/// Logs the cause under the request's id and returns only the id to the user.
pub fn internal(context: &str, e: impl std::fmt::Display) -> AppError {
    let request_id = request_id();
    tracing::error!(%request_id, context, error = %e, "internal error");
    AppError::Internal { request_id }
}

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request this task serves, or a fresh one off a request
/// (a scheduled job, or work a request spawned onto another task).
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| new_request_id())
}

/// Twelve hex digits: short enough to read out, unique enough to grep.
pub fn new_request_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.truncate(12);
    id
}

/// Runs `fut` as the request `id`: errors it returns quote `id`.
pub async fn request_scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn aws_words_stay_in_the_log_and_the_user_gets_the_kind_and_the_id() {
        let raw = "AccessDenied: User: arn:aws:sts::111122223333:assumed-role/latchkey-hub/x \
                   is not authorized to perform: iam:PutRolePolicy";
        let e = request_scope("req-1".into(), async {
            AppError::from(Error::from(AwsError::Denied(raw.into())))
        })
        .await;
        let AppError::Upstream(m) = &e else {
            panic!("{e:?}")
        };
        assert!(
            !m.contains("111122223333") && !m.contains("latchkey-hub"),
            "{m}"
        );
        assert!(
            m.contains("may not make this call") && m.contains("(request req-1)"),
            "{m}"
        );
        // A rejected input keeps its reason: the caller must fix their document.
        let invalid = AppError::from(AwsError::Invalid(
            "MalformedPolicyDocument: Policy document should not specify a principal.".into(),
        ));
        assert!(invalid
            .to_string()
            .contains("should not specify a principal"));
        assert_eq!(
            AppError::from(AwsError::NotFound("NoSuchEntity: role x".into())),
            AppError::NotFound("the AWS resource".into())
        );
    }

    #[tokio::test]
    async fn database_failures_show_only_the_request_id() {
        let e = request_scope("req-2".into(), async {
            AppError::from(Error::from(sqlx::Error::PoolTimedOut))
        })
        .await;
        assert_eq!(
            e,
            AppError::Internal {
                request_id: "req-2".into()
            }
        );
        // Off a request (a scheduled job): a fresh id each time.
        assert_ne!(request_id(), request_id());
    }
}
