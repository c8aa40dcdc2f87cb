//! `latchkey doctor` against moto with IAM enforcement on (its own moto:
//! enforcement is server-wide): a healthy account passes every check, an
//! account without the spoke role, a spoke role missing one permission and
//! an OIDC issuer that does not answer are each reported with their fix,
//! and the exit status says something failed.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use sqlx::PgPool;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const HUB_ACCOUNT: &str = "123456789012";

/// moto_server from the same venv as the AWS CLI the suite uses.
fn moto_server_bin() -> String {
    if let Ok(p) = std::env::var("LATCHKEY_TEST_MOTO_SERVER") {
        return p;
    }
    let cli = std::env::var("LATCHKEY_TEST_AWS_CLI")
        .expect("LATCHKEY_TEST_AWS_CLI or LATCHKEY_TEST_MOTO_SERVER");
    std::path::Path::new(&cli)
        .with_file_name("moto_server")
        .to_string_lossy()
        .into_owned()
}

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

async fn own_moto() -> (Moto, String) {
    let port = free_port();
    let moto = Moto(
        Command::new(moto_server_bin())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/moto-api/data.json"))
            .await
            .is_ok()
        {
            return (moto, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto did not start on {url}");
}

fn sdk(moto: &str, key: &str, secret: &str, token: Option<String>) -> aws_config::SdkConfig {
    let creds = aws_credential_types::Credentials::new(key, secret, token, None, "test");
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto)
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build()
}

/// IAM in `account`, through a session moto maps there.
async fn iam_in(moto: &str, account: &str) -> aws_sdk_iam::Client {
    let sts = aws_sdk_sts::Client::new(&sdk(moto, "testing", "testing", None));
    let c = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/setup"))
        .role_session_name("setup")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    aws_sdk_iam::Client::new(&sdk(
        moto,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
    ))
}

async fn spoke_role(iam: &aws_sdk_iam::Client, trusted: &str, policy: &str) {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{trusted}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    iam.create_role()
        .role_name("LatchkeySpoke")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("LatchkeySpoke")
        .policy_name("latchkey")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn doctor_reports_a_missing_spoke_role_a_missing_permission_and_a_dead_issuer(pool: PgPool) {
    let (_moto, moto) = own_moto().await;
    let (good, missing, narrow) = (unique_account(), unique_account(), unique_account());

    // The hub: a user allowed to assume roles, as an instance profile would be.
    let hub_iam = aws_sdk_iam::Client::new(&sdk(&moto, "testing", "testing", None));
    hub_iam
        .create_user()
        .user_name("latchkey-hub")
        .send()
        .await
        .unwrap();
    hub_iam
        .put_user_policy()
        .user_name("latchkey-hub")
        .policy_name("assume")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let key = hub_iam
        .create_access_key()
        .user_name("latchkey-hub")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let hub = format!("arn:aws:iam::{HUB_ACCOUNT}:user/latchkey-hub");

    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    spoke_role(&iam_in(&moto, &good).await, &hub, everything).await;
    // Everything but writing inline policies: approvals of policy asks fail.
    let no_put = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:PutRolePolicy","Resource":"*"}]}"#;
    spoke_role(&iam_in(&moto, &narrow).await, &hub, no_put).await;

    // From here on moto checks every call against IAM policies.
    let r = reqwest::Client::new()
        .post(format!("{moto}/moto-api/reset-auth"))
        .body("0")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let dead_issuer = format!("http://127.0.0.1:{}/realms/corp", free_port());
    let toml = format!(
        "[database]\nurl = \"{db}\"\n\
         [aws]\nendpoint_url = \"{moto}\"\nspoke_role_name = \"LatchkeySpoke\"\n\
         [[accounts]]\nid = \"{good}\"\nname = \"good\"\n\
         [[accounts]]\nid = \"{missing}\"\nname = \"missing\"\n\
         [[accounts]]\nid = \"{narrow}\"\nname = \"narrow\"\n\
         [auth]\nadmin_groups = [\"admins\"]\n\
         [auth.oidc]\nissuer_url = \"{dead_issuer}\"\nclient_id = \"latchkey\"\n\
         client_secret = \"s\"\nredirect_url = \"https://latchkey.example.com/auth/oidc/callback\"\n",
        db = database_url(&pool),
    );
    let dir = std::env::temp_dir().join(format!("latchkey-doctor-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("latchkey.toml");
    std::fs::write(&config, toml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--config")
        .arg(&config)
        .arg("doctor")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &dir)
        .env("AWS_ACCESS_KEY_ID", key.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", key.secret_access_key())
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let all = format!("{stdout}\n--- stderr ---\n{stderr}");
    let line = |prefix: &str| -> String {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{all}"))
            .to_owned()
    };
    assert!(!out.status.success(), "{all}");
    assert!(stderr.contains("check(s) failed"), "{all}");

    line("ok    database: reachable");
    line("ok    migrations: all ");
    assert!(line("ok    hub credentials:").contains(&hub), "{all}");

    // The healthy account: assumed, every permission there.
    line(&format!("ok    spoke {good} (good): assumed"));
    for action in [
        "iam:GetAccountAuthorizationDetails",
        "iam:GetCredentialReport",
        "s3:ListAllMyBuckets",
        "sqs:ListQueues",
        "sns:ListTopics",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
    ] {
        line(&format!("ok    spoke {good} (good) {action}: allowed"));
    }
    assert!(!stdout.contains(&format!("FAIL  spoke {good}")), "{all}");

    // No spoke role: said once, with what to create and whom it must trust.
    let l = line(&format!("FAIL  spoke {missing} (missing):"));
    assert!(
        l.contains(&format!(
            "fix: create arn:aws:iam::{missing}:role/LatchkeySpoke trusting {hub}"
        )),
        "{l}"
    );
    assert!(
        !stdout.contains(&format!("spoke {missing} (missing) iam:")),
        "{all}"
    );

    // One permission short: exactly that one fails, with its fix.
    let l = line(&format!(
        "FAIL  spoke {narrow} (narrow) iam:PutRolePolicy: denied"
    ));
    assert!(
        l.contains("fix: add iam:PutRolePolicy to the spoke role's policy"),
        "{l}"
    );
    line(&format!(
        "ok    spoke {narrow} (narrow) iam:DeleteRolePolicy: allowed"
    ));
    line(&format!(
        "ok    spoke {narrow} (narrow) iam:GetAccountAuthorizationDetails: allowed"
    ));

    // The issuer does not answer.
    let l = line("FAIL  oidc discovery:");
    assert!(
        l.contains(&dead_issuer) && l.contains("fix: set auth.oidc.issuer_url"),
        "{l}"
    );
    line("ok    console federation url:");

    // The probes wrote nothing: no probe role, policy or tag anywhere.
    let state = reqwest::get(format!("{moto}/moto-api/data.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        state.contains("LatchkeySpoke"),
        "moto's state dump lists roles"
    );
    assert!(
        !state.contains("latchkey-doctor"),
        "a probe left something behind"
    );
    let _ = std::fs::remove_dir_all(dir);
}
