//! Reviewers editing what they apply: recorded edits, widening needs another approver, admins' direct edits.
use super::*;

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
