//! Eligibility from role tags, and who is told why.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn role_tags_make_roles_eligible_for_the_groups_they_name(pool: PgPool) {
    let roles: [(&str, &[(&str, &str)]); 3] = [
        ("reports", &[("latchkey-authorized", "finance:engineers")]),
        ("batch", &[("latchkey-authorized-cli-only", "engineers")]),
        ("other", &[("latchkey-authorized", "finance")]),
    ];
    let w = served_tagged(&pool, config, &roles).await;
    let eng = w.signed_in(ENGINEER).await;
    let (_, a, base) = w.into_parts();
    let roles: Vec<String> = eng
        .get_json(format!("{base}/api/v1/get_roles?all=true"))
        .await;
    assert_eq!(
        roles,
        [
            format!("arn:aws:iam::{a}:role/batch"),
            format!("arn:aws:iam::{a}:role/reports")
        ]
    );
    let console_only: Vec<String> = eng.get_json(format!("{base}/api/v1/get_roles")).await;
    assert_eq!(console_only, [format!("arn:aws:iam::{a}:role/reports")]);
    for (role, status) in [("reports", 200), ("batch", 200), ("other", 403)] {
        let r = credentials(&eng, &base, &format!("arn:aws:iam::{a}:role/{role}")).await;
        assert_eq!(r.status(), status, "{role}");
    }
    // Administrators see who may use a role and why; engineers do not.
    let admin = signed_in(&base, ADMIN).await;
    let form = [("account", a.as_str()), ("name", "reports")];
    let detail: Value = admin
        .post_form_json(format!("{base}/api/role"), &form)
        .await;
    let grants = text_pairs(&detail["grants"], "principal", "reason");
    assert_eq!(
        grants,
        [
            (
                "group or user finance".to_string(),
                "role tag latchkey-authorized".to_string()
            ),
            (
                "group or user engineers".to_string(),
                "role tag latchkey-authorized".to_string()
            ),
        ]
    );
    let mine: Value = eng.post_form_json(format!("{base}/api/role"), &form).await;
    assert!(mine["grants"].as_array().unwrap().is_empty());
}
