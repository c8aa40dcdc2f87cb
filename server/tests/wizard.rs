//! The self-service wizard's submission on Postgres + moto: intents become the
//! principal's merged least-privilege policy, the other account's bucket
//! policy is generated into the same request, temporary access carries its
//! DateLessThan condition, and applying both makes the access real in moto.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::jobs::sync::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn submit(c: &reqwest::Client, base: &str, body: Value) -> reqwest::Response {
    c.post(format!("{base}/api/submit_intents"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_read_grant_on_another_accounts_bucket_generates_its_bucket_policy(pool: PgPool) {
    let (home, other) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&home, &other])).await;
    create_role(&iam(&s, &home).await, "eng-etl", &[], &[]).await;
    let s3 = s
        .aws
        .spoke_s3(&app::domain::AccountId::parse(&other).unwrap())
        .await
        .unwrap();
    let bucket = format!("reports-{other}");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{home}:role/eng-etl");
    let eng = signed_in(&base, ENGINEER).await;

    let r = submit(
        &eng,
        &base,
        json!({
            "principal_arn": role,
            "justification": "Nightly ETL reads the reports",
            "intents": [{"resource": {"type": "s3_bucket", "bucket": bucket, "prefix": "daily/"},
                         "groups": ["s3_list", "s3_get"]}],
            "expires_at": null,
        }),
    )
    .await;
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    let id: String = serde_json::from_str(&body).unwrap();

    let rows: Vec<(String, String, bool, Value)> = sqlx::query_as(
        "SELECT kind, target_arn, generated, spec FROM request_changes WHERE request_id = $1::uuid ORDER BY position",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (kind, target, generated, spec) = &rows[0];
    assert_eq!(
        (kind.as_str(), target, *generated),
        ("inline_policy_put", &role, false)
    );
    assert_eq!(spec["policy_name"], "latchkey-access");
    let doc = spec["document"].to_string();
    assert!(
        doc.contains("s3:GetObject") && doc.contains(&format!("arn:aws:s3:::{bucket}/daily/*")),
        "{doc}"
    );
    let (kind, target, generated, spec) = &rows[1];
    assert_eq!(kind, "resource_policy_put");
    assert_eq!(target, &format!("arn:aws:s3:::{bucket}"));
    assert!(*generated);
    assert!(
        spec["document"].to_string().contains(&role),
        "the bucket policy names the role"
    );

    // Applied, the access exists on both sides.
    let admin = signed_in(&base, ADMIN).await;
    let r = admin
        .post(format!("{base}/api/approve_request"))
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let policy = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
    assert!(policy.policy().unwrap().contains(&role));
    let inline = iam(&s, &home)
        .await
        .get_role_policy()
        .role_name("eng-etl")
        .policy_name("latchkey-access")
        .send()
        .await
        .unwrap();
    assert!(inline.policy_document().contains("GetObject"));

    // A second grant merges into the same policy instead of adding another.
    let id2: String = submit(
        &eng,
        &base,
        json!({
            "principal_arn": role,
            "justification": "Also write the daily summaries",
            "intents": [{"resource": {"type": "s3_bucket", "bucket": bucket, "prefix": "daily/"}, "groups": ["s3_put"]}],
            "expires_at": "2099-01-01T00:00:00Z",
        }),
    )
    .await
    .json()
    .await
    .unwrap_or_default();
    assert!(
        id2.is_empty(),
        "an expiry more than 90 days away is refused"
    );
    let soon = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let r = submit(
        &eng,
        &base,
        json!({
            "principal_arn": role,
            "justification": "Also write the daily summaries",
            "intents": [{"resource": {"type": "s3_bucket", "bucket": bucket, "prefix": "daily/"}, "groups": ["s3_put"]}],
            "expires_at": soon,
        }),
    )
    .await;
    assert!(r.status().is_success());
    let id2: String = r.json().await.unwrap();
    let spec: Value = sqlx::query_scalar(
        "SELECT spec FROM request_changes WHERE request_id = $1::uuid AND position = 0",
    )
    .bind(&id2)
    .fetch_one(&pool)
    .await
    .unwrap();
    let doc = &spec["document"];
    let text = doc.to_string();
    assert!(text.contains("s3:GetObject"), "what it had is kept: {text}");
    assert!(text.contains("s3:PutObject"));
    assert!(
        text.contains("DateLessThan") && text.contains(&soon),
        "{text}"
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_wizard_refuses_roles_the_engineer_may_not_use_and_bad_intents(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&s, &a).await, "prod-admin", &[], &[]).await;
    create_role(&iam(&s, &a).await, "eng-app", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    let intent = json!([{"resource": {"type": "sqs_queue", "arn": format!("arn:aws:sqs:us-east-1:{a}:jobs")}, "groups": ["sqs_send"]}]);
    let r = submit(
        &eng,
        &base,
        json!({"principal_arn": format!("arn:aws:iam::{a}:role/prod-admin"),
        "justification": "Send jobs from prod", "intents": intent, "expires_at": null}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let bad = json!([{"resource": {"type": "sqs_queue", "arn": format!("arn:aws:sqs:us-east-1:{a}:jobs")}, "groups": ["s3_get"]}]);
    let r = submit(
        &eng,
        &base,
        json!({"principal_arn": format!("arn:aws:iam::{a}:role/eng-app"),
        "justification": "Mismatched group", "intents": bad, "expires_at": null}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Invalid"]["field"], "intents", "{body}");
    let r = submit(
        &eng,
        &base,
        json!({"principal_arn": format!("arn:aws:iam::{a}:role/eng-app"),
        "justification": "", "intents": intent, "expires_at": null}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}
