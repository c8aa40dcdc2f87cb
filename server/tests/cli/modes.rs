//! Weep's modes through the `latchkey` CLI, with the real AWS CLI and
//! boto3 as its clients.
use super::*;

/// A program with a clean environment: only what it is given.
fn clean(program: &str, home: &std::path::Path, env: &[(&str, String)]) -> Command {
    let mut c = Command::new(program);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"));
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs `cmd` off the runtime (the server under test shares it).
async fn output(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// What AWS (moto) says the caller is, per the AWS CLI run with `env`.
async fn cli_arn(
    home: &std::path::Path,
    env: Vec<(&'static str, String)>,
    args: &[&str],
) -> String {
    let aws = std::env::var("LATCHKEY_TEST_AWS_CLI").unwrap_or_else(|_| "aws".into());
    let mut full = vec![
        "sts",
        "get-caller-identity",
        "--output",
        "json",
        "--endpoint-url",
    ];
    let moto = moto_url();
    full.push(&moto);
    full.extend_from_slice(args);
    let mut cmd = clean(&aws, home, &env);
    cmd.args(&full);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["Arn"].as_str().unwrap().to_owned()
}

/// Weep's modes, with the real AWS CLI and boto3 as the clients: instance
/// metadata (IMDSv2 required), the ECS server for any role, a credentials
/// file profile, generated `credential_process` profiles, role chaining.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_aws_cli_and_boto3_use_every_cli_mode(pool: PgPool) {
    let (_, a, base) = served(&pool, &["eng-dev", "eng-ops"]).await.into_parts();
    let eng = signed_in(&base, ENGINEER).await;
    let t: Value = eng
        .post_form_json(format!("{base}/api/create_token"), &[("name", "cli")])
        .await;
    let token = t["token"].as_str().unwrap().to_owned();
    let home = std::env::temp_dir().join(format!("latchkey-modes-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&home).unwrap();
    let latchkey = env!("CARGO_BIN_EXE_latchkey");
    let moto = ("AWS_ENDPOINT_URL", moto_url());
    let mut c = clean(latchkey, &home, &[]);
    c.args(["login", "--server", &base, "--token", &token]);
    let out = output(c).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let assumed = |role: &str| format!("arn:aws:sts::{a}:assumed-role/{role}/");

    // serve: metadata for eng-dev, ECS for any role.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = clean(latchkey, &home, &[])
        .args(["serve", "acct0/eng-dev", "--port", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        lines.push(line.trim().to_owned());
    }
    let local_token = lines[1].rsplit('=').next().unwrap().to_owned();
    let imds = format!("http://127.0.0.1:{port}/");
    assert!(lines[2].ends_with(&imds), "{lines:?}");
    let arn = cli_arn(
        &home,
        vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.clone())],
        &[],
    )
    .await;
    assert!(
        arn.starts_with(&assumed("eng-dev")),
        "the AWS CLI through IMDS: {arn}"
    );
    let local = reqwest::Client::new();
    let roles_url = format!("{imds}latest/meta-data/iam/security-credentials/");
    assert_eq!(
        local.get(&roles_url).fetch().await.status(),
        401,
        "IMDSv1 is refused"
    );
    let session = local
        .put(format!("{imds}latest/api/token"))
        .header("x-aws-ec2-metadata-token-ttl-seconds", "60")
        .fetch()
        .await
        .text()
        .await
        .unwrap();
    let with = |r: reqwest::RequestBuilder| r.header("x-aws-ec2-metadata-token", &session);
    assert_eq!(
        with(local.get(&roles_url))
            .fetch()
            .await
            .text()
            .await
            .unwrap(),
        "eng-dev"
    );
    let from_page = with(local.get(&roles_url)).header("origin", "https://evil.example");
    assert_eq!(
        from_page.fetch().await.status(),
        403,
        "a page's request is refused"
    );
    let info: Value = json_of(
        with(local.get(format!("{imds}latest/meta-data/iam/info")))
            .fetch()
            .await,
    )
    .await;
    assert_eq!(
        info["InstanceProfileArn"],
        format!("arn:aws:iam::{a}:instance-profile/eng-dev")
    );

    let python = std::path::Path::new(
        &std::env::var("LATCHKEY_TEST_AWS_CLI").unwrap_or_else(|_| "aws".into()),
    )
    .with_file_name("python");
    let script = format!(
        "import boto3; print(boto3.client('sts', endpoint_url='{}').get_caller_identity()['Arn'])",
        moto_url()
    );
    for (path, role) in [("ecs/acct0/eng-ops", "eng-ops"), ("ecs/eng-dev", "eng-dev")] {
        let mut cmd = clean(
            python.to_str().unwrap(),
            &home,
            &[
                (
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    format!("{imds}{path}"),
                ),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", local_token.clone()),
            ],
        );
        cmd.args(["-c", &script]);
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let arn = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(
            arn.starts_with(&assumed(role)),
            "boto3 through /{path}: {arn}"
        );
    }
    child.kill().unwrap();
    let _ = child.wait();

    // file: a profile among others, kept private.
    std::fs::write(
        home.join("aws-credentials"),
        "[keep]\naws_access_key_id = KEEP\n",
    )
    .unwrap();
    let mut c = clean(latchkey, &home, &[]);
    c.args(["file", "acct0/eng-ops", "--profile", "ops"]);
    let out = output(c).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(home.join("aws-credentials")).unwrap();
    assert!(
        text.contains("[keep]\naws_access_key_id = KEEP") && text.contains("[ops]"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join("aws-credentials"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let arn = cli_arn(&home, vec![], &["--profile", "ops"]).await;
    assert!(arn.starts_with(&assumed("eng-ops")), "{arn}");

    // setup: credential_process profiles, written twice, one block.
    std::fs::write(
        home.join("aws-config"),
        "[profile keep]\nregion = eu-west-1\n",
    )
    .unwrap();
    for _ in 0..2 {
        let mut c = clean(latchkey, &home, &[]);
        c.args(["setup", "--write"]);
        let out = output(c).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let config = std::fs::read_to_string(home.join("aws-config")).unwrap();
    assert_eq!(
        config.matches("# BEGIN latchkey setup").count(),
        1,
        "{config}"
    );
    assert!(
        config.starts_with("[profile keep]\nregion = eu-west-1\n"),
        "{config}"
    );
    assert!(config.contains(&format!("[profile acct0-eng-dev]\ncredential_process = {latchkey} credential-process arn:aws:iam::{a}:role/eng-dev")), "{config}");
    let arn = cli_arn(&home, vec![], &["--profile", "acct0-eng-dev"]).await;
    assert!(arn.starts_with(&assumed("eng-dev")), "{arn}");

    // -A: from eng-dev's credentials into eng-ops; whoami says so.
    let mut c = clean(latchkey, &home, std::slice::from_ref(&moto));
    c.args([
        "export",
        "eng-dev",
        "-A",
        &format!("arn:aws:iam::{a}:role/eng-ops"),
    ]);
    let out = output(c).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exports = String::from_utf8_lossy(&out.stdout).to_string();
    let var = |name: &str| {
        let line = exports
            .lines()
            .find(|l| l.starts_with(&format!("export {name}=")))
            .unwrap();
        line.split_once('=')
            .unwrap()
            .1
            .trim_matches('\'')
            .to_owned()
    };
    let mut c = clean(
        latchkey,
        &home,
        &[
            moto,
            ("AWS_ACCESS_KEY_ID", var("AWS_ACCESS_KEY_ID")),
            ("AWS_SECRET_ACCESS_KEY", var("AWS_SECRET_ACCESS_KEY")),
            ("AWS_SESSION_TOKEN", var("AWS_SESSION_TOKEN")),
        ],
    );
    c.arg("whoami");
    let out = output(c).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let me: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        me["Arn"].as_str().unwrap().starts_with(&assumed("eng-ops")),
        "{me}"
    );
    let _ = std::fs::remove_dir_all(&home);
}

/// An application runs the CLI with its token in `LATCHKEY_TOKEN` (no
/// `latchkey login`), and AWS sees its session named after it.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_application_uses_the_cli_with_its_token_from_the_environment(pool: PgPool) {
    let rule =
        "[[eligibility]]\napp = \"billing-batch\"\nroles = [\"arn:aws:iam::*:role/billing-*\"]\n";
    let w = served_with(&pool, |a| config_with(a, rule), &["billing-writer"]).await;
    let admin = w.signed_in(ADMIN).await;
    let made = admin
        .post_form(
            format!("{}/api/create_application", w.base),
            &[("name", "billing-batch")],
        )
        .await;
    assert!(made.status().is_success());
    let t: Value = admin
        .post_form_json(
            format!("{}/api/create_application_token", w.base),
            &[("app", "billing-batch"), ("token_name", "prod")],
        )
        .await;
    let token = t["token"].as_str().unwrap().to_owned();
    let home = std::env::temp_dir().join(format!("latchkey-app-{}", uuid::Uuid::new_v4()));
    let bin = env!("CARGO_BIN_EXE_latchkey");

    let alone = clean(bin, &home, &[("LATCHKEY_TOKEN", token.clone())]);
    let out = output({
        let mut c = alone;
        c.args(["credential-process", "billing-writer"]);
        c
    })
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LATCHKEY_SERVER"));

    let env = [
        ("LATCHKEY_TOKEN", token),
        ("LATCHKEY_SERVER", w.base.clone()),
    ];
    let mut cmd = clean(bin, &home, &env);
    cmd.args(["credential-process", &w.role("billing-writer")]);
    let out = output(cmd).await;
    let creds: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let env = vec![
        (
            "AWS_ACCESS_KEY_ID",
            creds["AccessKeyId"].as_str().unwrap().to_owned(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            creds["SecretAccessKey"].as_str().unwrap().to_owned(),
        ),
        (
            "AWS_SESSION_TOKEN",
            creds["SessionToken"].as_str().unwrap().to_owned(),
        ),
    ];
    let arn = cli_arn(&home, env, &[]).await;
    assert!(
        arn.ends_with(":assumed-role/billing-writer/app-billing-batch"),
        "{arn}"
    );
}
