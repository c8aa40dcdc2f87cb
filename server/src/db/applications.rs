//! Applications (non-human principals); their tokens live in `api_tokens`.
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub name: String,
    pub description: String,
    pub owner: String,
    pub mtls_subject: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

pub struct NewApplication<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub owner: &'a str,
    pub mtls_subject: Option<&'a str>,
    pub created_by: &'a str,
}

/// What a create ran into: the name or the subject already taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Name,
    Subject,
}

/// Creates the application, or says which unique value is taken.
pub async fn create(
    conn: &mut PgConnection,
    a: &NewApplication<'_>,
) -> crate::Result<Result<(), Taken>> {
    let r = sqlx::query!(
        "INSERT INTO applications (name, description, owner, mtls_subject, created_by)
         VALUES ($1, $2, $3, $4, $5)",
        a.name,
        a.description,
        a.owner,
        a.mtls_subject,
        a.created_by,
    )
    .execute(conn)
    .await;
    match r {
        Ok(_) => Ok(Ok(())),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("applications_pkey") => {
            Ok(Err(Taken::Name))
        }
        Err(sqlx::Error::Database(e))
            if e.constraint() == Some("applications_mtls_subject_key") =>
        {
            Ok(Err(Taken::Subject))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn list(conn: &mut PgConnection) -> crate::Result<Vec<ApplicationRow>> {
    Ok(sqlx::query_as!(
        ApplicationRow,
        "SELECT name, description, owner, mtls_subject, created_by, created_at, disabled_at
         FROM applications ORDER BY disabled_at IS NOT NULL, name",
    )
    .fetch_all(conn)
    .await?)
}

/// The application, locked for the caller's transaction.
pub async fn get_for_update(
    conn: &mut PgConnection,
    name: &str,
) -> crate::Result<Option<ApplicationRow>> {
    Ok(sqlx::query_as!(
        ApplicationRow,
        "SELECT name, description, owner, mtls_subject, created_by, created_at, disabled_at
         FROM applications WHERE name = $1 FOR UPDATE",
        name,
    )
    .fetch_optional(conn)
    .await?)
}

/// Disables the application (its tokens are revoked by the caller, in the
/// same transaction); false when it was not enabled.
pub async fn disable(conn: &mut PgConnection, name: &str, by: &str) -> crate::Result<bool> {
    Ok(sqlx::query!(
        "UPDATE applications SET disabled_at = now(), disabled_by = $2, mtls_subject = NULL
         WHERE name = $1 AND disabled_at IS NULL",
        name,
        by,
    )
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The enabled application a client certificate subject identifies.
pub async fn by_subject(conn: &mut PgConnection, subject: &str) -> crate::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT name FROM applications WHERE mtls_subject = $1 AND disabled_at IS NULL",
        subject,
    )
    .fetch_optional(conn)
    .await?)
}
