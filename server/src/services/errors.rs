//! The check every call on a caller's behalf in an account makes first.
//! (How failures become what callers see is `crate::error`: one `From`.)
pub use crate::error::internal;
use app::AppError;

/// The account must be one Latchkey manages and has not been switched off:
/// checked before any AWS call is made on a caller's behalf in it.
pub(crate) async fn managed_account(
    conn: &mut sqlx::PgConnection,
    account: &str,
) -> Result<(), AppError> {
    match crate::db::accounts::get(conn, account).await? {
        Some(a) if a.enabled => Ok(()),
        Some(_) => Err(AppError::Forbidden(format!(
            "account {account} is disabled in Latchkey"
        ))),
        None => Err(AppError::Forbidden(format!(
            "account {account} is not one Latchkey manages"
        ))),
    }
}
