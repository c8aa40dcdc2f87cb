//! Accounts from config and from AWS Organizations; admins enable/disable them.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::db::sync_runs::Claim;
use latchkey::services::sync::accounts::discover_all;
use latchkey::services::sync::engine::{sync_all, Trigger};
use sqlx::PgPool;

async fn accounts(pool: &PgPool) -> Vec<(String, String, String, bool)> {
    rows(
        pool,
        "SELECT account_id, name, source, enabled FROM accounts ORDER BY account_id",
    )
    .await
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn organization_members_are_discovered_synced_and_can_be_disabled(pool: PgPool) {
    let mgmt = unique_account();
    let configured = unique_account();
    let cfg = config_with(
        &[&configured],
        &format!("\n[[organizations]]\nmanagement_account_id = \"{mgmt}\"\n"),
    );
    let s = services(pool.clone(), cfg).await;
    // An organization in moto, managed from `mgmt`, with two member accounts.
    let mgmt_id = app::domain::AccountId::parse(&mgmt).unwrap();
    let org = s.aws.spoke_organizations(&mgmt_id).await.unwrap();
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut members = Vec::new();
    for name in ["team-a", "team-b"] {
        let r = org
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap();
        members.push(
            r.create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_owned(),
        );
    }

    let found = discover_all(&s, Trigger::Manual).await;
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1,
        Ok(Some(3)),
        "management account and two members added: {found:?}"
    );
    let all = accounts(&pool).await;
    assert_eq!(all.len(), 4);
    let source = format!("organizations:{mgmt}");
    for m in &members {
        let a = all.iter().find(|a| &a.0 == m).unwrap();
        assert_eq!((a.2.as_str(), a.3), (source.as_str(), true));
    }
    assert!(all.iter().any(|a| a.0 == configured && a.2 == "config"));
    assert_eq!(
        discover_all(&s, Trigger::Manual).await[0].1,
        Ok(Some(0)),
        "a second discovery adds nothing"
    );

    // Replicas: while another holds the organization, discovery skips it
    // and lists nothing; a scheduled tick lists it once across replicas.
    let runs = || {
        scalar::<i64>(
            &pool,
            "SELECT count(*) FROM sync_runs WHERE task = 'accounts'",
        )
    };
    let before = runs().await;
    let held = Claim::take(&pool, "accounts", &mgmt)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(discover_all(&s, Trigger::Schedule).await[0].1, Ok(None));
    assert_eq!(
        runs().await,
        before,
        "no run recorded while another holds it"
    );
    held.release("accounts", &mgmt).await;
    assert_eq!(discover_all(&s, Trigger::Schedule).await[0].1, Ok(Some(0)));
    assert_eq!(
        discover_all(&s, Trigger::Schedule).await[0].1,
        Ok(None),
        "the same tick on a second replica"
    );
    assert_eq!(runs().await, before + 1);

    // Discovered accounts are synced like configured ones.
    let results = sync_all(&s, Trigger::Manual).await;
    assert_eq!(results.len(), 4 * 4);

    // An admin disables one member: it is no longer synced, and discovery does not re-enable it.
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let r = set_account_enabled(&eng, &base, members[0].as_str(), false).await;
    assert_eq!(r.status(), 403);
    let admin = signed_in(&base, ADMIN).await;
    let r = set_account_enabled(&admin, &base, members[0].as_str(), false).await;
    assert!(r.status().is_success(), "{}", r.status());
    discover_all(&s, Trigger::Manual).await;
    let disabled = accounts(&pool)
        .await
        .into_iter()
        .find(|a| a.0 == members[0])
        .unwrap();
    assert!(!disabled.3);
    let results = sync_all(&s, Trigger::Manual).await;
    assert_eq!(results.len(), 3 * 4);
    assert!(results.iter().all(|r| r.1.as_str() != members[0]));
    let audited: i64 = scalar(
        &pool,
        "SELECT count(*) FROM audit_events WHERE action = 'account.disable'",
    )
    .await;
    assert_eq!(audited, 1);
    let r = set_account_enabled(&admin, &base, "999999999999", true).await;
    assert_eq!(r.status(), 404);
}
