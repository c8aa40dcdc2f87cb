//! What requesters may do (comment, cancel, withdraw, never approve) and what they may not ask for.
use super::*;

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
    let tags = role_tags(&iam(&w.s, &w.account).await, "eng-dev").await;
    assert_eq!(tags, ["a=1"], "only the applied change's tag");
    let comments: Vec<(String, String)> = rows(
        &pool,
        "SELECT actor, detail FROM request_events WHERE kind = 'comment'",
    )
    .await;
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
    assert_eq!(request_status(&pool, &id2).await, "cancelled");
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
    let stored: i64 = scalar(&pool, "SELECT count(*) FROM requests").await;
    assert_eq!(stored, 0);
}
