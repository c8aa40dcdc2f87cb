//! A Postgres cluster of the test's own, for tests that stop and start the
//! database under a running server: `initdb` into a fresh directory under
//! the temporary dir, served on a free port, removed when dropped. The
//! machine's own Postgres is never touched. As root (Postgres refuses to
//! run as root) the tools run as the `postgres` user, as scripts/lib.sh does.
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PgCluster {
    /// Creates and starts a cluster (trust auth, user `postgres`, no fsync).
    pub async fn start() -> PgCluster {
        let bin = server_bin();
        let dir = std::env::temp_dir().join(format!("latchkey-pg-{}", uuid::Uuid::new_v4()));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let pg = PgCluster { bin, dir, port };
        let data = pg.dir.to_str().unwrap().to_owned();
        pg.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust"])
            .await;
        pg.start_again().await;
        pg
    }

    /// `postgres://postgres@127.0.0.1:PORT/db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Stops the cluster as an operator's restart does (`-m fast`: sessions
    /// are ended, open transactions rolled back).
    pub async fn stop(&self) {
        let data = self.dir.to_str().unwrap().to_owned();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"])
            .await;
    }

    /// Starts it (again) and waits until it accepts connections.
    pub async fn start_again(&self) {
        let data = self.dir.to_str().unwrap().to_owned();
        let log = self.dir.join("server.log");
        let opts = format!(
            "-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        let log = log.to_str().unwrap().to_owned();
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &opts, "-w", "start"],
        )
        .await;
    }

    /// Runs one of the server's tools (as `postgres` when we are root),
    /// off the async workers; fails the test with its output if it fails.
    async fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let out = tokio::task::spawn_blocking(move || {
            let mut c = if is_root() {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&exe);
                c
            } else {
                Command::new(&exe)
            };
            c.args(&args).output()
        })
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.to_str().unwrap_or_default();
        let ctl = self.bin.join("pg_ctl");
        let mut c = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&ctl);
            c
        } else {
            Command::new(&ctl)
        };
        let _ = c
            .args(["-D", data, "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Where `initdb` and `pg_ctl` are: `LATCHKEY_TEST_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin` (Debian's layout), else `pg_config --bindir`.
fn server_bin() -> PathBuf {
    if let Some(dir) = std::env::var_os("LATCHKEY_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let e = e.ok()?;
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max_by_key(|(v, _)| *v);
    if let Some((_, bin)) = newest {
        return bin;
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|b| Path::new(b).join("initdb").exists());
    from_pg_config.unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server tools (initdb, pg_ctl): install postgresql \
             (scripts/lib.sh ensure_postgres does) or set LATCHKEY_TEST_PG_BIN"
        )
    })
}
