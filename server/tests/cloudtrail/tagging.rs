//! Owner and creator tags from CloudTrail's Create* events: added in AWS
//! where the resource lacks them (an existing owner tag is kept), on roles,
//! users, buckets, queues and topics; every write audited; each resource
//! once; nothing while `tag_resources` is off.
use super::*;
use latchkey::db::creators::CreatorRow;

async fn record_creations(pool: &PgPool, a: &str, arns: &[String]) {
    let rows: Vec<CreatorRow> = arns
        .iter()
        .map(|arn| CreatorRow {
            arn: arn.clone(),
            account_id: a.to_owned(),
            created_by: "erin@example.com".into(),
            creator_arn: format!("arn:aws:iam::{a}:role/Deploy"),
            event_name: "Create".into(),
            created_at: chrono::Utc::now(),
        })
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::creators::upsert(&mut conn, &rows)
        .await
        .unwrap();
}

fn pairs<'a>(it: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = it.map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    v.sort();
    v
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn created_resources_get_owner_and_creator_tags_without_losing_any(pool: PgPool) {
    let a = unique_account();
    let s = services(
        pool.clone(),
        config_with(
            &[&a],
            "\n[cloudtrail]\nbucket = \"trail\"\ntag_resources = true\n",
        ),
    )
    .await;
    let iam = iam(&s, &a).await;
    create_role(&iam, "eng-new", &[], &[("owner", "platform")]).await;
    iam.create_user().user_name("bot").send().await.unwrap();
    let s3 = s3(&s, &a).await;
    let bucket = format!("made-{a}");
    create_bucket(&s3, &bucket).await;
    tag_bucket(&s3, &bucket, "env", "dev").await;
    let sqs = sqs(&s, &a).await;
    let queue_url = create_queue(&sqs, "jobs", &[]).await;
    let sns = sns(&s, &a).await;
    let topic = create_topic(&sns, "events", &[]).await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let role = format!("arn:aws:iam::{a}:role/eng-new");
    let arns = [
        role.clone(),
        format!("arn:aws:iam::{a}:user/bot"),
        format!("arn:aws:s3:::{bucket}"),
        format!("arn:aws:sqs:us-east-1:{a}:jobs"),
        topic.clone(),
    ];
    record_creations(&pool, &a, &arns).await;

    let done = s.tag_created().await.unwrap();
    assert_eq!((done.tagged, done.unchanged, done.failed), (5, 0, 0));
    let erin = "erin@example.com";
    // The role keeps its owner; gets created-by.
    assert_eq!(role_tags(&iam, "eng-new").await.len(), 2);
    let role_live = iam
        .list_role_tags()
        .role_name("eng-new")
        .send()
        .await
        .unwrap();
    assert_eq!(
        pairs(role_live.tags().iter().map(|t| (t.key(), t.value()))),
        [
            ("created-by".to_owned(), erin.to_owned()),
            ("owner".to_owned(), "platform".to_owned())
        ]
    );
    let user_live = iam.list_user_tags().user_name("bot").send().await.unwrap();
    assert_eq!(
        pairs(user_live.tags().iter().map(|t| (t.key(), t.value()))).len(),
        2
    );
    let b = s3
        .get_bucket_tagging()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pairs(b.tag_set().iter().map(|t| (t.key(), t.value()))),
        [
            ("created-by".to_owned(), erin.to_owned()),
            ("env".to_owned(), "dev".to_owned()),
            ("owner".to_owned(), erin.to_owned())
        ],
        "the bucket's own tag is kept"
    );
    let q = sqs
        .list_queue_tags()
        .queue_url(&queue_url)
        .send()
        .await
        .unwrap();
    assert_eq!(q.tags().map(|t| t.len()), Some(2));
    let t = sns
        .list_tags_for_resource()
        .resource_arn(&topic)
        .send()
        .await
        .unwrap();
    assert_eq!(t.tags().len(), 2);
    // Audited, one row each; the cache shows the tags at once.
    let audited: i64 = scalar(&pool, "SELECT count(*) FROM audit_events WHERE action = 'resource.tagged' AND actor = 'latchkey' AND outcome = 'success'").await;
    assert_eq!(audited, 5);
    let cached: Value = scalar_of(&pool, "SELECT tags FROM roles WHERE arn = $1", &role).await;
    assert!(cached.to_string().contains("created-by"), "{cached}");
    // Each resource once.
    assert_eq!(s.tag_created().await.unwrap(), Default::default());
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn with_tagging_off_nothing_is_written(pool: PgPool) {
    let a = unique_account();
    let s = services(
        pool.clone(),
        config_with(&[&a], "\n[cloudtrail]\nbucket = \"trail\"\n"),
    )
    .await;
    let iam = iam(&s, &a).await;
    create_role(&iam, "eng-new", &[], &[]).await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    record_creations(&pool, &a, &[format!("arn:aws:iam::{a}:role/eng-new")]).await;
    assert_eq!(s.tag_created().await.unwrap(), Default::default());
    assert!(role_tags(&iam, "eng-new").await.is_empty());
}
