//! AWS answers moto never gives, item by item: a bucket in another region
//! is read and written there (real AWS redirects a call made from the wrong
//! region), and one item that cannot be read keeps its cached row without
//! failing the run, which counts it for the admin.
use super::*;
use latchkey::config::HttpUrl;
use std::sync::Arc;

const DENIED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>"#;

const REDIRECT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><RequestId>R2</RequestId></Error>"#;

/// Services whose AWS calls pass through `stub`.
async fn through(pool: &PgPool, account: &str, stub: &Arc<Stub>) -> Services {
    let mut cfg = config(&[account]);
    cfg.aws.endpoint_url = Some(HttpUrl::try_from(start_stub(stub.clone()).await).unwrap());
    services(pool.clone(), cfg).await
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_bucket_in_another_region_is_read_in_its_own(pool: PgPool) {
    let a = unique_account();
    let direct = services(pool.clone(), config(&[&a])).await;
    let s3 = s3(&direct, &a).await;
    let far = format!("far-{a}");
    s3.create_bucket()
        .bucket(&far)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    tag_bucket(&s3, &far, "team", "blue").await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::BUCKET"}]}"#
        .replace("BUCKET", &far);
    s3.put_bucket_policy()
        .bucket(&far)
        .policy(&policy)
        .send()
        .await
        .unwrap();
    create_bucket(&s3, &format!("home-{a}")).await;

    // As AWS does: the far bucket's policy asked from us-east-1 is a redirect.
    let stub = Arc::new(Stub::default());
    stub.answer_all(
        &[&far, "policy", "/us-east-1/s3/"],
        usize::MAX,
        (301, "application/xml", REDIRECT),
    );
    let s = through(&pool, &a, &stub).await;
    let wrong_region = super::common::s3(&s, &a)
        .await
        .get_bucket_policy()
        .bucket(&far)
        .send()
        .await;
    assert!(wrong_region.is_err(), "the proxy redirects as AWS does");
    let o = run_task(&s, Task::S3, &a).await;
    assert_eq!((o.items, o.item_errors), (2, 0), "{o:?}");
    let (details, tags, cached): (Value, Value, Value) = row_of(
        &pool,
        "SELECT details, tags, policy FROM resources WHERE name = $1",
        &far,
    )
    .await;
    assert_eq!(details["region"], "eu-west-1");
    assert_eq!(
        texts(&tags, "value"),
        ["blue"],
        "tags read in its region too"
    );
    assert_eq!(cached["Statement"][0]["Action"], "s3:DeleteBucket");
    let home: Value = scalar_of(
        &pool,
        "SELECT details FROM resources WHERE name = $1",
        &format!("home-{a}"),
    )
    .await;
    assert_eq!(home["region"], "us-east-1");

    // An approved policy change is written in the bucket's region as well.
    let new_policy: Value =
        serde_json::from_str(&policy.replace("DeleteBucket", "PutLifecycleConfiguration")).unwrap();
    let spec = app::domain::change::ChangeSpec::ResourcePolicyPut {
        document: new_policy,
    };
    let acct = app::domain::AccountId::parse(&a).unwrap();
    s.writer
        .apply(&acct, &format!("arn:aws:s3:::{far}"), &spec)
        .await
        .unwrap();
    assert!(bucket_policy(&s3, &far)
        .await
        .contains("s3:PutLifecycleConfiguration"));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_unreadable_item_keeps_its_row_and_the_run_counts_it(pool: PgPool) {
    let a = unique_account();
    let direct = services(pool.clone(), config(&[&a])).await;
    let s3c = s3(&direct, &a).await;
    let (open, shut) = (format!("open-{a}"), format!("shut-{a}"));
    for b in [&open, &shut] {
        create_bucket(&s3c, b).await;
    }
    tag_bucket(&s3c, &shut, "team", "red").await;
    run_task(&direct, Task::S3, &a).await;

    // Later the shut bucket's policy is denied, and a new bucket appears.
    let stub = Arc::new(Stub::default());
    let denied = (403, "application/xml", DENIED);
    stub.answer_all(&[&shut, "policy"], usize::MAX, denied);
    create_bucket(&s3c, &format!("new-{a}")).await;
    let s = through(&pool, &a, &stub).await;
    let o = run_task(&s, Task::S3, &a).await;
    assert_eq!((o.items, o.item_errors, o.removed), (2, 1, 0), "{o:?}");
    let names: Vec<String> = scalars_of(
        &pool,
        "SELECT name FROM resources WHERE account_id = $1 ORDER BY name",
        &a,
    )
    .await;
    assert_eq!(names, [format!("new-{a}"), open.clone(), shut.clone()]);
    let tags: Value = scalar_of(&pool, "SELECT tags FROM resources WHERE name = $1", &shut).await;
    assert_eq!(texts(&tags, "value"), ["red"], "its cached row unchanged");
    let (outcome, errors, sample): (String, i32, Value) = row_of(
        &pool,
        "SELECT outcome, item_errors, item_error_sample FROM sync_runs
         WHERE account_id = $1 AND task = 's3' ORDER BY id DESC LIMIT 1",
        &a,
    )
    .await;
    assert_eq!((outcome.as_str(), errors), ("success", 1));
    assert_eq!(sample[0]["arn"], format!("arn:aws:s3:::{shut}"));
    let why = sample[0]["error"].as_str().unwrap();
    assert!(why.contains("Access Denied"), "{why}");

    // The admin sees it on the sync page's data.
    let base = spawn_http(s.clone()).await;
    let admin = signed_in(&base, ADMIN).await;
    let t = task_status(&admin, &base, "s3").await;
    assert_eq!(t["item_errors"], 1, "{t}");
    let line = t["item_error_sample"][0].as_str().unwrap();
    assert!(
        line.starts_with(&format!("arn:aws:s3:::{shut}: ")),
        "{line}"
    );

    // Every item refused: the account as a whole refuses, and the run fails
    // with nothing removed.
    stub.answer("policy", usize::MAX, denied);
    let acct = app::domain::AccountId::parse(&a).unwrap();
    let run = sync_account(&s, Task::S3, &acct, Trigger::Manual).await;
    assert!(run.is_err(), "{run:?}");
    let left: i64 = scalar_of(
        &pool,
        "SELECT count(*) FROM resources WHERE account_id = $1",
        &a,
    )
    .await;
    assert_eq!(left, 3);
}
