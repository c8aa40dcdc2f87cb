//! The self-service wizard's submission on Postgres + moto: intents become the
//! principal's merged least-privilege policy, the other account's bucket
//! policy is generated into the same request, temporary access carries its
//! DateLessThan condition, and applying both makes the access real in moto.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn submit(c: &reqwest::Client, base: &str, body: Value) -> reqwest::Response {
    c.post_json_body(format!("{base}/api/submit_intents"), &body)
        .await
}

/// The id `submit_intents` answers (a refusal's answer is no id: it fails).
async fn submitted(c: &reqwest::Client, base: &str, body: Value) -> String {
    json_of(submit(c, base, body).await).await
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_read_grant_on_another_accounts_bucket_generates_its_bucket_policy(pool: PgPool) {
    let (home, other) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&home, &other])).await;
    create_role(&iam(&s, &home).await, "eng-etl", &[], &[]).await;
    let s3 = s3(&s, &other).await;
    let bucket = format!("reports-{other}");
    create_bucket(&s3, &bucket).await;
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

    let rows: Vec<(String, String, bool, Value)> = rows_of(&pool, "SELECT kind, target_arn, generated, spec FROM request_changes WHERE request_id = $1::uuid ORDER BY position", &id).await;
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
    let r = approve_all(&admin, &base, id.as_str()).await;
    assert!(r.status().is_success());
    let policy = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
    assert!(policy.policy().unwrap().contains(&role));
    let inline = inline_policy(&iam(&s, &home).await, "eng-etl", "latchkey-access").await;
    assert!(inline.to_string().contains("GetObject"));

    // A second grant merges into the same policy instead of adding another.
    let put = |expires_at: Value| {
        let body = json!({
            "principal_arn": role,
            "justification": "Also write the daily summaries",
            "intents": [{"resource": {"type": "s3_bucket", "bucket": bucket, "prefix": "daily/"}, "groups": ["s3_put"]}],
            "expires_at": expires_at,
        });
        submit(&eng, &base, body)
    };
    let id2: String = put(json!("2099-01-01T00:00:00Z"))
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
    let r = put(json!(soon)).await;
    assert!(r.status().is_success());
    let id2: String = r.json().await.unwrap();
    let spec: Value = scalar_of(
        &pool,
        "SELECT spec FROM request_changes WHERE request_id = $1::uuid AND position = 0",
        &id2,
    )
    .await;
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
    let (_, a, base) = served(&pool, &["prod-admin", "eng-app"]).await.into_parts();
    let eng = signed_in(&base, ENGINEER).await;
    let queue = format!("arn:aws:sqs:us-east-1:{a}:jobs");
    let intent =
        |group: &str| json!([{"resource": {"type": "sqs_queue", "arn": queue}, "groups": [group]}]);
    let ask = |role: &str, why: &str, intents: Value| {
        let body = json!({"principal_arn": format!("arn:aws:iam::{a}:role/{role}"),
            "justification": why, "intents": intents, "expires_at": null});
        submit(&eng, &base, body)
    };
    let r = ask("prod-admin", "Send jobs from prod", intent("sqs_send")).await;
    assert_eq!(r.status(), 403);
    let r = ask("eng-app", "Mismatched group", intent("s3_get")).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Invalid"]["field"], "intents", "{body}");
    let r = ask("eng-app", "", intent("sqs_send")).await;
    assert_eq!(r.status(), 400);
    let stored: i64 = scalar(&pool, "SELECT count(*) FROM requests").await;
    assert_eq!(stored, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_sweeper_removes_expired_statements_and_records_it(pool: PgPool) {
    let (s, a, base) = served(&pool, &["eng-etl"]).await.into_parts();
    let role = format!("arn:aws:iam::{a}:role/eng-etl");
    let queue = format!("arn:aws:sqs:us-east-1:{a}:jobs");
    let eng = signed_in(&base, ENGINEER).await;
    let ask = |groups: Value, expires: Option<String>| {
        json!({"principal_arn": role, "justification": "Send the nightly jobs",
               "intents": [{"resource": {"type": "sqs_queue", "arn": queue}, "groups": groups}],
               "expires_at": expires})
    };
    let admin = signed_in(&base, ADMIN).await;
    let approve = |id: String| {
        let (admin, base) = (admin.clone(), base.clone());
        async move {
            let r = approve_all(&admin, &base, id.as_str()).await;
            assert!(r.status().is_success());
        }
    };
    // A permanent grant, then a temporary one merged into the same policy.
    let id: String = submitted(&eng, &base, ask(json!(["sqs_send"]), None)).await;
    approve(id).await;
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let id: String = submitted(&eng, &base, ask(json!(["sqs_receive"]), Some(soon))).await;
    approve(id.clone()).await;
    let read = || async {
        let iam = iam(&s, &a).await;
        inline_policy(&iam, "eng-etl", "latchkey-access")
            .await
            .to_string()
    };
    assert!(read().await.contains("sqs:ReceiveMessage"));

    // Not yet due: nothing happens.
    let sweep = |at| latchkey::services::requests::sweep_expired(&s, at);
    assert_eq!(sweep(chrono::Utc::now()).await.unwrap(), 0);
    // Due: the temporary statement goes, the permanent one stays, and it is recorded.
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    assert_eq!(sweep(later).await.unwrap(), 1);
    let now = read().await;
    assert!(!now.contains("sqs:ReceiveMessage"), "{now}");
    assert!(now.contains("sqs:SendMessage"), "{now}");
    let (kind, actor): (String, String) = row_of(&pool, "SELECT kind, actor FROM request_events WHERE request_id = $1::uuid ORDER BY id DESC LIMIT 1", &id).await;
    assert_eq!(
        (kind.as_str(), actor.as_str()),
        ("change.expired", latchkey::services::requests::SWEEPER)
    );
    // Swept once only.
    assert_eq!(sweep(later).await.unwrap(), 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_read_only_ask_in_a_rules_account_is_approved_and_applied_by_the_rule(pool: PgPool) {
    let a = unique_account();
    let extra =
        "\n[[requests.auto_approve]]\nname = \"read-only in acct0\"\naccounts = [\"acct0\"]\n";
    let s = services(pool.clone(), config_with(&[&a], extra)).await;
    create_role(&iam(&s, &a).await, "eng-etl", &[], &[]).await;
    create_bucket(&s3(&s, &a).await, &format!("data-{a}")).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-etl");
    let eng = signed_in(&base, ENGINEER).await;
    let ask = |groups: Value| {
        json!({"principal_arn": role, "justification": "Read the data for the report",
               "intents": [{"resource": {"type": "s3_bucket", "bucket": format!("data-{a}")}, "groups": groups}],
               "expires_at": null})
    };
    let read: String = submitted(&eng, &base, ask(json!(["s3_list", "s3_get"]))).await;
    let (status, rule): (String, Option<String>) = row_of(
        &pool,
        "SELECT status, auto_rule FROM request_changes WHERE request_id = $1::uuid",
        &read,
    )
    .await;
    assert_eq!(
        (status.as_str(), rule.as_deref()),
        ("applied", Some("read-only in acct0"))
    );
    let inline = iam(&s, &a)
        .await
        .list_role_policies()
        .role_name("eng-etl")
        .send()
        .await
        .unwrap();
    assert_eq!(inline.policy_names(), ["latchkey-access"]);

    // Writing is not read-only: it waits for a person.
    let write: String = submitted(&eng, &base, ask(json!(["s3_put"]))).await;
    assert_eq!(change_status(&pool, &write).await, "pending");
}
