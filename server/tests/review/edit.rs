//! Reviewers editing what they apply: recorded edits, widening needs another approver, admins' direct edits.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn edit_then_apply_puts_the_edited_document_and_records_the_edit(pool: PgPool) {
    let w = world(&pool).await;
    let eng = signed_in(&w.base, ENGINEER).await;
    let broad = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    let id = submitted(&eng, &w.base, &w.role, put_inline(&w.role, "wide", broad)).await;
    let cid = changes(&pool, &id).await[0].0.clone();
    let admin = signed_in(&w.base, ADMIN).await;
    // A broken edit is refused and changes nothing.
    let broken = "{\"Version\":";
    let r = apply_edited(&admin, &w.base, (&id, &cid), broken).await;
    assert_eq!(r.status(), 400);
    assert_eq!(changes(&pool, &id).await[0].1, "pending");
    let r = apply_edited(&admin, &w.base, (&id, &cid), READ_LOGS).await;
    assert!(r.status().is_success(), "{}", r.status());
    let doc = inline_policy(&iam(&w.s, &w.account).await, "eng-dev", "wide").await;
    assert_eq!(doc, serde_json::from_str::<Value>(READ_LOGS).unwrap());
    let kinds: Vec<String> = scalars(&pool, "SELECT kind FROM request_events ORDER BY id").await;
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
    let (s, a, base) = served_with(&pool, |a| config_with(a, LEADS), &["eng-dev"])
        .await
        .into_parts();
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let eng = signed_in(&base, ENGINEER).await;
    let logs = serde_json::from_str::<Value>(READ_LOGS).unwrap();
    let id = submitted(&eng, &base, &role, put_inline(&role, "logs", logs)).await;
    let cid = changes(&pool, &id).await[0].0.clone();
    let lead = signed_in(&base, LEAD_A).await;
    let wide = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let r = apply_edited(&lead, &base, (&id, &cid), wide).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("widened"));
    // The edit stands, unapplied; approving it again without an edit is refused too.
    assert_eq!(changes(&pool, &id).await[0].1, "pending");
    assert_eq!(apply(&lead, &base, &id, &cid).await.status(), 403);
    assert!(
        inline_policy_names(&iam(&s, &a).await, "eng-dev")
            .await
            .is_empty(),
        "applied on the widener's word"
    );
    // Another approver decides it.
    let admin = signed_in(&base, ADMIN).await;
    assert!(apply(&admin, &base, &id, &cid).await.status().is_success());
    assert_eq!(changes(&pool, &id).await[0].1, "applied");

    // Trimming is reviewing: the same reviewer narrows another ask and applies it.
    let more = serde_json::from_str::<Value>(wide).unwrap();
    let id2 = submitted(&eng, &base, &role, put_inline(&role, "more", more)).await;
    let cid2 = changes(&pool, &id2).await[0].0.clone();
    let r = apply_edited(&lead, &base, (&id2, &cid2), READ_LOGS).await;
    assert!(r.status().is_success());
    assert_eq!(changes(&pool, &id2).await[0].1, "applied");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_admins_direct_edit_applies_at_once_and_is_recorded_as_self_approved(pool: PgPool) {
    let w = world_with(&pool, "allow_admin_self_approval = true").await;
    let tag = json!([{"target_arn": w.role, "spec": {"kind": "tags_put", "tags": [{"key": "owner", "value": "data"}]}}]);
    let direct = |c: reqwest::Client| {
        let body = json!({"principal_arn": w.role, "justification": "Ownership after the re-org",
                          "changes": tag, "direct": true});
        let url = format!("{}/api/submit_request", w.base);
        async move { c.post_json_body(url, &body).await }
    };
    // An engineer may ask, not edit directly.
    let r = direct(signed_in(&w.base, ENGINEER).await).await;
    assert_eq!(r.status(), 403);
    let r = direct(signed_in(&w.base, ADMIN).await).await;
    assert!(r.status().is_success(), "{}", r.status());
    let id: String = r.json().await.unwrap();
    let (origin, status): (String, String) = row_of(
        &pool,
        "SELECT origin, status FROM requests WHERE id = $1::uuid",
        &id,
    )
    .await;
    assert_eq!(
        (origin.as_str(), status.as_str()),
        ("direct_edit", "approved")
    );
    assert_eq!(changes(&pool, &id).await[0].1, "applied");
    let tags = role_tags(&iam(&w.s, &w.account).await, "eng-dev").await;
    assert!(tags.contains(&"owner=data".to_owned()), "{tags:?}");
    let detail: String = scalar_of(&pool, "SELECT detail FROM request_events WHERE request_id = $1::uuid AND kind = 'change.approved'", &id).await;
    assert!(detail.contains("direct edit, self-approved"), "{detail}");
}
