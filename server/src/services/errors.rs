//! How services turn database and AWS failures into what callers see (a
//! logged cause and a request id, never the cause itself), and the check
//! every call on a caller's behalf in an account makes first.
use crate::aws::AwsError;
use app::AppError;

/// Logs the cause with a fresh id and returns only the id to the user.
pub fn internal(context: &str, e: impl std::fmt::Display) -> AppError {
    let request_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    tracing::error!(%request_id, context, error = %e, "internal error");
    AppError::Internal { request_id }
}

/// The account must be one Latchkey manages and has not been switched off:
/// checked before any AWS call is made on a caller's behalf in it.
pub(crate) async fn managed_account(
    conn: &mut sqlx::PgConnection,
    account: &str,
) -> Result<(), AppError> {
    match crate::db::accounts::get(conn, account)
        .await
        .map_err(db_error)?
    {
        Some(a) if a.enabled => Ok(()),
        Some(_) => Err(AppError::Forbidden(format!(
            "account {account} is disabled in Latchkey"
        ))),
        None => Err(AppError::Forbidden(format!(
            "account {account} is not one Latchkey manages"
        ))),
    }
}

pub fn db_error(e: sqlx::Error) -> AppError {
    internal("database", e)
}

pub fn aws_error(e: AwsError) -> AppError {
    match e {
        AwsError::NotFound(m) => AppError::NotFound(m),
        other => AppError::Upstream(other.to_string()),
    }
}
