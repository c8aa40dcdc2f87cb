//! The `latchkey` CLI against a running server: login (token saved 0600),
//! roles, export, credential-process, and the local credential server.
#![allow(clippy::unwrap_used)]
#[path = "../common/mod.rs"]
mod common;
mod modes;

use common::*;
use serde_json::Value;
use sqlx::PgPool;
use std::process::Command;

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_cli_logs_in_lists_roles_and_gets_credentials(pool: PgPool) {
    let (_, a, base) = served(&pool, &["eng-dev", "prod-admin"]).await.into_parts();
    let eng = signed_in(&base, ENGINEER).await;
    let t: Value = eng
        .post_form_json(format!("{base}/api/create_token"), &[("name", "cli")])
        .await;
    let token = t["token"].as_str().unwrap().to_owned();
    let home = std::env::temp_dir().join(format!("latchkey-cli-{}", uuid::Uuid::new_v4()));
    let (base2, home2) = (base.clone(), home.clone());
    let run = move |args: Vec<String>| {
        let home = home2.clone();
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            cli(&home, &refs)
        })
    };

    // Not logged in yet: a clear error.
    let out = run(vec!["roles".into()]).await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("latchkey login"));
    // A bad token is refused and not saved.
    let out = run(vec![
        "login".into(),
        "--server".into(),
        base2.clone(),
        "--token".into(),
        "lk_bad".into(),
    ])
    .await
    .unwrap();
    assert!(!out.status.success());
    stdout(
        &run(vec![
            "login".into(),
            "--server".into(),
            base2.clone(),
            "--token".into(),
            token.clone(),
        ])
        .await
        .unwrap(),
    );
    let saved = home.join("latchkey").join("cli.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let roles = stdout(&run(vec!["roles".into()]).await.unwrap());
    assert!(
        roles.contains(&format!("acct0/eng-dev\tarn:aws:iam::{a}:role/eng-dev")),
        "{roles}"
    );
    assert!(!roles.contains("prod-admin"));

    let lines = stdout(
        &run(vec!["export".into(), "acct0/eng-dev".into()])
            .await
            .unwrap(),
    );
    assert!(
        lines.starts_with("export AWS_ACCESS_KEY_ID='ASIA"),
        "{lines}"
    );
    let fish = stdout(
        &run(vec![
            "export".into(),
            "acct0/eng-dev".into(),
            "--shell".into(),
            "fish".into(),
        ])
        .await
        .unwrap(),
    );
    assert!(fish.starts_with("set -gx AWS_ACCESS_KEY_ID"));

    let cp: Value = serde_json::from_str(&stdout(
        &run(vec![
            "credential-process".into(),
            format!("arn:aws:iam::{a}:role/eng-dev"),
        ])
        .await
        .unwrap(),
    ))
    .unwrap();
    assert_eq!(cp["Version"], 1);
    assert!(cp["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(cp["Expiration"].as_str().unwrap().ends_with('Z'));

    let denied = run(vec![
        "export".into(),
        format!("arn:aws:iam::{a}:role/prod-admin"),
    ])
    .await
    .unwrap();
    assert!(!denied.status.success());
    assert!(String::from_utf8_lossy(&denied.stderr).contains("403"));

    // The local credential server caches until shortly before expiry.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(["serve", "acct0/eng-dev", "--port", &port.to_string()])
        .env("XDG_CONFIG_HOME", &home)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It prints the two exports a shell needs, the second a random token.
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        lines.push(line.trim().to_owned());
    }
    let url = format!("http://127.0.0.1:{port}/");
    assert_eq!(
        lines[0],
        format!("export AWS_CONTAINER_CREDENTIALS_FULL_URI={url}")
    );
    let local_token = lines[1]
        .strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN=")
        .unwrap()
        .to_owned();
    assert_eq!(local_token.len(), 48);
    let local = reqwest::Client::new();
    let get = |token: Option<&str>, host: Option<&str>| {
        let mut r = local.get(&url);
        if let Some(t) = token {
            r = r.header("Authorization", t);
        }
        if let Some(h) = host {
            r = r.header("Host", h);
        }
        r.fetch()
    };
    // Another local process without the token, or a page that rebound its
    // own name to 127.0.0.1, gets nothing.
    assert_eq!(get(None, None).await.status(), 403);
    assert_eq!(get(Some("wrong"), None).await.status(), 403);
    let rebound = format!("evil.example.com:{port}");
    let r = get(Some(&local_token), Some(&rebound)).await;
    assert_eq!(r.status(), 403);
    let first: Value = json_of(get(Some(&local_token), None).await).await;
    let second: Value = json_of(get(Some(&local_token), None).await).await;
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        first["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{first}"
    );
    assert_eq!(
        first["AccessKeyId"], second["AccessKeyId"],
        "served from the cache"
    );
    let issued: i64 = scalar(&pool, "SELECT count(*) FROM audit_events WHERE action = 'credentials.issue' AND outcome = 'success'").await;
    assert_eq!(issued, 4, "export x2, credential-process, serve (once)");
    let _ = std::fs::remove_dir_all(&home);
}
