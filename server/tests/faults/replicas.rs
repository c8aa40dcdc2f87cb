//! Two replicas on one Postgres, one of them (a real `latchkey` process)
//! killed with SIGKILL in the middle of its start-up sync: the other never
//! runs what the first holds while it lives, sees its runs end when it dies,
//! and its next run does the work; no cached row or request is lost or
//! doubled.
use super::*;
use latchkey::services::sync::engine::{sync_all, Results, Task, Trigger};
use std::sync::Arc;

const HUNG: &str = "GetAccountAuthorizationDetails";

/// How many of `results` ran (`Ok(Some)`), were skipped (`Ok(None)`) or failed.
fn tally(results: &Results, task: Task) -> (usize, usize, usize) {
    let of: Vec<_> = results.iter().filter(|r| r.0 == task).collect();
    let ran = of.iter().filter(|r| matches!(r.2, Ok(Some(_)))).count();
    let skipped = of.iter().filter(|r| matches!(r.2, Ok(None))).count();
    (ran, skipped, of.len() - ran - skipped)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_replica_killed_mid_sync_loses_nothing_and_the_other_finishes_its_work(pool: PgPool) {
    let accounts = [unique_account(), unique_account()];
    let ids = [accounts[0].as_str(), accounts[1].as_str()];
    // Replica B lives in this process, reads moto directly and serves.
    let b = services(pool.clone(), config(&ids)).await;
    for a in ids {
        create_role(&iam(&b, a).await, "eng-dev", &[], &[("team", "blue")]).await;
        create_bucket(&s3(&b, a).await, &format!("data-{a}")).await;
    }
    let first = sync_all(&b, Trigger::Manual).await;
    assert!(
        first.iter().all(|r| matches!(r.2, Ok(Some(_)))),
        "{first:?}"
    );
    let mut before = Vec::new();
    for a in ids {
        before.push(cached_arns(&pool, a).await);
        // What replica A's interrupted run was to bring in.
        create_role(&iam(&b, a).await, "eng-new", &[], &[]).await;
    }
    let base_b = spawn_http(b.clone()).await;
    let admin_b = signed_in(&base_b, ADMIN).await;

    // Replica A, the binary, syncs everything as it starts; both accounts'
    // IAM reads never get their answer.
    let stub = Arc::new(Stub::default());
    stub.hang(HUNG);
    let aws = start_stub(stub.clone()).await;
    let syncing = NO_SCHEDULE.replace("on_start = false", "on_start = true");
    let toml = config_toml_in(&ids, &[], &syncing);
    let mut a_proc = ServerProcess::start(&toml, &database_url(&pool), &aws).await;
    stub.hung(HUNG, 2).await;
    until("replica A's other start-up runs finishing", || async {
        let done: i64 = scalar(
            &pool,
            "SELECT count(*) FROM sync_runs WHERE trigger = 'startup' AND outcome = 'success'",
        )
        .await;
        done == 6
    })
    .await;
    let role0 = format!("arn:aws:iam::{}:role/eng-dev", ids[0]);
    let eng_a = signed_in(&a_proc.base, ENGINEER).await;
    let on_a = asked(&eng_a, &a_proc.base, &role0, read_logs_on(&role0)).await;

    // While A lives, B shows its IAM runs as running and does not run them.
    for a in ids {
        assert_eq!(
            task_status(&admin_b, &base_b, a, "iam").await["running"],
            true
        );
    }
    let same_tick = sync_all(&b, Trigger::Schedule).await;
    assert_eq!(tally(&same_tick, Task::Iam), (0, 2, 0), "{same_tick:?}");

    a_proc.kill().await;

    // A's records still say `running`, but nothing holds them any more.
    until("replica A's runs no longer shown running", || async {
        let mut any = false;
        for a in ids {
            any |= task_status(&admin_b, &base_b, a, "iam").await["running"] == true;
        }
        !any
    })
    .await;
    let left: i64 = scalar(
        &pool,
        "SELECT count(*) FROM sync_runs WHERE outcome = 'running'",
    )
    .await;
    assert_eq!(left, 2);
    let role1 = format!("arn:aws:iam::{}:role/eng-dev", ids[1]);
    let eng_b = signed_in(&base_b, ENGINEER).await;
    let on_b = asked(&eng_b, &base_b, &role1, read_logs_on(&role1)).await;

    // B's next run closes A's leftovers as interrupted and does the work.
    let next = sync_all(&b, Trigger::Manual).await;
    assert!(next.iter().all(|r| matches!(r.2, Ok(Some(_)))), "{next:?}");
    let interrupted: Vec<(String, Option<String>)> = rows(
        &pool,
        "SELECT outcome, error FROM sync_runs WHERE trigger = 'startup' AND task = 'iam'",
    )
    .await;
    let closed = (
        "failed".to_owned(),
        Some(latchkey::db::sync_runs::INTERRUPTED.to_owned()),
    );
    assert_eq!(interrupted, [closed.clone(), closed]);
    let left: i64 = scalar(
        &pool,
        "SELECT count(*) FROM sync_runs WHERE outcome = 'running'",
    )
    .await;
    assert_eq!(left, 0);
    for (a, mut want) in ids.into_iter().zip(before) {
        let new = format!("arn:aws:iam::{a}:role/eng-new");
        want.push(("role".into(), new.clone()));
        want.push(("roles table".into(), new));
        want.sort();
        assert_eq!(
            cached_arns(&pool, a).await,
            want,
            "each row once, none lost"
        );
        let iam_task = task_status(&admin_b, &base_b, a, "iam").await;
        assert_eq!(iam_task["last_outcome"], "success", "{iam_task}");
    }

    // Both requests are there, each with its one change, waiting for review.
    let stored: Vec<(String, String, i64)> = rows(
        &pool,
        "SELECT r.id::text, r.status, count(c.id) FROM requests r
         JOIN request_changes c ON c.request_id = r.id GROUP BY r.id ORDER BY r.created_at",
    )
    .await;
    let pending = |id: &str| (id.to_owned(), "pending".to_owned(), 1);
    assert_eq!(stored, [pending(&on_a), pending(&on_b)]);
}
