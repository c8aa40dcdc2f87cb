//! IP-restricted credentials (ConsoleMe's `ip_restrictions`, Weep's
//! `--no-ip`): with `[credentials] ip_restrictions`, every issued session
//! carries the session policy (seen on the wire to STS, through a proxy in
//! front of moto); only members of `no_ip_restrictions_groups` may ask
//! without it, and both the refusal and the opt-out are audited.
use super::*;
use std::sync::Arc;

const POLICY_SENT: &str = "Action=AssumeRole\u{0}LatchkeyIpRestriction\u{0}192.0.2.0%2F24";

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn issued_credentials_carry_the_ip_restriction_unless_an_allowed_user_opts_out(pool: PgPool) {
    let stub = Arc::new(Stub::default());
    stub.watch(POLICY_SENT);
    let aws = start_stub(stub.clone()).await;
    let a = unique_account();
    let extra = format!(
        "{}\n[credentials]\nip_restrictions = [\"192.0.2.0/24\"]\nno_ip_restrictions_groups = [\"admins\"]\n",
        eligibility("admins", &[ENG_ROLE_PATTERN])
    );
    let toml = config_toml_in(&[&a], &[], &extra).replace(&moto_url(), &aws);
    let cfg = latchkey::config::Config::from_toml(&toml, std::iter::empty()).unwrap();
    let s = services(pool.clone(), cfg).await;
    create_role(&iam(&s, &a).await, "eng-dev", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;
    let role = format!("arn:aws:iam::{a}:role/eng-dev");
    let ask = |c: reqwest::Client, no_ip: bool| {
        let (base, role) = (base.clone(), role.clone());
        async move {
            let body = json!({ "requested_role": role, "no_ip_restrictions": no_ip });
            c.post(format!("{base}/api/v1/get_credentials"))
                .json(&body)
                .fetch()
                .await
                .status()
                .as_u16()
        }
    };
    let erin = signed_in(&base, ENGINEER).await;
    let ada = signed_in(&base, ADMIN).await;

    assert_eq!(ask(erin.clone(), false).await, 200);
    assert_eq!(
        stub.hits(POLICY_SENT).0,
        1,
        "the session policy went to STS"
    );
    assert_eq!(ask(erin.clone(), true).await, 403, "Erin may not opt out");
    assert_eq!(ask(ada.clone(), true).await, 200, "an admin may");
    assert_eq!(stub.hits(POLICY_SENT).0, 1, "without the policy");
    assert_eq!(ask(ada, false).await, 200);
    assert_eq!(stub.hits(POLICY_SENT).0, 2);

    let audited: Vec<(String, String, Value)> = rows(
        &pool,
        "SELECT actor, outcome, detail FROM audit_events WHERE action = 'credentials.issue' ORDER BY id",
    )
    .await;
    let seen: Vec<(&str, &str, Option<bool>, Option<bool>)> = audited
        .iter()
        .map(|(who, outcome, d)| {
            (
                who.as_str(),
                outcome.as_str(),
                d["ip_restricted"].as_bool(),
                d["no_ip_restrictions"].as_bool(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (ENGINEER, "success", Some(true), Some(false)),
            (ENGINEER, "denied", None, Some(true)),
            (ADMIN, "success", Some(false), Some(true)),
            (ADMIN, "success", Some(true), Some(false)),
        ]
    );
}
