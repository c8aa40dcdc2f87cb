//! The plugins of `server/examples/private_plugin.rs`, run in-process: a
//! private build's identity provider, group source, eligibility source,
//! notifier, auto-approval rule and scheduled task all take effect.
#![allow(clippy::unwrap_used)]
mod common;
#[allow(dead_code)]
#[path = "../examples/private_plugin.rs"]
mod private_plugin;

use common::*;
use latchkey::plugins::{AutoApprovalInput, Notification, NotifyEvent};
use latchkey::services::eligibility::Access;
use serde_json::{json, Value};
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_private_builds_plugins_take_effect(pool: PgPool) {
    let notifier = private_plugin::ChatNotifier::default();
    let s = services(pool.clone(), config(&[]))
        .await
        .with_plugins(private_plugin::plugins(notifier.clone()));
    let base = spawn_http(s.clone()).await;

    // Identity provider + group source.
    let me: Value = reqwest::Client::new()
        .post(format!("{base}/api/me"))
        .header("x-mesh-user", "sam@example.com")
        .header("x-mesh-groups", "on-call")
        .fetch_json()
        .await;
    assert_eq!(me["user"]["id"], "sam@example.com");
    assert_eq!(me["user"]["groups"], json!(["on-call", "everyone"]));

    // Eligibility source, next to the config's rules.
    let sam = s
        .users()
        .user_for(
            "sam@example.com".into(),
            "Sam".into(),
            vec!["on-call".into()],
        )
        .await
        .unwrap();
    let erin = user(ENGINEER, &["engineers"], false);
    let glass = "arn:aws:iam::111111111111:role/break-glass";
    assert_eq!(
        s.eligibility.access(&sam, glass, &json!([])),
        Some(Access::Full)
    );
    assert_eq!(s.eligibility.access(&erin, glass, &json!([])), None);
    assert_eq!(
        s.eligibility
            .access(&erin, "arn:aws:iam::111111111111:role/eng-dev", &json!([])),
        Some(Access::Full),
        "built-in rules still apply"
    );

    // Notifier: fed through the same list as e-mail and Slack, in the background.
    s.notifiers.send(Notification {
        event: NotifyEvent::Created,
        request_id: "r1".into(),
        principal_arn: "arn:aws:iam::111111111111:role/app".into(),
        actor: ENGINEER.into(),
        requester: ENGINEER.into(),
        detail: "read logs".into(),
        link: s.notifiers.link("r1"),
        to: vec![],
    });
    let want = [format!("{ENGINEER} created request r1: read logs")];
    for _ in 0..100 {
        if notifier.outbox.lock().unwrap().as_slice() == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(notifier.outbox.lock().unwrap().as_slice(), want);

    // Auto-approval rule.
    let change = |account: &str, kind: &str, documents: Vec<serde_json::Value>| {
        latchkey::plugins::AutoApprovalChange {
            kind: kind.into(),
            target_arn: format!("arn:aws:iam::{account}:role/app"),
            account_id: account.into(),
            spec: json!({ "kind": kind }),
            documents,
        }
    };
    let input =
        |account: &str, changes: Vec<latchkey::plugins::AutoApprovalChange>| AutoApprovalInput {
            requester: ENGINEER.into(),
            account_id: account.into(),
            principal_arn: format!("arn:aws:iam::{account}:role/app"),
            documents: changes.iter().flat_map(|c| c.documents.clone()).collect(),
            changes,
        };
    let ask = |account: &str, action: &str| {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [action], "Resource": "*"}]});
        input(
            account,
            vec![change(account, "inline_policy_put", vec![doc])],
        )
    };
    // Nothing to read is not read-only; an admin attach has no document.
    assert_eq!(
        s.plugins.auto_approval(&input("333333333333", vec![])),
        None
    );
    let attach = change("333333333333", "managed_policy_attach", vec![]);
    assert_eq!(
        s.plugins
            .auto_approval(&input("333333333333", vec![attach])),
        None
    );
    // A read in the sandbox with a change in another account is for a human.
    let mut mixed = ask("333333333333", "s3:GetObject");
    mixed.changes.push(change("111111111111", "resource_policy_put", vec![json!({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})]));
    assert_eq!(s.plugins.auto_approval(&mixed), None);
    assert_eq!(
        s.plugins
            .auto_approval(&ask("333333333333", "s3:GetObject"))
            .as_deref(),
        Some("read-only-in-sandbox")
    );
    assert_eq!(
        s.plugins
            .auto_approval(&ask("333333333333", "s3:PutObject")),
        None
    );
    assert_eq!(
        s.plugins
            .auto_approval(&ask("111111111111", "s3:GetObject")),
        None
    );

    // Scheduled task: runs, and is skipped while another replica holds it.
    let task = private_plugin::SessionCount;
    let ctx = latchkey::plugins::TaskContext {
        pool: s.pool.clone(),
        config: s.config.clone(),
    };
    assert_eq!(latchkey::plugins::run_task(&task, &ctx).await, Ok(true));
    let mut other = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('latchkey-plugin-task:session-count'))")
        .execute(&mut *other)
        .await
        .unwrap();
    assert_eq!(latchkey::plugins::run_task(&task, &ctx).await, Ok(false));
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_stock_build_has_only_the_built_in_behaviour(pool: PgPool) {
    let s = services(pool, config(&[])).await;
    let base = spawn_http(s.clone()).await;
    let r = reqwest::Client::new()
        .post(format!("{base}/api/me"))
        .header("x-mesh-user", "sam@example.com")
        .fetch()
        .await;
    assert_eq!(r.status(), 401, "no plugin identity provider");
    assert_eq!(
        s.plugins.auto_approval(&AutoApprovalInput {
            requester: ENGINEER.into(),
            account_id: "333333333333".into(),
            principal_arn: "arn:aws:iam::333333333333:role/app".into(),
            documents: vec![],
            changes: vec![],
        }),
        None
    );
}

/// A plugin rule that approves everything (a careless private build).
struct ApproveAll;

impl latchkey::plugins::AutoApprovalRule for ApproveAll {
    fn name(&self) -> &str {
        "approve-all"
    }
    fn approves(&self, _: &AutoApprovalInput) -> bool {
        true
    }
}

/// With `two_approvers_for_high_risk`, no rule stands in for the second
/// approver: a plugin that approves everything still cannot apply an
/// admin policy, while a routine change goes through it.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn no_auto_approval_rule_applies_a_high_risk_change(pool: PgPool) {
    let a = unique_account();
    let cfg = config_with(&[&a], "[requests]\ntwo_approvers_for_high_risk = true\n");
    let s = services(pool.clone(), cfg)
        .await
        .with_plugins(latchkey::plugins::Plugins::default().with_auto_approval_rule(ApproveAll));
    create_role(&iam(&s, &a).await, "eng-app", &[], &[]).await;
    latchkey::services::sync::engine::sync_all(
        &s,
        latchkey::services::sync::engine::Trigger::Manual,
    )
    .await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-app");
    let eng = signed_in(&base, ENGINEER).await;
    let status_of = |id: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT status FROM request_changes WHERE request_id = $1::uuid",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let routine = asked(
        &eng,
        &base,
        &role,
        json!([{"target_arn": role,
        "spec": {"kind": "tags_put", "tags": [{"key": "team", "value": "data"}]}}]),
    )
    .await;
    assert_eq!(
        status_of(routine).await,
        "applied",
        "the plugin approves routine changes"
    );
    let risky = asked(
        &eng,
        &base,
        &role,
        json!([{"target_arn": role,
        "spec": {"kind": "managed_policy_attach",
                 "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}}]),
    )
    .await;
    assert_eq!(status_of(risky).await, "pending");
    let attached = attached_policy_arns(&iam(&s, &a).await, "eng-app").await;
    assert!(attached.is_empty(), "{attached:?}");
}
