//! How runs are shared out: one per task/account at a time, once per tick across replicas, a failing account never stops the others, and the admin's health page.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_concurrent_run_of_the_same_account_is_skipped(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    // Hold the account's sync lock as another replica would.
    let mut other = pool.begin().await.unwrap();
    let _: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext($1))")
        .bind(format!("iam:{a}"))
        .fetch_one(&mut *other)
        .await
        .unwrap();
    let acct = app::domain::AccountId::parse(&a).unwrap();
    assert_eq!(
        sync_account(&s, Task::Iam, &acct, Trigger::Schedule)
            .await
            .unwrap(),
        None
    );
    other.rollback().await.unwrap();
    assert!(sync_account(&s, Task::Iam, &acct, Trigger::Schedule)
        .await
        .unwrap()
        .is_some());
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn two_replicas_run_each_scheduled_task_once_per_tick(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    // Two independent server states on one database, as two processes would have.
    let r1 = services(pool.clone(), config(&[&a, &b])).await;
    let r2 = services(pool.clone(), config(&[&a, &b])).await;
    create_role(&iam(&r1, &a).await, "eng-x", &[], &[]).await;
    let (x, y) = tokio::join!(
        sync_all(&r1, Trigger::Schedule),
        sync_all(&r2, Trigger::Schedule)
    );
    let ran = |r: &latchkey::services::sync::engine::Results| {
        r.iter().filter(|x| matches!(x.2, Ok(Some(_)))).count()
    };
    assert_eq!(
        ran(&x) + ran(&y),
        8,
        "4 tasks x 2 accounts, each run by exactly one replica"
    );
    let per_key: Vec<i64> = scalars(
        &pool,
        "SELECT count(*) FROM sync_runs WHERE trigger = 'schedule' GROUP BY task, account_id",
    )
    .await;
    assert_eq!(per_key.len(), 8);
    assert!(per_key.iter().all(|n| *n == 1), "{per_key:?}");
    // A manual run is never deduplicated.
    let again = sync_all(&r2, Trigger::Manual).await;
    assert_eq!(ran(&again), 8);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_failing_account_is_recorded_and_never_stops_the_others(pool: PgPool) {
    let (s, [good, bad]) = two_accounts(&pool, ["eng-good", "eng-bad"]).await;
    // The bad account's writes fail half-way: its roles are written, then the
    // resources insert raises (an injected database failure).
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE FUNCTION fail_bad() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'injected failure for {bad}'; END $$"
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TRIGGER fail_bad BEFORE INSERT ON resources FOR EACH ROW
         WHEN (NEW.account_id = '{bad}') EXECUTE FUNCTION fail_bad()"
    )))
    .execute(&pool)
    .await
    .unwrap();

    let results = sync_all(&s, Trigger::Manual).await;
    let of = |acct: &str| {
        results
            .iter()
            .filter(|r| r.1.as_str() == acct)
            .collect::<Vec<_>>()
    };
    assert!(
        of(&good).iter().all(|r| matches!(r.2, Ok(Some(_)))),
        "{results:?}"
    );
    assert!(of(&bad).iter().any(|r| r.2.is_err()), "{results:?}");
    let roles: Vec<String> = scalars(&pool, "SELECT name FROM roles ORDER BY name").await;
    assert_eq!(
        roles,
        ["eng-good"],
        "nothing half-written for the failing account"
    );
    let (outcome, error): (String, Option<String>) = row_of(
        &pool,
        "SELECT outcome, error FROM sync_runs WHERE account_id = $1 AND task = 'iam'",
        &bad,
    )
    .await;
    assert_eq!(outcome, "failed");
    assert!(
        error.unwrap().contains("injected failure"),
        "the error is recorded"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn admins_see_sync_health_and_run_a_task_now_engineers_cannot(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&s, &a).await, "eng-now", &[], &[]).await;
    let base = spawn_http(s).await;

    let eng = signed_in(&base, ENGINEER).await;
    assert_eq!(
        eng.post_status(format!("{base}/api/sync_status")).await,
        403
    );
    let r = eng
        .post_form(
            format!("{base}/api/run_sync"),
            &[("task", "iam"), ("account", a.as_str())],
        )
        .await;
    assert_eq!(r.status(), 403);

    let admin = signed_in(&base, ADMIN).await;
    let status: Value = admin.post_json(format!("{base}/api/sync_status")).await;
    assert_eq!(status[0]["account_id"], a);
    assert_eq!(
        status[0]["tasks"][0]["last_outcome"],
        Value::Null,
        "never run yet"
    );

    let r = admin
        .post_form(format!("{base}/api/run_sync"), &[("task", "nope")])
        .await;
    assert_eq!(r.status(), 400);
    let r = admin
        .post_form(
            format!("{base}/api/run_sync"),
            &[("task", "iam"), ("account", a.as_str())],
        )
        .await;
    assert!(r.status().is_success());
    let mut ran = false;
    for _ in 0..100 {
        let n: i64 = scalar(
            &pool,
            "SELECT count(*) FROM sync_runs WHERE task = 'iam' AND outcome = 'success'",
        )
        .await;
        if n == 1 {
            ran = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ran, "run-now ran the task");
    let iam_task = task_status(&admin, &base, "iam").await;
    assert_eq!(iam_task["last_outcome"], "success");
    assert_eq!(iam_task["last_items"], 1);
    assert!(iam_task["last_duration_ms"].as_i64().unwrap() >= 0);
    let audited: i64 = scalar(
        &pool,
        "SELECT count(*) FROM audit_events WHERE action = 'sync.run_now'",
    )
    .await;
    assert_eq!(audited, 1);
}
