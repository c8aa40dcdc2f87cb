//! The role sync against moto and Postgres.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::jobs::sync::{sync_account, sync_all, Trigger};
use serde_json::Value;
use sqlx::PgPool;

async fn cached(pool: &PgPool, account: &str) -> Vec<(String, Value, Value, Value)> {
    sqlx::query_as(
        "SELECT name, inline_policies, managed_policies, tags FROM roles WHERE account_id = $1 ORDER BY name",
    )
    .bind(account)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn sync_caches_two_spoke_accounts_removes_deleted_roles_and_is_idempotent(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&a, &b])).await;
    let iam_a = iam(&s, &a).await;
    let iam_b = iam(&s, &b).await;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/with space+plus/*"}]}"#;
    create_role(
        &iam_a,
        "eng-reader",
        &[("read", doc)],
        &[("team", "data"), ("owner", "erin")],
    )
    .await;
    create_role(&iam_a, "eng-temp", &[], &[]).await;
    create_role(&iam_a, "app", &[], &[]).await;
    let pol = iam_a
        .create_policy()
        .policy_name("Shared")
        .policy_document(doc)
        .send()
        .await
        .unwrap();
    iam_a
        .attach_role_policy()
        .role_name("app")
        .policy_arn(pol.policy().unwrap().arn().unwrap())
        .send()
        .await
        .unwrap();
    create_role(&iam_b, "eng-writer", &[], &[("env", "b")]).await;

    let results = sync_all(&s, Trigger::Manual).await;
    assert_eq!(results.len(), 2);
    for (acct, r) in &results {
        assert!(r.as_ref().unwrap().is_some(), "{acct} synced");
    }
    let rows_a = cached(&pool, &a).await;
    let names: Vec<&str> = rows_a.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["app", "eng-reader", "eng-temp"]);
    assert_eq!(
        cached(&pool, &b).await.len(),
        1,
        "account B holds only its own role"
    );

    // Inline policy decoded from IAM's URL-encoded form; tags sorted; managed policy with document.
    let reader = &rows_a[1];
    assert_eq!(reader.1[0]["name"], "read");
    assert_eq!(
        reader.1[0]["document"]["Statement"][0]["Resource"],
        "arn:aws:s3:::bucket/with space+plus/*"
    );
    assert_eq!(reader.3[0]["key"], "owner");
    assert_eq!(reader.3[1]["value"], "data");
    let app = &rows_a[0];
    assert_eq!(app.2[0]["name"], "Shared");
    assert_eq!(
        app.2[0]["document"]["Statement"][0]["Action"],
        "s3:GetObject"
    );

    // A role deleted in AWS disappears from the cache.
    iam_a
        .delete_role()
        .role_name("eng-temp")
        .send()
        .await
        .unwrap();
    let acct_a = app::domain::AccountId::parse(&a).unwrap();
    let second = sync_account(&s, &acct_a, Trigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((second.items, second.changed, second.removed), (2, 0, 1));
    assert_eq!(cached(&pool, &a).await.len(), 2);

    // Nothing changed in AWS: nothing changes in the cache.
    let third = sync_account(&s, &acct_a, Trigger::Manual)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((third.changed, third.removed), (0, 0));

    let runs: Vec<(String, String, i32)> =
        sqlx::query_as("SELECT account_id, outcome, items FROM sync_runs ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(runs.len(), 4, "every run is recorded: {runs:?}");
    assert!(runs.iter().all(|r| r.1 == "success"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_concurrent_run_of_the_same_account_is_skipped(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    // Hold the account's sync lock as another replica would.
    let mut other = pool.begin().await.unwrap();
    let _: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext($1))")
        .bind(format!("iam_roles:{a}"))
        .fetch_one(&mut *other)
        .await
        .unwrap();
    let acct = app::domain::AccountId::parse(&a).unwrap();
    assert_eq!(
        sync_account(&s, &acct, Trigger::Schedule).await.unwrap(),
        None
    );
    other.rollback().await.unwrap();
    assert!(sync_account(&s, &acct, Trigger::Schedule)
        .await
        .unwrap()
        .is_some());
}
