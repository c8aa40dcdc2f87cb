//! Changes made behind a serving process's back (by another replica, or
//! psql), which reach it only through Postgres notifications.
use super::execute;
use sqlx::PgPool;

/// `status` is the answer to a caller that `end` ends in `table`, run
/// behind this process's back: first with the table's change notification
/// switched off (`end_unheard`), when the remembered caller still gets 200,
/// which shows the cache is what answered; then with it on, as every writer
/// has it, when the change reaches this process by NOTIFY and `status` turns
/// 401 (else the test fails with `unheard`).
pub async fn ended_elsewhere<F, Fut>(
    pool: &PgPool,
    table: &str,
    (end_unheard, end): (&'static str, &'static str),
    mut status: F,
    unheard: &str,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let trigger = |on: &str| format!("ALTER TABLE {table} {on} TRIGGER {table}_changed");
    let run = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool);
    run(trigger("DISABLE")).await.unwrap();
    execute(pool, end_unheard).await;
    assert_eq!(status().await, 200);
    run(trigger("ENABLE")).await.unwrap();
    execute(pool, end).await;
    assert_eq!(eventually(status, 401).await, 401, "{unheard}");
}

/// Polls `status` (for up to 2 s) until it gives `want`; the last status.
pub async fn eventually<F, Fut>(mut status: F, want: u16) -> u16
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let mut last = 0;
    for _ in 0..100 {
        last = status().await;
        if last == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    last
}
