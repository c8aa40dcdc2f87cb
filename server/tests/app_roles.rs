//! App roles from groups: admins, approvers per account (by id or name), and
//! the `/me` page that tells a user what each of their groups grants.
#![allow(clippy::unwrap_used)]
mod common;

use app::domain::{AccountId, Approver};
use common::*;
use serde_json::Value;
use sqlx::PgPool;

fn approvers(accounts: &[&str]) -> latchkey::config::Config {
    config_with(
        accounts,
        r#"
        [[auth.approvers]]
        group = "engineers"
        accounts = ["acct0"]
        "#,
    )
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn approver_groups_approve_in_the_accounts_they_name(pool: PgPool) {
    let (a, b) = (unique_account(), unique_account());
    let s = services(pool, approvers(&[&a, &b])).await;
    let eng = s
        .users()
        .user_for(ENGINEER.into(), "Erin".into(), vec!["engineers".into()])
        .await
        .unwrap();
    assert_eq!(
        eng.approver_accounts,
        vec![a.clone()],
        "the name resolves to its id"
    );
    assert!(Approver::check(&eng, &AccountId::parse(&a).unwrap()).is_ok());
    assert!(Approver::check(&eng, &AccountId::parse(&b).unwrap()).is_err());
    let admin = s
        .users()
        .user_for(ADMIN.into(), "Ada".into(), vec!["admins".into()])
        .await
        .unwrap();
    assert!(admin.is_admin);
    assert!(Approver::check(&admin, &AccountId::parse(&b).unwrap()).is_ok());
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn me_shows_groups_and_what_each_grants(pool: PgPool) {
    let reports = ("reports", &[("latchkey-authorized", "engineers")][..]);
    let (_, a, base) = served_tagged(&pool, approvers, &[reports])
        .await
        .into_parts();

    let me: Value = signed_in(&base, ENGINEER)
        .await
        .post_json(format!("{base}/api/me"))
        .await;
    assert_eq!(me["user"]["id"], ENGINEER);
    assert_eq!(me["approves_everywhere"], false);
    assert_eq!(me["approver_accounts"][0]["account_id"], a.as_str());
    let group = &me["groups"][0];
    assert_eq!(group["group"], "engineers");
    let kinds = texts(&group["grants"], "kind");
    assert_eq!(kinds, ["approver", "roles", "role"], "{me}");
    assert!(group["grants"][2]["what"]
        .as_str()
        .unwrap()
        .starts_with("reports in acct0"));

    let admin: Value = signed_in(&base, ADMIN)
        .await
        .post_json(format!("{base}/api/me"))
        .await;
    assert_eq!(admin["approves_everywhere"], true);
    assert_eq!(admin["groups"][0]["grants"][0]["kind"], "admin");

    let page = signed_in(&base, ENGINEER)
        .await
        .get(format!("{base}/me"))
        .fetch()
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("What your groups grant") && html.contains("approves requests in acct0"));

    let anonymous = reqwest::Client::new()
        .post_empty(format!("{base}/api/me"))
        .await;
    assert_eq!(anonymous.status(), 401);
}
