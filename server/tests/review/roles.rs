//! Admins cloning roles across accounts and deleting roles.
use super::*;

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
            let form = [
                ("source_arn", source.as_str()),
                ("new_arn", copy.as_str()),
                ("justification", "Same role for the new account"),
                ("direct", direct),
            ];
            c.post_form(format!("{base}/api/clone_role"), &form).await
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
    assert_eq!(role_tags(&iam_b, "eng-app-copy").await, ["team=data"]);
    assert_eq!(inline_policy_names(&iam_b, "eng-app-copy").await, ["read"]);
    let cached: i64 = scalar_of(&pool, "SELECT count(*) FROM roles WHERE arn = $1", &copy).await;
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
        !role_exists(&iam(&s, &a).await, "eng-app").await,
        "gone from AWS"
    );
    let cached: i64 = scalar_of(&pool, "SELECT count(*) FROM roles WHERE arn = $1", &source).await;
    assert_eq!(cached, 0, "and from the cache");
}
