//! Document-less high-risk changes and new roles with admin rights wait for
//! a second approver, and show why.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn document_less_high_risk_changes_need_two_approvers_and_show_why(pool: PgPool) {
    let cfg = |a: &[&str]| two_approvers(&[a[0], unique_account().as_str()]);
    let w = served_with(&pool, cfg, &["eng-app"]).await;
    let base = &w.base;
    let role = w.role("eng-app");
    let eng = w.signed_in(ENGINEER).await;
    let outsider = "arn:aws:iam::999999999999:root";
    let cases = [
        (
            "eligibility tag",
            json!({"kind": "tags_put", "tags": [{"key": "latchkey-authorized", "value": "everyone"}]}),
            "eligibility-tag",
            2,
        ),
        (
            "admin policy",
            json!({"kind": "managed_policy_attach", "policy_arn": ADMIN_POLICY}),
            "admin-policy-attach",
            2,
        ),
        (
            "boundary removed",
            json!({"kind": "boundary_delete"}),
            "boundary-removed",
            2,
        ),
        (
            "outside trust",
            json!({"kind": "trust_policy_put", "document": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": outsider}, "Action": "sts:AssumeRole"}]}}),
            "principal-outside-org",
            2,
        ),
        (
            "plain tag",
            json!({"kind": "tags_put", "tags": [{"key": "team", "value": "data"}]}),
            "",
            1,
        ),
    ];
    for (name, spec, code, needed) in cases {
        let ask = json!([{"target_arn": role, "spec": spec}]);
        let r = submit_request(&eng, base, &role, ask, false).await;
        assert_eq!(r.status(), 200, "{name}");
        let id: String = r.json().await.unwrap();
        let lead = w.signed_in(LEAD_A).await;
        let (change, codes) = first_change(&lead, base, &id).await;
        assert_eq!(change["approvals_needed"], needed, "{name}: {change}");
        assert_eq!(
            codes.iter().any(|c| c == code),
            !code.is_empty(),
            "{name}: {codes:?}"
        );
        // One approval applies a routine change; a high-risk one waits.
        let r = approve_all(&lead, base, &id).await;
        assert!(r.status().is_success(), "{name}: {}", r.status());
        let want = if needed == 2 { "pending" } else { "applied" };
        assert_eq!(change_status(&pool, &id).await, want, "{name}");
    }
}

/// A new role (a clone of an admin role, say) carries its policies and tags
/// from the start: created with AdministratorAccess, an eligibility tag and
/// an `iam:*` inline policy, it is as high risk as attaching them later.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_new_role_with_admin_rights_needs_two_approvers_and_shows_why(pool: PgPool) {
    let w = served_with(&pool, two_approvers, &[]).await;
    let (a, base) = (&w.account, &w.base);
    let role = w.role("ops-copy");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{a}:root")}, "Action": "sts:AssumeRole"}]});
    let spec = json!({"kind": "role_create", "trust_policy": trust,
        "managed_policy_arns": [ADMIN_POLICY],
        "tags": [{"key": "latchkey-authorized", "value": "engineers"}],
        "inline_policies": [{"name": "iam", "document": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}}]});
    let lead = w.signed_in(LEAD_A).await;
    let id = asked(
        &lead,
        base,
        &role,
        json!([{"target_arn": role, "spec": spec}]),
    )
    .await;
    let admin = w.signed_in(ADMIN).await;
    let (change, codes) = first_change(&admin, base, &id).await;
    assert_eq!(change["approvals_needed"], 2, "{change}");
    for code in ["admin-policy-attach", "eligibility-tag", "service-wildcard"] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} missing from {codes:?}"
        );
    }
    // One approval is not enough: the role is not created.
    assert!(approve_all(&admin, base, &id).await.status().is_success());
    assert_eq!(change_status(&pool, &id).await, "pending");
    assert!(
        !role_exists(&iam(&w.s, a).await, "ops-copy").await,
        "the role was created on one approval"
    );
}

/// Rule: a change to a tag `[role_tags]` lists is an eligibility change,
/// whatever the key is called. Under ConsoleMe's keys, an engineer asking to
/// tag a role `consoleme-authorized` for everyone (written in any case)
/// needs two approvers; the old `latchkey-authorized` grants nothing and is
/// a plain tag.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_configured_eligibility_tag_needs_two_approvers(pool: PgPool) {
    let cfg = |a: &[&str]| {
        let extra = format!(
            "{LEADS}\n[requests]\ntwo_approvers_for_high_risk = true\n\
             [role_tags]\nauthorized = [\"consoleme-authorized\"]\n\
             authorized_cli_only = [\"consoleme-authorized-cli-only\"]\n"
        );
        config_with(a, &extra)
    };
    let w = served_with(&pool, cfg, &["eng-app"]).await;
    let lead = w.signed_in(LEAD_A).await;
    for (key, needed) in [
        ("consoleme-authorized", 2),
        ("CONSOLEME-AUTHORIZED-CLI-ONLY", 2),
        ("latchkey-authorized", 1),
    ] {
        let id = w.asked_to_tag("eng-app", key, "everyone").await;
        let (change, codes) = first_change(&lead, &w.base, &id).await;
        assert_eq!(change["approvals_needed"], needed, "{key}: {change}");
        assert_eq!(
            codes.iter().any(|c| c == "eligibility-tag"),
            needed == 2,
            "{key}"
        );
        assert!(approve_all(&lead, &w.base, &id).await.status().is_success());
        let want = if needed == 2 { "pending" } else { "applied" };
        assert_eq!(change_status(&pool, &id).await, want, "{key}");
    }
    let tags = role_tags(&iam(&w.s, &w.account).await, "eng-app").await;
    assert_eq!(
        tags,
        ["latchkey-authorized=everyone"],
        "one approval applied only the plain tag"
    );
}
