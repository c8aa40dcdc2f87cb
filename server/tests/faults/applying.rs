//! A server process killed (SIGKILL) between claiming a change and recording
//! its outcome: AWS had already applied it, nobody recorded that. The change
//! is not lost (it stays `applying` until the sweeper's recovery marks it
//! failed and retryable, once, however many replicas sweep), and the retry
//! does not apply it twice. `audit_trail.rs` has the same recovery with the
//! claim written by hand; here a real process is cut off mid-call.
use super::*;
use latchkey::services::requests::{recover_stuck, STUCK_AFTER};
use std::sync::Arc;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_change_whose_server_was_killed_mid_apply_is_recovered_once_and_never_applied_twice(
    pool: PgPool,
) {
    let a = unique_account();
    let survivor = services(pool.clone(), config(&[&a])).await;
    let iam_a = iam(&survivor, &a).await;
    create_role(&iam_a, "eng-dev", &[], &[]).await;
    latchkey::services::sync::engine::sync_all(
        &survivor,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let role = format!("arn:aws:iam::{a}:role/eng-dev");

    // The replica that dies reaches AWS through a proxy that passes the
    // policy write on and keeps AWS's answer back.
    let stub = Arc::new(Stub::default());
    stub.hang("PutRolePolicy");
    let aws = start_stub(stub.clone()).await;
    let toml = config_toml_in(&[&a], &[], NO_SCHEDULE);
    let mut doomed = ServerProcess::start(&toml, &database_url(&pool), &aws).await;
    let eng = signed_in(&doomed.base, ENGINEER).await;
    let id = asked(&eng, &doomed.base, &role, read_logs_on(&role)).await;
    let admin = signed_in(&doomed.base, ADMIN).await;
    let approve = admin
        .post(format!("{}/api/approve_request", doomed.base))
        .form(&[("id", id.as_str())])
        .send();
    let approving = tokio::spawn(approve);
    stub.hung("PutRolePolicy", 1).await;
    assert_eq!(change_status(&pool, &id).await, "applying");
    assert_eq!(inline_policy_names(&iam_a, "eng-dev").await, ["read-logs"]);
    doomed.kill().await;
    assert!(
        approving.await.unwrap().is_err(),
        "the approver saw it fail"
    );

    // Nothing recorded the outcome; the change is neither lost nor done.
    let (status, attempts): (String, i32) = row_of(
        &pool,
        "SELECT status, attempts FROM request_changes WHERE request_id = $1::uuid",
        &id,
    )
    .await;
    assert_eq!((status.as_str(), attempts), ("applying", 1));

    // Once it has been applying too long, two replicas' sweepers look at
    // once: exactly one marks it failed, retryable.
    let other = services(pool.clone(), config(&[&a])).await;
    let later = chrono::Utc::now() + STUCK_AFTER + chrono::Duration::minutes(1);
    let (x, y) = tokio::join!(
        recover_stuck(&survivor, later),
        recover_stuck(&other, later)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1, "recovered exactly once");
    let (status, error) = change_outcome(&pool, &id).await;
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("interrupted while applying"));

    // The approver retries on the replica that lives: AWS already holds the
    // policy, and still holds its statement once.
    let base = spawn_http(survivor.clone()).await;
    let admin = signed_in(&base, ADMIN).await;
    let r = approve_all(&admin, &base, &id).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (status, attempts): (String, i32) = row_of(
        &pool,
        "SELECT status, attempts FROM request_changes WHERE request_id = $1::uuid",
        &id,
    )
    .await;
    assert_eq!((status.as_str(), attempts), ("applied", 2));
    let held = inline_policy(&iam_a, "eng-dev", "read-logs").await;
    let granted: Value = serde_json::from_str(READ_LOGS).unwrap();
    assert_eq!(
        held["Statement"], granted["Statement"],
        "the statement once"
    );
    let cached: Value = scalar_of(
        &pool,
        "SELECT inline_policies FROM roles WHERE arn = $1",
        &role,
    )
    .await;
    assert_eq!(texts(&cached, "name"), ["read-logs"]);

    // Its history says what happened: one interruption (the sweeper's),
    // one application.
    let events: Vec<(String, String)> = rows_of(
        &pool,
        "SELECT action, actor FROM audit_events
         WHERE action IN ('request.change.failed', 'request.change.applied') AND target = $1
         ORDER BY id",
        &role,
    )
    .await;
    let sweeper = latchkey::services::requests::SWEEPER.to_owned();
    assert_eq!(
        events,
        [
            ("request.change.failed".to_owned(), sweeper),
            ("request.change.applied".to_owned(), ADMIN.to_owned()),
        ]
    );
}
