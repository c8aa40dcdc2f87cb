//! A `latchkey` server process of the test's own (the binary `cargo test`
//! built), on the test's database: a replica that can be killed outright
//! (SIGKILL), as a crash or an OOM kill would end it.
use sqlx::PgPool;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct ServerProcess {
    child: Option<Child>,
    pub base: String,
    log: PathBuf,
}

/// The URL of the database `pool` is connected to (a `#[sqlx::test]` one),
/// on the server `DATABASE_URL` names.
pub fn database_url(pool: &PgPool) -> String {
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let mut url = reqwest::Url::parse(&server).unwrap();
    let db = pool.connect_options().get_database().unwrap().to_owned();
    url.set_path(&db);
    url.to_string()
}

impl ServerProcess {
    /// Starts `latchkey` with `toml` as its config, on `database`, reading
    /// AWS at `aws` (moto, or a proxy in front of it); returns once it
    /// answers `/readyz`.
    pub async fn start(toml: &str, database: &str, aws: &str) -> ServerProcess {
        let dir = std::env::temp_dir().join(format!("latchkey-proc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("latchkey.toml");
        std::fs::write(&config, toml).unwrap();
        let log = dir.join("server.log");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .arg("--config")
            .arg(&config)
            // Leptos.toml is read from the working directory.
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env("LATCHKEY__DATABASE__URL", database)
            .env("LATCHKEY__SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("LATCHKEY__AWS__ENDPOINT_URL", aws)
            .env(
                "RUST_LOG",
                "info,aws_config=warn,aws_smithy_runtime=warn,sqlx=warn",
            )
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let mut p = ServerProcess {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        p.wait_ready().await;
        p
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("latchkey exited ({status}):\n{}", self.log());
            }
            let ready = http.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("latchkey never became ready:\n{}", self.log());
    }

    /// Ends the process at once (SIGKILL): no shutdown, no last writes.
    pub async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            tokio::task::spawn_blocking(move || c.wait())
                .await
                .unwrap()
                .unwrap();
        }
    }

    /// What the process logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(dir) = self.log.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
