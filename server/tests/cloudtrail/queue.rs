//! The EventBridge -> SQS path.
use super::*;
use latchkey::services::denials::queue::poll_once;

/// A queue in `owner`'s account whose received messages come back after 1 s.
async fn queue(s: &Services, owner: &str) -> String {
    let sqs = sqs(s, owner).await;
    let url = create_queue(&sqs, &format!("denials-{}", uuid::Uuid::new_v4()), &[]).await;
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "1",
        )
        .send()
        .await
        .unwrap();
    url
}

async fn send(s: &Services, owner: &str, url: &str, body: &str) {
    sqs(s, owner)
        .await
        .send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .unwrap();
}

/// Bodies still on the queue (after their visibility timeout).
async fn left_on(s: &Services, owner: &str, url: &str) -> Vec<String> {
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let out = sqs(s, owner)
        .await
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    out.messages()
        .iter()
        .map(|m| m.body().unwrap_or_default().to_owned())
        .collect()
}

/// Polls until a receive comes back empty.
async fn drain(ingest: &DenialIngest) -> (usize, usize) {
    let (mut stored, mut kept) = (0, 0);
    loop {
        let out = poll_once(ingest, 0).await.unwrap();
        if out.received == 0 {
            return (stored, kept);
        }
        stored += out.stored;
        kept += out.kept;
    }
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn queued_denials_are_stored_then_deleted_and_a_bad_message_stays(pool: PgPool) {
    let (a, log) = (unique_account(), unique_account());
    let setup = services(pool.clone(), config(&[&a, &log])).await;
    let url = queue(&setup, &log).await;
    let keys = format!("queue_url = \"{url}\"\nread_as_account = \"{log}\"\nwait_seconds = 0");
    let (s, ingest) = ingest_for(&pool, &[&a, &log], &keys).await;
    let t = "2026-12-01T10:00:00Z";
    let deploy = |who: &str| format!("arn:aws:sts::{a}:assumed-role/Deploy/{who}");
    for body in [
        eventbridge(
            &record(&deploy("alice"), "s3.amazonaws.com", "GetObject", t),
            &a,
        ),
        eventbridge(
            &record(
                &deploy("bob"),
                "s3.amazonaws.com",
                "GetObject",
                "2026-12-01T11:00:00Z",
            ),
            &a,
        ),
        eventbridge(
            &record(
                &format!("arn:aws:iam::{a}:user/ci"),
                "s3.amazonaws.com",
                "PutObject",
                t,
            ),
            &a,
        ),
        eventbridge(
            &json!({"eventName": "GetObject", "eventSource": "s3.amazonaws.com"}),
            &a,
        ),
        "not an EventBridge event".to_owned(),
    ] {
        send(&s, &log, &url, &body).await;
    }
    let (stored_events, kept) = drain(&ingest).await;
    assert_eq!((stored_events, kept), (3, 1));
    let rows = stored(&pool, &a).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, format!("arn:aws:iam::{a}:role/Deploy"));
    assert_eq!(
        (rows[0].1.as_str(), rows[0].2.as_str()),
        ("s3:GetObject", "arn:aws:s3:::reports/q4.csv")
    );
    assert_eq!(rows[0].3, 2, "two events, one row");
    assert_eq!(rows[0].4, ["bob", "alice"], "latest session first");
    assert_eq!(
        (rows[1].0.clone(), rows[1].3),
        (format!("arn:aws:iam::{a}:user/ci"), 1)
    );
    // Every stored or non-denial message is gone; the bad one is still there.
    assert_eq!(left_on(&s, &log, &url).await, ["not an EventBridge event"]);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_message_whose_storage_failed_stays_on_the_queue_until_stored(pool: PgPool) {
    let (a, log) = (unique_account(), unique_account());
    let setup = services(pool.clone(), config(&[&a, &log])).await;
    let url = queue(&setup, &log).await;
    let keys = format!("queue_url = \"{url}\"\nread_as_account = \"{log}\"\nwait_seconds = 0");
    let (s, ingest) = ingest_for(&pool, &[&a, &log], &keys).await;
    let body = eventbridge(
        &record(
            &format!("arn:aws:sts::{a}:assumed-role/Deploy/x"),
            "sqs.amazonaws.com",
            "SendMessage",
            "2026-12-01T10:00:00Z",
        ),
        &a,
    );
    send(&s, &log, &url, &body).await;
    // Postgres unreachable: the poll fails and deletes nothing.
    let broken = DenialIngest {
        pool: sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(std::time::Duration::from_secs(1))
            .connect_lazy("postgres://postgres@127.0.0.1:1/nowhere")
            .unwrap(),
        ..ingest.clone()
    };
    assert!(poll_once(&broken, 0).await.is_err());
    assert!(stored(&pool, &a).await.is_empty());
    assert_eq!(
        left_on(&s, &log, &url).await,
        [body],
        "the message came back"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(drain(&ingest).await.0, 1);
    assert_eq!(stored(&pool, &a).await.len(), 1);
    assert!(left_on(&s, &log, &url).await.is_empty());
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_message_cannot_file_a_denial_under_an_account_it_only_claims(pool: PgPool) {
    let (a, log, stranger) = (unique_account(), unique_account(), unique_account());
    let setup = services(pool.clone(), config(&[&a, &log])).await;
    let url = queue(&setup, &log).await;
    let keys = format!("queue_url = \"{url}\"\nread_as_account = \"{log}\"\nwait_seconds = 0");
    let (s, ingest) = ingest_for(&pool, &[&a, &log], &keys).await;
    let t = "2026-12-01T10:00:00Z";
    // The envelope says managed account `a`; the record says a stranger.
    let forged = record(
        &format!("arn:aws:sts::{stranger}:assumed-role/Admin/mallory"),
        "iam.amazonaws.com",
        "CreateUser",
        t,
    );
    send(&s, &log, &url, &eventbridge(&forged, &a)).await;
    // And the other way round: the record is `a`'s, the envelope a stranger's.
    let real = record(
        &format!("arn:aws:sts::{a}:assumed-role/Deploy/alice"),
        "s3.amazonaws.com",
        "GetObject",
        t,
    );
    send(&s, &log, &url, &eventbridge(&real, &stranger)).await;
    drain(&ingest).await;
    assert!(stored(&pool, &stranger).await.is_empty());
    let rows = stored(&pool, &a).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].0,
        format!("arn:aws:iam::{a}:role/Deploy"),
        "filed under the record's principal"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM denials")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        n, 1,
        "nothing filed under the stranger or the claimed account's name"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn creations_on_the_queue_record_who_created_what_and_pages_say_so(pool: PgPool) {
    let (a, log, elsewhere) = (unique_account(), unique_account(), unique_account());
    let setup = services(pool.clone(), config(&[&a, &log])).await;
    create_role(&iam(&setup, &a).await, "eng-new", &[], &[]).await;
    let url = queue(&setup, &log).await;
    let keys = format!("queue_url = \"{url}\"\nread_as_account = \"{log}\"\nwait_seconds = 0");
    let (s, ingest) = ingest_for(&pool, &[&a, &log], &keys).await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let created = |account: &str, source: &str, name: &str, request: Value, response: Value| {
        let mut r = record(
            &format!("arn:aws:sts::{a}:assumed-role/Deploy/erin@example.com"),
            source,
            name,
            "2026-12-01T10:00:00Z",
        );
        r.as_object_mut().unwrap().remove("errorCode");
        r["recipientAccountId"] = json!(account);
        r["requestParameters"] = request;
        r["responseElements"] = response;
        eventbridge(&r, account)
    };
    let role = format!("arn:aws:iam::{a}:role/eng-new");
    for body in [
        created(
            &a,
            "iam.amazonaws.com",
            "CreateRole",
            json!({"roleName": "eng-new"}),
            json!({"role": {"arn": role}}),
        ),
        created(
            &a,
            "s3.amazonaws.com",
            "CreateBucket",
            json!({"bucketName": "reports-new"}),
            Value::Null,
        ),
        // Not an account Latchkey manages: not kept.
        created(
            &elsewhere,
            "sns.amazonaws.com",
            "CreateTopic",
            json!({"name": "t"}),
            json!({"topicArn": format!("arn:aws:sns:us-east-1:{elsewhere}:t")}),
        ),
    ] {
        send(&s, &log, &url, &body).await;
    }
    drain(&ingest).await;
    let rows: Vec<(String, String, String)> = rows(
        &pool,
        "SELECT arn, created_by, creator_arn FROM creators ORDER BY arn",
    )
    .await;
    let deploy = format!("arn:aws:iam::{a}:role/Deploy");
    assert_eq!(
        rows,
        [
            (role.clone(), "erin@example.com".to_owned(), deploy.clone()),
            (
                "arn:aws:s3:::reports-new".to_owned(),
                "erin@example.com".to_owned(),
                deploy.clone()
            ),
        ]
    );
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let form = [("account", a.as_str()), ("name", "eng-new")];
    let detail: Value = eng.post_form_json(format!("{base}/api/role"), &form).await;
    assert_eq!(
        detail["created_by"],
        format!("erin@example.com (as {deploy}) on 2026-12-01 10:00 UTC")
    );
    assert_eq!(
        left_on(&s, &log, &url).await,
        Vec::<String>::new(),
        "every message handled"
    );
}
