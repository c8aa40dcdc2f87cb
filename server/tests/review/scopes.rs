//! Who may review where: approver scopes per account, two approvers for high risk.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn review_actions_follow_approver_scopes_per_account(pool: PgPool) {
    // Account A with the role, and account B of the other lead.
    let cfg = |a: &[&str]| config_with(&[a[0], unique_account().as_str()], LEADS);
    let (_, a, base) = served_with(&pool, cfg, &["eng-dev"]).await.into_parts();
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
        async move { get_request(&c, &base, &id).await.status().as_u16() }
    };
    let listed = |c: &reqwest::Client| {
        let (c, base, id) = (c.clone(), base.clone(), id.clone());
        async move {
            let l: Value = c.post_json(format!("{base}/api/list_requests")).await;
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
    let approvals: Vec<Vec<String>> = scalars_of(
        &pool,
        "SELECT approvals FROM request_changes WHERE request_id = $1::uuid ORDER BY position",
        &id,
    )
    .await;
    assert_eq!(
        approvals,
        [
            vec!["lead-a@example.com".to_owned()],
            vec![ADMIN.to_owned()]
        ]
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn high_risk_changes_wait_for_a_second_approver_when_config_asks(pool: PgPool) {
    let extra = r#"
        [[auth.dev_users]]
        id = "sam@example.com"
        display_name = "Sam Security"
        groups = ["admins"]
        [requests]
        two_approvers_for_high_risk = true
    "#;
    let (_, a, base) = served_with(&pool, |a| config_with(a, extra), &["eng-dev"])
        .await
        .into_parts();
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
    let (risky, tags) = (cs[0].0.as_str(), cs[1].0.as_str());
    assert!(apply(&ada, &base, &id, tags).await.status().is_success());
    assert_eq!(
        changes(&pool, &id).await[1].1,
        "applied",
        "one approver is enough for tags"
    );
    assert!(apply(&ada, &base, &id, risky).await.status().is_success());
    assert_eq!(
        changes(&pool, &id).await[0].1,
        "pending",
        "the first approval is not enough"
    );
    assert_eq!(
        apply(&ada, &base, &id, risky).await.status(),
        409,
        "the same approver twice does not count"
    );
    let view: Value = json_of(get_request(&sam, &base, &id).await).await;
    assert_eq!(view["changes"][0]["approvals_needed"], 2);
    assert!(apply(&sam, &base, &id, risky).await.status().is_success());
    assert_eq!(changes(&pool, &id).await[0].1, "applied");

    // The list filters are URL parameters the server applies.
    let list = |q: &'static [(&'static str, &'static str)]| {
        let (ada, base) = (ada.clone(), base.clone());
        async move {
            let v: Value = ada
                .post_form_json(format!("{base}/api/list_requests"), q)
                .await;
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
        .post_form(
            format!("{base}/api/list_requests"),
            &[("from", "yesterday")],
        )
        .await;
    assert_eq!(r.status(), 400);
}
