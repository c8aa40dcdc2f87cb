//! What a sync caches: roles across spoke accounts (removals, idempotence), buckets, queues and topics with policies and tags, role boundaries and creation, and a no-op IAM re-sync.
use super::*;

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
    let pol = create_policy(&iam_a, "Shared", doc).await;
    iam_a
        .attach_role_policy()
        .role_name("app")
        .policy_arn(&pol)
        .send()
        .await
        .unwrap();
    create_role(&iam_b, "eng-writer", &[], &[("env", "b")]).await;

    let results = sync_all(&s, Trigger::Manual).await;
    assert_eq!(results.len(), 8, "four tasks for each of two accounts");
    for (task, acct, r) in &results {
        assert!(r.as_ref().unwrap().is_some(), "{task:?} {acct} synced");
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
    let second = run_task(&s, Task::Iam, &a).await;
    // items: two roles and the managed policy
    assert_eq!((second.items, second.changed, second.removed), (3, 0, 1));
    assert_eq!(cached(&pool, &a).await.len(), 2);

    // Nothing changed in AWS: nothing changes in the cache.
    let third = run_task(&s, Task::Iam, &a).await;
    assert_eq!((third.changed, third.removed), (0, 0));

    let runs: Vec<(String, String, i32)> = rows(
        &pool,
        "SELECT account_id, outcome, items FROM sync_runs WHERE task = 'iam' ORDER BY id",
    )
    .await;
    assert_eq!(runs.len(), 4, "every run is recorded: {runs:?}");
    assert!(runs.iter().all(|r| r.1 == "success"));
}

async fn resources(
    pool: &PgPool,
    account: &str,
    kind: &str,
) -> Vec<(String, Value, Option<Value>)> {
    let sql = "SELECT name, tags, policy FROM resources WHERE account_id = $1 AND kind = $2 ORDER BY name";
    rows_with(pool, sql, &[account, kind]).await
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn buckets_queues_and_topics_are_cached_with_policies_and_tags(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let (s3, sqs, sns) = (s3(&s, &a).await, sqs(&s, &a).await, sns(&s, &a).await);
    let bucket = format!("b-{a}");
    create_bucket(&s3, &bucket).await;
    let bpol = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{a}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    );
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(&bpol)
        .send()
        .await
        .unwrap();
    tag_bucket(&s3, &bucket, "env", "test").await;
    create_bucket(&s3, &format!("plain-{a}")).await;

    let qurl = create_queue(&sqs, "jobs", &[("team", "data")]).await;
    let qpol = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:{a}:jobs"}}]}}"#
    );
    sqs.set_queue_attributes()
        .queue_url(&qurl)
        .attributes(aws_sdk_sqs::types::QueueAttributeName::Policy, &qpol)
        .send()
        .await
        .unwrap();

    let topic = create_topic(&sns, "events", &[("env", "test")]).await;

    for task in [Task::S3, Task::Sqs, Task::Sns] {
        let o = run_task(&s, task, &a).await;
        assert!(o.items >= 1 && o.changed == o.items, "{task:?}: {o:?}");
    }
    let buckets = resources(&pool, &a, "s3_bucket").await;
    assert_eq!(buckets.len(), 2);
    let b = buckets.iter().find(|b| b.0 == bucket).unwrap();
    assert_eq!(b.1, serde_json::json!([{ "key": "env", "value": "test" }]));
    assert_eq!(
        b.2.as_ref().unwrap(),
        &serde_json::from_str::<Value>(&bpol).unwrap()
    );
    assert!(
        buckets
            .iter()
            .find(|b| b.0.starts_with("plain-"))
            .unwrap()
            .2
            .is_none(),
        "no policy is None"
    );

    let queues = resources(&pool, &a, "sqs_queue").await;
    assert_eq!(queues[0].0, "jobs");
    assert_eq!(queues[0].1[0]["key"], "team");
    // moto re-serialises SQS policies: compare parsed JSON, not strings.
    assert_eq!(
        queues[0].2.as_ref().unwrap(),
        &serde_json::from_str::<Value>(&qpol).unwrap()
    );

    let topics = resources(&pool, &a, "sns_topic").await;
    assert_eq!(topics[0].0, "events");
    assert_eq!(topics[0].1[0]["value"], "test");
    assert!(
        topics[0].2.as_ref().unwrap()["Statement"].is_array(),
        "default topic policy cached"
    );

    // Second pass: nothing changed. Then a deleted queue and topic disappear.
    for task in [Task::S3, Task::Sqs, Task::Sns] {
        let o = run_task(&s, task, &a).await;
        assert_eq!((o.changed, o.removed), (0, 0), "{task:?} idempotent");
    }
    sqs.delete_queue().queue_url(&qurl).send().await.unwrap();
    sns.delete_topic().topic_arn(&topic).send().await.unwrap();
    assert_eq!(run_task(&s, Task::Sqs, &a).await.removed, 1);
    assert_eq!(run_task(&s, Task::Sns, &a).await.removed, 1);
    assert!(resources(&pool, &a, "sqs_queue").await.is_empty());
    assert!(resources(&pool, &a, "sns_topic").await.is_empty());
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn role_boundary_and_creation_are_cached_and_shown(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    let boundary = create_policy(
        &iam,
        "Boundary",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    )
    .await;
    iam.create_role()
        .role_name("eng-bounded")
        .assume_role_policy_document(TRUST)
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    let role: Value = eng
        .post_form_json(
            format!("{base}/api/role"),
            &[("account", a.as_str()), ("name", "eng-bounded")],
        )
        .await;
    assert_eq!(role["boundary_arn"], boundary);
    assert!(role["created"].as_str().unwrap().ends_with("UTC"), "{role}");
}

/// Latchkey's own use of the spoke role (every sync assumes it) is not a
/// change in the account: an unchanged account re-syncs with `changed = 0`.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_no_op_iam_resync_changes_nothing_though_the_sync_used_the_spoke_role(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam_a = iam(&s, &a).await;
    create_role(&iam_a, "LatchkeySpoke", &[], &[]).await;
    create_role(&iam_a, "eng-app", &[], &[]).await;
    let run = || async { run_task(&s, Task::Iam, &a).await };
    let first = run().await;
    assert_eq!(first.items, 2);
    for _ in 0..2 {
        let again = run().await;
        assert_eq!((again.changed, again.removed), (0, 0), "{again:?}");
    }
}
