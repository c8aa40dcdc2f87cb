//! Protected roles stay protected: one protected after a change to it was
//! asked for, and the role Latchkey itself runs as.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_stored_change_to_a_role_protected_later_is_never_applied(pool: PgPool) {
    let w = served(&pool, &["eng-ops"]).await;
    let (a, s) = (&w.account, &w.s);
    let (role, id) = (w.role("eng-ops"), w.asked_to_tag("eng-ops", "k", "v").await);
    // The operator protects the role before anyone approves.
    let keys = format!(r#"protected_roles = ["{role}"]"#);
    let cfg = config_in(&[a.as_str()], &[("aws", &keys)], "");
    let s2 = latchkey::services::Services::new(pool.clone(), s.aws.clone(), cfg.into());
    let base2 = spawn_http(s2).await;
    let admin = signed_in(&base2, ADMIN).await;
    let r = approve_all(&admin, &base2, &id).await;
    let (status, error) = change_outcome(&pool, &id).await;
    assert_eq!(status, "failed", "{:?}", r.status());
    assert!(error.unwrap_or_default().contains("protected"));
    assert!(role_tags(&iam(s, a).await, "eng-ops").await.is_empty());
}

/// Latchkey running as a role nobody named in `aws.hub_role_arn` still
/// protects it: STS says which role it is, at start-up, and that role is
/// nobody's, whatever its path or an eligibility pattern says.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_role_latchkey_runs_as_is_found_and_protected(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    // Under a path no pattern names, but tagged for engineers: only the
    // protection can keep it from them.
    iam.create_role()
        .role_name("eng-latchkey-hub")
        .path("/infra/")
        .assume_role_policy_document(TRUST)
        .tags(iam_tag("latchkey-authorized", "engineers"))
        .send()
        .await
        .unwrap();
    let hub = format!("arn:aws:iam::{a}:role/infra/eng-latchkey-hub");
    // Latchkey's credentials are a session of that role.
    let session = s
        .aws
        .hub_sts()
        .assume_role()
        .role_arn(&hub)
        .role_session_name("latchkey-hub")
        .send()
        .await
        .unwrap();
    let c = session.credentials().unwrap();
    let as_hub = sts_as(
        &s,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    );
    let detected = latchkey::startup::detect_hub_role(&as_hub).await;
    assert_eq!(
        detected.as_ref().map(ToString::to_string),
        Some(format!("arn:aws:iam::{a}:role/eng-latchkey-hub"))
    );
    // Without it the tag would make the hub an engineer's role.
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let roles = eng.get_text(format!("{base}/api/v2/get_roles")).await;
    assert!(
        roles.contains("eng-latchkey-hub"),
        "sanity: eligible when unprotected"
    );

    let keys = format!(r#"hub_role_arn = "{}""#, detected.unwrap());
    let s2 = services(pool.clone(), config_in(&[&a], &[("aws", &keys)], "")).await;
    let base2 = spawn_http(s2).await;
    let eng = signed_in(&base2, ENGINEER).await;
    let roles = eng.get_text(format!("{base2}/api/v2/get_roles")).await;
    assert!(!roles.contains("eng-latchkey-hub"), "{roles}");
    assert_eq!(credentials(&eng, &base2, &hub).await.status(), 403);
    let issued: i64 = scalar(
        &pool,
        "SELECT count(*) FROM audit_events WHERE action = 'credentials.issue' AND outcome = 'success'",
    )
    .await;
    assert_eq!(issued, 0);
}
