//! Reading and writing the test's database in one call: a statement, at
//! most one text parameter (`$1`), and a failed query fails the test.

use sqlx::postgres::PgRow;
use sqlx::{Decode, FromRow, PgPool, Postgres, Type};

/// What a one-column row is read as (`i64`, `String`, `Value`, …).
pub trait Column: for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin {}
impl<T: for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin> Column for T {}

/// What a row is read as (a tuple).
pub trait Row: for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T: for<'r> FromRow<'r, PgRow> + Send + Unpin> Row for T {}

/// The one value of the one row `sql` returns (`SELECT count(*) …`).
pub async fn scalar<T: Column>(pool: &PgPool, sql: &'static str) -> T {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Like [`scalar`], with `$1` bound to `arg`.
pub async fn scalar_of<T: Column>(pool: &PgPool, sql: &'static str, arg: &str) -> T {
    let query = sqlx::query_scalar(sql).bind(arg);
    query.fetch_one(pool).await.unwrap()
}

/// The one value of every row `sql` returns.
pub async fn scalars<T: Column>(pool: &PgPool, sql: &'static str) -> Vec<T> {
    sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
}

/// Like [`scalars`], with `$1` bound to `arg`.
pub async fn scalars_of<T: Column>(pool: &PgPool, sql: &'static str, arg: &str) -> Vec<T> {
    let query = sqlx::query_scalar(sql).bind(arg);
    query.fetch_all(pool).await.unwrap()
}

/// The one row `sql` returns.
pub async fn row<T: Row>(pool: &PgPool, sql: &'static str) -> T {
    sqlx::query_as(sql).fetch_one(pool).await.unwrap()
}

/// Like [`row`], with `$1` bound to `arg`.
pub async fn row_of<T: Row>(pool: &PgPool, sql: &'static str, arg: &str) -> T {
    sqlx::query_as(sql).bind(arg).fetch_one(pool).await.unwrap()
}

/// Every row `sql` returns.
pub async fn rows<T: Row>(pool: &PgPool, sql: &'static str) -> Vec<T> {
    sqlx::query_as(sql).fetch_all(pool).await.unwrap()
}

/// Like [`rows`], with `$1` bound to `arg`.
pub async fn rows_of<T: Row>(pool: &PgPool, sql: &'static str, arg: &str) -> Vec<T> {
    sqlx::query_as(sql).bind(arg).fetch_all(pool).await.unwrap()
}

/// Runs `sql` for its effect (an `UPDATE`, a trigger switched off).
pub async fn execute(pool: &PgPool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// `(status, error)` of the one change of request `id`.
pub async fn change_outcome(pool: &PgPool, id: &str) -> (String, Option<String>) {
    let sql = "SELECT status, error FROM request_changes WHERE request_id = $1::uuid";
    row_of(pool, sql, id).await
}

/// The status of the one change of request `id`.
pub async fn change_status(pool: &PgPool, id: &str) -> String {
    let sql = "SELECT status FROM request_changes WHERE request_id = $1::uuid";
    scalar_of(pool, sql, id).await
}

/// Like [`rows`], with `$1`, `$2`, … bound to `args` in turn.
pub async fn rows_with<T: Row>(pool: &PgPool, sql: &'static str, args: &[&str]) -> Vec<T> {
    let mut query = sqlx::query_as(sql);
    for arg in args {
        query = query.bind(*arg);
    }
    query.fetch_all(pool).await.unwrap()
}

/// The status of request `id`.
pub async fn request_status(pool: &PgPool, id: &str) -> String {
    let sql = "SELECT status FROM requests WHERE id = $1::uuid";
    scalar_of(pool, sql, id).await
}
