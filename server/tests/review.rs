//! The review workflow on Postgres + moto: every change kind applied and
//! visible in AWS, edit-then-apply, failure and retry, withdraw, comments,
//! and who may do which review action.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::jobs::sync::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;

const READ_LOGS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadLogs","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}]}"#;

struct World {
    s: latchkey::services::Services,
    account: String,
    role: String,
    base: String,
}

async fn world(pool: &PgPool) -> World {
    world_with(pool, "").await
}

/// A world whose `[auth]` table also holds `auth_keys`.
async fn world_with(pool: &PgPool, auth_keys: &str) -> World {
    let a = unique_account();
    let s = services(pool.clone(), config_auth(&[&a], auth_keys, "")).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[("old", READ_LOGS)], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    World {
        role: format!("arn:aws:iam::{a}:role/eng-dev"),
        account: a,
        s,
        base,
    }
}

async fn submit(
    c: &reqwest::Client,
    base: &str,
    principal: &str,
    changes: Value,
) -> reqwest::Response {
    c.post(format!("{base}/api/submit_request"))
        .json(&json!({
            "principal_arn": principal,
            "justification": "Needed for the billing migration",
            "changes": changes,
        }))
        .send()
        .await
        .unwrap()
}

async fn submitted(c: &reqwest::Client, base: &str, principal: &str, changes: Value) -> String {
    let r = submit(c, base, principal, changes).await;
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    serde_json::from_str::<String>(&body).unwrap()
}

async fn review(c: &reqwest::Client, base: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(format!("{base}/api/review_request"))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn changes(pool: &PgPool, id: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT id::text, status, error FROM request_changes WHERE request_id = $1::uuid ORDER BY position",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn apply(c: &reqwest::Client, base: &str, id: &str, change: &str) -> reqwest::Response {
    review(
        c,
        base,
        &[("id", id), ("action", "apply"), ("change_id", change)],
    )
    .await
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn every_change_kind_is_applied_and_visible_in_moto(pool: PgPool) {
    let w = world_with(&pool, "allow_admin_self_approval = true").await;
    let a = &w.account;
    let iam = iam(&w.s, a).await;
    let policy_arn = create_policy(&iam, "shared-read", READ_LOGS).await;
    let acct = app::domain::AccountId::parse(a).unwrap();
    let s3 = w.s.aws.spoke_s3(&acct).await.unwrap();
    s3.create_bucket()
        .bucket(format!("data-{a}"))
        .send()
        .await
        .unwrap();
    let sqs = w.s.aws.spoke_sqs(&acct).await.unwrap();
    sqs.create_queue().queue_name("jobs").send().await.unwrap();
    let sns = w.s.aws.spoke_sns(&acct).await.unwrap();
    let topic = sns
        .create_topic()
        .name("alerts")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sync_all(&w.s, Trigger::Manual).await;

    let bucket = format!("arn:aws:s3:::data-{a}");
    let queue = format!("arn:aws:sqs:us-east-1:{a}:jobs");
    let principal = json!({"AWS": w.role});
    let resource_policy = |action: &str, resource: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Grant", "Effect": "Allow",
            "Principal": principal, "Action": action, "Resource": resource}]})
    };
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let new_version = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::logs"}]});
    let eng = signed_in(&w.base, ENGINEER).await;
    let id = submitted(&eng, &w.base, &w.role, json!([
        {"target_arn": w.role, "spec": {"kind": "inline_policy_put", "policy_name": "new", "document": serde_json::from_str::<Value>(READ_LOGS).unwrap()}},
        {"target_arn": w.role, "spec": {"kind": "inline_policy_delete", "policy_name": "old"}},
        {"target_arn": w.role, "spec": {"kind": "managed_policy_attach", "policy_arn": policy_arn}},
        {"target_arn": w.role, "spec": {"kind": "boundary_put", "policy_arn": policy_arn}},
        {"target_arn": w.role, "spec": {"kind": "tags_put", "tags": [{"key": "team", "value": "billing"}]}},
        {"target_arn": w.role, "spec": {"kind": "trust_policy_put", "document": trust}},
        {"target_arn": bucket, "spec": {"kind": "resource_policy_put", "document": resource_policy("s3:GetObject", &format!("{bucket}/*"))}},
        {"target_arn": queue, "spec": {"kind": "resource_policy_put", "document": resource_policy("sqs:SendMessage", &queue)}},
        {"target_arn": topic, "spec": {"kind": "resource_policy_put", "document": resource_policy("sns:Publish", &topic)}},
    ])).await;
    let admin = signed_in(&w.base, ADMIN).await;
    let r = approve_all(&admin, &w.base, &id).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // A shared managed policy is not an engineer's to ask for: its account's
    // approvers (here the admin, self-approving) change it.
    let policy_change = json!([{"target_arn": policy_arn, "spec": {"kind": "managed_policy_document_put", "document": new_version}}]);
    assert_eq!(
        submit(&eng, &w.base, &policy_arn, policy_change.clone())
            .await
            .status(),
        403
    );
    let id2 = submitted(&admin, &w.base, &policy_arn, policy_change).await;
    let r = approve_all(&admin, &w.base, &id2).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    for (cid, status, err) in [changes(&pool, &id).await, changes(&pool, &id2).await].concat() {
        assert_eq!((status.as_str(), err), ("applied", None), "change {cid}");
    }

    // In AWS (moto)
    let role = iam
        .get_role()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let inline = iam
        .list_role_policies()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap();
    assert_eq!(inline.policy_names(), ["new"]);
    let attached = iam
        .list_attached_role_policies()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(policy_arn.as_str())
    );
    assert_eq!(
        role.permissions_boundary
            .as_ref()
            .unwrap()
            .permissions_boundary_arn(),
        Some(policy_arn.as_str())
    );
    assert!(role
        .tags()
        .iter()
        .any(|t| t.key() == "team" && t.value() == "billing"));
    let trust_now =
        latchkey::aws::decode::policy_json(role.assume_role_policy_document().unwrap()).unwrap();
    assert_eq!(trust_now, trust);
    let bucket_policy = s3
        .get_bucket_policy()
        .bucket(format!("data-{a}"))
        .send()
        .await
        .unwrap();
    assert!(bucket_policy.policy().unwrap().contains("s3:GetObject"));
    let url = sqs
        .get_queue_url()
        .queue_name("jobs")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::Policy)
        .send()
        .await
        .unwrap();
    assert!(
        attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::Policy]
            .contains("sqs:SendMessage")
    );
    let topic_attrs = sns
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap();
    assert!(topic_attrs.attributes().unwrap()["Policy"].contains("sns:Publish"));
    let versions = iam
        .list_policy_versions()
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2);

    // The cache was re-read: the request page's "now" shows the new documents.
    let view: Value = admin
        .post(format!("{}/api/get_request", w.base))
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["status"], "applied");
    let trust_change = &view["changes"][5];
    assert_eq!(trust_change["kind"], "trust_policy_put");
    assert_eq!(trust_change["current_document"], trust_change["document"]);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_failed_change_keeps_the_aws_error_and_can_be_retried(pool: PgPool) {
    let w = world(&pool).await;
    let missing = format!("arn:aws:iam::{}:policy/not-yet", w.account);
    let eng = signed_in(&w.base, ENGINEER).await;
    let id = submitted(&eng, &w.base, &w.role, json!([
        {"target_arn": w.role, "spec": {"kind": "managed_policy_attach", "policy_arn": missing}},
    ])).await;
    let admin = signed_in(&w.base, ADMIN).await;
    let cid = changes(&pool, &id).await[0].0.clone();
    let r = apply(&admin, &w.base, &id, &cid).await;
    assert!(r.status().is_success(), "{}", r.status());
    let (_, status, err) = changes(&pool, &id).await.remove(0);
    assert_eq!(status, "failed");
    assert!(err.unwrap().contains("not-yet"), "the AWS error is kept");
    let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(requests, 1, "the request is not lost");

    // Once the policy exists, a retry applies it.
    iam(&w.s, &w.account)
        .await
        .create_policy()
        .policy_name("not-yet")
        .policy_document(READ_LOGS)
        .send()
        .await
        .unwrap();
    let r = apply(&admin, &w.base, &id, &cid).await;
    assert!(r.status().is_success());
    let (_, status, err) = changes(&pool, &id).await.remove(0);
    assert_eq!((status.as_str(), err), ("applied", None));
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM request_changes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 2);
    // Applied once: a third apply is refused.
    assert_eq!(apply(&admin, &w.base, &id, &cid).await.status(), 409);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn edit_then_apply_puts_the_edited_document_and_records_the_edit(pool: PgPool) {
    let w = world(&pool).await;
    let eng = signed_in(&w.base, ENGINEER).await;
    let broad = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    let id = submitted(&eng, &w.base, &w.role, json!([
        {"target_arn": w.role, "spec": {"kind": "inline_policy_put", "policy_name": "wide", "document": broad}},
    ])).await;
    let cid = changes(&pool, &id).await[0].0.clone();
    let admin = signed_in(&w.base, ADMIN).await;
    // A broken edit is refused and changes nothing.
    let r = review(
        &admin,
        &w.base,
        &[
            ("id", &id),
            ("action", "apply"),
            ("change_id", &cid),
            ("document", "{\"Version\":"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(changes(&pool, &id).await[0].1, "pending");
    let r = review(
        &admin,
        &w.base,
        &[
            ("id", &id),
            ("action", "apply"),
            ("change_id", &cid),
            ("document", READ_LOGS),
        ],
    )
    .await;
    assert!(r.status().is_success(), "{}", r.status());
    let got = iam(&w.s, &w.account)
        .await
        .get_role_policy()
        .role_name("eng-dev")
        .policy_name("wide")
        .send()
        .await
        .unwrap();
    let doc = latchkey::aws::decode::policy_json(got.policy_document()).unwrap();
    assert_eq!(doc, serde_json::from_str::<Value>(READ_LOGS).unwrap());
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM request_events ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        kinds,
        [
            "created",
            "change.edited",
            "change.approved",
            "change.applied"
        ]
    );
}

/// Edit-then-approve may trim an ask, not grow it: what a reviewer adds is
/// their own ask, so their approval of it does not count and another
/// approver must decide (the self-approval rule, not a way round it).
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_reviewer_who_widens_a_change_cannot_approve_it_alone(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config_with(&[&a], LEADS)).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    let id = submitted(
        &eng,
        &base,
        &role,
        json!([
            {"target_arn": role, "spec": {"kind": "inline_policy_put", "policy_name": "logs",
             "document": serde_json::from_str::<Value>(READ_LOGS).unwrap()}},
        ]),
    )
    .await;
    let cid = changes(&pool, &id).await[0].0.clone();
    let lead = signed_in(&base, LEAD_A).await;
    let wide = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let widen = [
        ("id", id.as_str()),
        ("action", "apply"),
        ("change_id", cid.as_str()),
        ("document", wide),
    ];
    let r = review(&lead, &base, &widen).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("widened"));
    // The edit stands, unapplied; approving it again without an edit is refused too.
    assert_eq!(changes(&pool, &id).await[0].1, "pending");
    let plain = [
        ("id", id.as_str()),
        ("action", "apply"),
        ("change_id", cid.as_str()),
    ];
    assert_eq!(review(&lead, &base, &plain).await.status(), 403);
    let client = iam(&s, &a).await;
    let held = client
        .list_role_policies()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap();
    assert!(
        held.policy_names().is_empty(),
        "applied on the widener's word"
    );
    // Another approver decides it.
    let admin = signed_in(&base, ADMIN).await;
    assert!(review(&admin, &base, &plain).await.status().is_success());
    assert_eq!(changes(&pool, &id).await[0].1, "applied");

    // Trimming is reviewing: the same reviewer narrows another ask and applies it.
    let id2 = submitted(
        &eng,
        &base,
        &role,
        json!([
            {"target_arn": role, "spec": {"kind": "inline_policy_put", "policy_name": "more",
             "document": serde_json::from_str::<Value>(wide).unwrap()}},
        ]),
    )
    .await;
    let cid2 = changes(&pool, &id2).await[0].0.clone();
    let trim = [
        ("id", id2.as_str()),
        ("action", "apply"),
        ("change_id", cid2.as_str()),
        ("document", READ_LOGS),
    ];
    assert!(review(&lead, &base, &trim).await.status().is_success());
    assert_eq!(changes(&pool, &id2).await[0].1, "applied");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn requesters_comment_cancel_changes_and_withdraw_but_never_approve(pool: PgPool) {
    let w = world(&pool).await;
    let eng = signed_in(&w.base, ENGINEER).await;
    let id = submitted(&eng, &w.base, &w.role, json!([
        {"target_arn": w.role, "spec": {"kind": "tags_put", "tags": [{"key": "a", "value": "1"}]}},
        {"target_arn": w.role, "spec": {"kind": "tags_put", "tags": [{"key": "b", "value": "2"}]}},
    ])).await;
    let cs = changes(&pool, &id).await;
    let other = signed_in(&w.base, OTHER_ENGINEER).await;
    let anon = reqwest::Client::new();

    // Who may do what, before anything is applied.
    let apply_first = [
        ("id", id.as_str()),
        ("action", "apply"),
        ("change_id", cs[0].0.as_str()),
    ];
    assert_eq!(review(&anon, &w.base, &apply_first).await.status(), 401);
    assert_eq!(
        review(&eng, &w.base, &apply_first).await.status(),
        403,
        "no self-approval"
    );
    assert_eq!(
        review(&other, &w.base, &apply_first).await.status(),
        404,
        "others cannot even see it"
    );
    let reject = [("id", id.as_str()), ("action", "reject"), ("text", "no")];
    assert_eq!(review(&eng, &w.base, &reject).await.status(), 403);
    let comment = [
        ("id", id.as_str()),
        ("action", "comment"),
        ("text", "Any update?"),
    ];
    assert!(review(&eng, &w.base, &comment).await.status().is_success());
    assert_eq!(review(&other, &w.base, &comment).await.status(), 404);
    let admin = signed_in(&w.base, ADMIN).await;
    let no_reason = [("id", id.as_str()), ("action", "reject"), ("text", " ")];
    let r = review(&admin, &w.base, &no_reason).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("reason"));
    let cancel_second = [
        ("id", id.as_str()),
        ("action", "cancel_change"),
        ("change_id", cs[1].0.as_str()),
    ];
    assert!(review(&eng, &w.base, &cancel_second)
        .await
        .status()
        .is_success());

    // The admin applies the first; the requester can no longer withdraw.
    assert!(review(&admin, &w.base, &apply_first)
        .await
        .status()
        .is_success());
    let withdraw = [("id", id.as_str()), ("action", "cancel")];
    assert_eq!(review(&eng, &w.base, &withdraw).await.status(), 409);
    assert_eq!(
        review(&admin, &w.base, &reject).await.status(),
        409,
        "applied work cannot be rejected"
    );
    let statuses: Vec<String> = changes(&pool, &id).await.into_iter().map(|c| c.1).collect();
    assert_eq!(statuses, ["applied", "cancelled"]);
    let tags = iam(&w.s, &w.account)
        .await
        .list_role_tags()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["a"]);
    let comments: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, detail FROM request_events WHERE kind = 'comment'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(comments, [(ENGINEER.to_owned(), "Any update?".to_owned())]);

    // A second request is withdrawn while pending.
    let id2 = submitted(
        &eng,
        &w.base,
        &w.role,
        json!([
            {"target_arn": w.role, "spec": {"kind": "tags_remove", "keys": ["a"]}},
        ]),
    )
    .await;
    let withdraw2 = [("id", id2.as_str()), ("action", "cancel")];
    assert!(review(&eng, &w.base, &withdraw2)
        .await
        .status()
        .is_success());
    let status: String = sqlx::query_scalar("SELECT status FROM requests WHERE id = $1::uuid")
        .bind(&id2)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "cancelled");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn engineers_cannot_ask_for_roles_they_may_not_use_or_misfit_changes(pool: PgPool) {
    let w = world(&pool).await;
    create_role(&iam(&w.s, &w.account).await, "prod-admin", &[], &[]).await;
    sync_all(&w.s, Trigger::Manual).await;
    let prod = format!("arn:aws:iam::{}:role/prod-admin", w.account);
    let eng = signed_in(&w.base, ENGINEER).await;
    let r = submit(&eng, &w.base, &prod, json!([
        {"target_arn": prod, "spec": {"kind": "tags_put", "tags": [{"key": "a", "value": "1"}]}},
    ])).await;
    assert_eq!(r.status(), 403);
    let cases = [
        (
            json!({"target_arn": w.role, "spec": {"kind": "resource_policy_put", "document": {}}}),
            "target_arn",
        ),
        (
            json!({"target_arn": w.role, "spec": {"kind": "tags_put", "tags": [{"key": "aws:x", "value": "1"}]}}),
            "tags",
        ),
        (
            json!({"target_arn": w.role, "spec": {"kind": "inline_policy_put", "policy_name": "p", "document": {"Version": "2012-10-17"}}}),
            "policy",
        ),
        (
            json!({"target_arn": w.role, "spec": {"kind": "inline_policy_put", "policy_name": "p", "document": serde_json::from_str::<Value>(READ_LOGS).unwrap()}, "expires_at": "2020-01-01T00:00:00Z"}),
            "expires_at",
        ),
    ];
    for (change, field) in cases {
        let r = submit(&eng, &w.base, &w.role, json!([change])).await;
        assert_eq!(r.status(), 400, "{field}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["Invalid"]["field"], field, "{body}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_admins_direct_edit_applies_at_once_and_is_recorded_as_self_approved(pool: PgPool) {
    let w = world_with(&pool, "allow_admin_self_approval = true").await;
    let tag = json!([{"target_arn": w.role, "spec": {"kind": "tags_put", "tags": [{"key": "owner", "value": "data"}]}}]);
    let direct =
        |c: reqwest::Client| {
            let (base, role, tag) = (w.base.clone(), w.role.clone(), tag.clone());
            async move {
                c.post(format!("{base}/api/submit_request"))
                .json(&json!({"principal_arn": role, "justification": "Ownership after the re-org",
                              "changes": tag, "direct": true}))
                .send()
                .await
                .unwrap()
            }
        };
    // An engineer may ask, not edit directly.
    let r = direct(signed_in(&w.base, ENGINEER).await).await;
    assert_eq!(r.status(), 403);
    let r = direct(signed_in(&w.base, ADMIN).await).await;
    assert!(r.status().is_success(), "{}", r.status());
    let id: String = r.json().await.unwrap();
    let (origin, status): (String, String) =
        sqlx::query_as("SELECT origin, status FROM requests WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (origin.as_str(), status.as_str()),
        ("direct_edit", "approved")
    );
    assert_eq!(changes(&pool, &id).await[0].1, "applied");
    let tags = iam(&w.s, &w.account)
        .await
        .list_role_tags()
        .role_name("eng-dev")
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key() == "owner" && t.value() == "data"));
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM request_events WHERE request_id = $1::uuid AND kind = 'change.approved'",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(detail.contains("direct edit, self-approved"), "{detail}");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn review_actions_follow_approver_scopes_per_account(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(pool.clone(), config_with(&[&a, &b], LEADS)).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    let id = submitted(&eng, &base, &role, json!([
        {"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": "a", "value": "1"}]}},
        {"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": "b", "value": "2"}]}},
    ])).await;
    let cs = changes(&pool, &id).await;
    let other = signed_in(&base, OTHER_ENGINEER).await;
    let lead_a = signed_in(&base, "lead-a@example.com").await;
    let lead_b = signed_in(&base, "lead-b@example.com").await;
    let admin = signed_in(&base, ADMIN).await;
    let anon = reqwest::Client::new();

    let view = |c: &reqwest::Client| {
        let (c, base, id) = (c.clone(), base.clone(), id.clone());
        async move {
            c.post(format!("{base}/api/get_request"))
                .form(&[("id", id.as_str())])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let listed = |c: &reqwest::Client| {
        let (c, base, id) = (c.clone(), base.clone(), id.clone());
        async move {
            let l: Value = c
                .post(format!("{base}/api/list_requests"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            l.as_array().unwrap().iter().any(|r| r["id"] == id.as_str())
        }
    };
    // Who sees the request (and finds it in the list).
    for (who, c, status, in_list) in [
        ("requester", &eng, 200, true),
        ("other engineer", &other, 404, false),
        ("approver of another account", &lead_b, 404, false),
        ("approver of the account", &lead_a, 200, true),
        ("admin", &admin, 200, true),
    ] {
        assert_eq!(view(c).await, status, "{who} viewing");
        assert_eq!(listed(c).await, in_list, "{who} listing");
    }
    assert_eq!(view(&anon).await, 401);

    // Who may apply, reject and comment.
    let apply_0 = [
        ("id", id.as_str()),
        ("action", "apply"),
        ("change_id", cs[0].0.as_str()),
    ];
    let reject = [
        ("id", id.as_str()),
        ("action", "reject"),
        ("text", "not now"),
    ];
    let comment = [
        ("id", id.as_str()),
        ("action", "comment"),
        ("text", "looking"),
    ];
    for (who, c, apply_status, reject_status, comment_status) in [
        ("requester", &eng, 403, 403, 200),
        ("other engineer", &other, 404, 404, 404),
        ("approver of another account", &lead_b, 404, 404, 404),
    ] {
        assert_eq!(
            review(c, &base, &apply_0).await.status().as_u16(),
            apply_status,
            "{who} applying"
        );
        assert_eq!(
            review(c, &base, &reject).await.status().as_u16(),
            reject_status,
            "{who} rejecting"
        );
        assert_eq!(
            review(c, &base, &comment).await.status().as_u16(),
            comment_status,
            "{who} commenting"
        );
    }
    assert_eq!(
        changes(&pool, &id).await[0].1,
        "pending",
        "nothing was applied by them"
    );
    // The account's approver applies one change; then nobody may reject or withdraw.
    assert!(review(&lead_a, &base, &comment).await.status().is_success());
    assert!(review(&lead_a, &base, &apply_0).await.status().is_success());
    assert_eq!(changes(&pool, &id).await[0].1, "applied");
    assert_eq!(review(&admin, &base, &reject).await.status(), 409);
    let withdraw = [("id", id.as_str()), ("action", "cancel")];
    assert_eq!(review(&eng, &base, &withdraw).await.status(), 409);
    // The admin applies the other one.
    let apply_1 = [
        ("id", id.as_str()),
        ("action", "apply"),
        ("change_id", cs[1].0.as_str()),
    ];
    assert!(review(&admin, &base, &apply_1).await.status().is_success());
    let approvals: Vec<Vec<String>> = sqlx::query_scalar(
        "SELECT approvals FROM request_changes WHERE request_id = $1::uuid ORDER BY position",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        approvals,
        [
            vec!["lead-a@example.com".to_owned()],
            vec![ADMIN.to_owned()]
        ]
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn admins_clone_a_role_across_accounts_and_delete_roles(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let cfg = config_auth(&[&a, &b], "allow_admin_self_approval = true", "");
    let s = services(pool.clone(), cfg).await;
    create_role(
        &iam(&s, &a).await,
        "eng-app",
        &[("read", READ_LOGS)],
        &[("team", "data")],
    )
    .await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let source = format!("arn:aws:iam::{a}:role/eng-app");
    let copy = format!("arn:aws:iam::{b}:role/eng-app-copy");
    let clone = |c: reqwest::Client, direct: &'static str| {
        let (base, source, copy) = (base.clone(), source.clone(), copy.clone());
        async move {
            c.post(format!("{base}/api/clone_role"))
                .form(&[
                    ("source_arn", source.as_str()),
                    ("new_arn", copy.as_str()),
                    ("justification", "Same role for the new account"),
                    ("direct", direct),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Engineers may not create roles; an admin clones at once (direct edit).
    assert_eq!(
        clone(signed_in(&base, ENGINEER).await, "false")
            .await
            .status(),
        403
    );
    let admin = signed_in(&base, ADMIN).await;
    let r = clone(admin.clone(), "true").await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let iam_b = iam(&s, &b).await;
    let got = iam_b
        .get_role()
        .role_name("eng-app-copy")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert!(got
        .tags()
        .iter()
        .any(|t| t.key() == "team" && t.value() == "data"));
    let inline = iam_b
        .list_role_policies()
        .role_name("eng-app-copy")
        .send()
        .await
        .unwrap();
    assert_eq!(inline.policy_names(), ["read"]);
    let cached: i64 = sqlx::query_scalar("SELECT count(*) FROM roles WHERE arn = $1")
        .bind(&copy)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(cached, 1, "the new role is in the cache at once");
    // A second clone to the same ARN is refused.
    assert_eq!(clone(admin.clone(), "true").await.status(), 400);

    // Deleting goes through review too: the engineer asks, the admin applies.
    let eng = signed_in(&base, ENGINEER).await;
    let id = submitted(
        &eng,
        &base,
        &source,
        json!([{"target_arn": source, "spec": {"kind": "role_delete"}}]),
    )
    .await;
    let cid = changes(&pool, &id).await[0].0.clone();
    assert!(apply(&admin, &base, &id, &cid).await.status().is_success());
    assert_eq!(changes(&pool, &id).await[0].1, "applied");
    assert!(
        iam(&s, &a)
            .await
            .get_role()
            .role_name("eng-app")
            .send()
            .await
            .is_err(),
        "gone from AWS"
    );
    let cached: i64 = sqlx::query_scalar("SELECT count(*) FROM roles WHERE arn = $1")
        .bind(&source)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(cached, 0, "and from the cache");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn high_risk_changes_wait_for_a_second_approver_when_config_asks(pool: PgPool) {
    let a = unique_account();
    let extra = r#"
        [[auth.dev_users]]
        id = "sam@example.com"
        display_name = "Sam Security"
        groups = ["admins"]
        [requests]
        two_approvers_for_high_risk = true
    "#;
    let s = services(pool.clone(), config_with(&[&a], extra)).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    // iam:PassRole on * is flagged high risk by the checks; tags are not.
    let risky = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]});
    let id = submitted(&eng, &base, &role, json!([
        {"target_arn": role, "spec": {"kind": "inline_policy_put", "policy_name": "pass", "document": risky}},
        {"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": "a", "value": "1"}]}},
    ])).await;
    let cs = changes(&pool, &id).await;
    let ada = signed_in(&base, ADMIN).await;
    let sam = signed_in(&base, "sam@example.com").await;
    let apply_risky = [
        ("id", id.as_str()),
        ("action", "apply"),
        ("change_id", cs[0].0.as_str()),
    ];
    let apply_tags = [
        ("id", id.as_str()),
        ("action", "apply"),
        ("change_id", cs[1].0.as_str()),
    ];
    assert!(review(&ada, &base, &apply_tags).await.status().is_success());
    assert_eq!(
        changes(&pool, &id).await[1].1,
        "applied",
        "one approver is enough for tags"
    );
    assert!(review(&ada, &base, &apply_risky)
        .await
        .status()
        .is_success());
    assert_eq!(
        changes(&pool, &id).await[0].1,
        "pending",
        "the first approval is not enough"
    );
    assert_eq!(
        review(&ada, &base, &apply_risky).await.status(),
        409,
        "the same approver twice does not count"
    );
    let view: Value = sam
        .post(format!("{base}/api/get_request"))
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["changes"][0]["approvals_needed"], 2);
    assert!(review(&sam, &base, &apply_risky)
        .await
        .status()
        .is_success());
    assert_eq!(changes(&pool, &id).await[0].1, "applied");

    // The list filters are URL parameters the server applies.
    let list = |q: &'static [(&'static str, &'static str)]| {
        let (ada, base) = (ada.clone(), base.clone());
        async move {
            let v: Value = ada
                .post(format!("{base}/api/list_requests"))
                .form(q)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v.as_array().unwrap().len()
        }
    };
    assert_eq!(list(&[("status", "approved")]).await, 1);
    assert_eq!(list(&[("status", "pending")]).await, 0);
    assert_eq!(list(&[("requester", ENGINEER)]).await, 1);
    assert_eq!(list(&[("requester", "nobody@example.com")]).await, 0);
    assert_eq!(
        list(&[("from", "2000-01-01"), ("to", "2000-01-02")]).await,
        0
    );
    let r = ada
        .post(format!("{base}/api/list_requests"))
        .form(&[("from", "yesterday")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
