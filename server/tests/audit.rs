//! The admin audit log: every issuance and refusal, filterable; admins only.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn admins_filter_the_audit_log_engineers_cannot_read_it(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(pool.clone(), config(&[&a, &b])).await;
    for acct in [&a, &b] {
        let iam = iam(&s, acct).await;
        create_role(&iam, "eng-dev", &[], &[]).await;
        create_role(&iam, "prod-admin", &[], &[]).await;
    }
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
    for (acct, role) in [(&a, "eng-dev"), (&a, "prod-admin"), (&b, "eng-dev")] {
        credentials(&eng, &base, &format!("arn:aws:iam::{acct}:role/{role}")).await;
    }
    assert_eq!(eng.post_status(format!("{base}/api/audit")).await, 403);

    let admin = signed_in(&base, ADMIN).await;
    let query = |pairs: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        let base = base.clone();
        async move {
            let form: Vec<(String, String)> = pairs
                .into_iter()
                .map(|(k, v)| (format!("params[{k}]"), v))
                .collect();
            let r = admin.post_form(format!("{base}/api/audit"), &form).await;
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, all) = query(vec![
        ("action", "credentials.issue".into()),
        ("actor", ENGINEER.into()),
    ])
    .await;
    assert_eq!(st, 200);
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(
        all[0]["target"],
        format!("arn:aws:iam::{b}:role/eng-dev"),
        "newest first"
    );
    let (_, in_a) = query(vec![
        ("action", "credentials.issue".into()),
        ("account", a.clone()),
    ])
    .await;
    let outcomes = texts(&in_a, "outcome");
    assert_eq!(outcomes, ["denied", "success"]);
    let (_, by_target) = query(vec![("target", "prod-admin".into())]).await;
    assert_eq!(by_target.as_array().unwrap().len(), 1);
    let (_, future) = query(vec![("since", "2999-01-01".into())]).await;
    assert!(future.as_array().unwrap().is_empty());
    let (st, err) = query(vec![("since", "yesterday".into())]).await;
    assert_eq!(st, 400);
    assert_eq!(err["Invalid"]["field"], "since");
}
