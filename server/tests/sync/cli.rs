//! `latchkey sync` from a shell (#18): a progress bar over the runs on a
//! terminal, plain lines (one per run, nothing else) into a pipe or a file.
use super::*;
use std::process::Command;

fn sync_command(pool: &PgPool, account: &str, dir: &std::path::Path) -> Command {
    let config = dir.join("latchkey.toml");
    std::fs::write(&config, config_toml_in(&[account], &[], "")).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    c.arg("--config")
        .arg(&config)
        .args(["sync", "--task", "iam", "--task", "s3"])
        .env("LATCHKEY__DATABASE__URL", database_url(pool))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("RUST_LOG", "error");
    c
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn sync_shows_a_bar_on_a_terminal_and_plain_lines_in_a_pipe(pool: PgPool) {
    let account = unique_account();
    let s = services(pool.clone(), config(&[&account])).await;
    create_role(&iam(&s, &account).await, "eng-cli", &[], &[]).await;
    let dir = std::env::temp_dir().join(format!("latchkey-sync-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();

    // Into a pipe: one line per run, and no bar drawing.
    let out = sync_command(&pool, &account, &dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("iam {account}: 1 items")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("s3 {account}: 0 items")),
        "{stdout}"
    );
    assert!(!stderr.contains("runs"), "no bar off a terminal: {stderr}");

    // On a terminal (script(1) gives it one): the bar counts the runs.
    let cmd = sync_command(&pool, &account, &dir);
    let line = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut tty = Command::new("script");
    tty.args(["-qec", &line, "/dev/null"]);
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            tty.env(k, v);
        }
    }
    let out = tty.output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("/2 runs"),
        "a bar over the two runs: {shown}"
    );
    assert!(
        shown.contains(&format!("iam {account}: 1 items")),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
