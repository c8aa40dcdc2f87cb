//! Eligibility from role tags, and who is told why.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn role_tags_make_roles_eligible_for_the_groups_they_name(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    create_role(
        &iam,
        "reports",
        &[],
        &[("latchkey-authorized", "finance:engineers")],
    )
    .await;
    create_role(
        &iam,
        "batch",
        &[],
        &[("latchkey-authorized-cli-only", "engineers")],
    )
    .await;
    create_role(&iam, "other", &[], &[("latchkey-authorized", "finance")]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let eng = signed_in(&base, ENGINEER).await;
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
    let grants: Vec<(String, String)> = detail["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["principal"].as_str().unwrap().to_owned(),
                g["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
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
