//! Rule: only the role tag keys `[role_tags]` lists grant use of a role.
//! Once an organisation moves to `consoleme-authorized`, a role still (or
//! newly) tagged `latchkey-authorized` for the attacker's group is nobody's:
//! not listed, no credentials, no console.
use super::*;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_unconfigured_tag_key_grants_nothing(pool: PgPool) {
    let keys = "\n[role_tags]\nauthorized = [\"consoleme-authorized\"]\n\
                authorized_cli_only = [\"consoleme-authorized-cli-only\"]\n";
    // `ops-*` is outside the engineers' config pattern: only a tag could
    // make these roles theirs.
    let roles: [(&str, &[(&str, &str)]); 3] = [
        ("ops-legacy", &[("latchkey-authorized", "engineers")]),
        (
            "ops-legacy-cli",
            &[("latchkey-authorized-cli-only", "engineers")],
        ),
        // A look-alike of a configured key, differing in case only.
        ("ops-cased", &[("ConsoleMe-Authorized", "engineers")]),
    ];
    let w = served_tagged(&pool, |a| config_with(a, keys), &roles).await;
    let eng = w.signed_in(ENGINEER).await;
    let browser = signed_in_without_redirects(&w.base, ENGINEER).await;
    let listed = eng
        .get_text(format!("{}/api/v2/get_roles?all=true", w.base))
        .await;
    for (role, _) in roles {
        let arn = w.role(role);
        assert!(!listed.contains(&arn), "{role} listed: {listed}");
        assert_eq!(
            credentials(&eng, &w.base, &arn).await.status(),
            403,
            "{role}"
        );
        let console = format!("{}/role/{}/{role}", w.base, w.account);
        assert_eq!(browser.get_status(console).await, 403, "{role}");
    }
    let (issued, denied): (i64, i64) = row(
        &pool,
        "SELECT count(*) FILTER (WHERE outcome = 'success'), count(*) FILTER (WHERE outcome = 'denied') \
         FROM audit_events WHERE action IN ('credentials.issue', 'console.signin')",
    )
    .await;
    assert_eq!((issued, denied), (0, 6));
}
