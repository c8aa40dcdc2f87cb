//! Access rules edited at run time (Admin › Access): each save a version
//! with who and why, in force on every replica within seconds (Postgres
//! NOTIFY), refused when stale or malformed; the config file seeds them;
//! `latchkey import-consoleme` merges a ConsoleMe config into them.
use super::*;
use latchkey::services::Services;

/// A replica: services on the shared database, listening, and its URL.
async fn replica(pool: &PgPool, account: &str) -> (Services, String) {
    let s = services(pool.clone(), config_with(&[account], LEADS)).await;
    s.load_access_rules().await.unwrap();
    start_listening(&s).await;
    let base = spawn_http(s.clone()).await;
    (s, base)
}

async fn roles_of(c: &reqwest::Client, base: &str) -> Vec<String> {
    let mut r: Vec<String> = c.get_json(format!("{base}/api/v1/get_roles")).await;
    r.sort();
    r
}

/// Waits (up to 5 s) until `probe` says yes.
async fn within_seconds<F, Fut>(mut probe: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..250 {
        if probe().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

async fn version(admin: &reqwest::Client, base: &str) -> i64 {
    let p: Value = admin.post_json(format!("{base}/api/access_rules")).await;
    p["version"].as_i64().unwrap()
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_edit_on_one_replica_is_in_force_on_another_within_seconds(pool: PgPool) {
    let w = served(&pool, &["eng-dev", "data-reports"]).await;
    let (_a, base_a) = replica(&pool, &w.account).await;
    let (_b, base_b) = replica(&pool, &w.account).await;
    let admin = signed_in(&base_a, ADMIN).await;
    let erin_b = signed_in(&base_b, ENGINEER).await;
    let lead_b = signed_in(&base_b, LEAD_A).await;
    assert_eq!(roles_of(&erin_b, &base_b).await, [w.role("eng-dev")]);
    let me: Value = lead_b.post_json(format!("{base_b}/api/me")).await;
    assert_eq!(me["approver_accounts"].as_array().unwrap().len(), 1, "{me}");

    // Version 1 is the config file's.
    let v1 = version(&admin, &base_a).await;
    assert_eq!(v1, 1);
    let form = [
        ("base_version", "1"),
        ("kind", "group"),
        ("name", "engineers"),
        ("roles", "arn:aws:iam::*:role/data-*"),
        ("note", "data team joins"),
    ];
    let r = admin
        .post_form(format!("{base_a}/api/add_eligibility_rule"), &form)
        .await;
    assert_eq!(r.status().as_u16(), 200, "{}", text_of(r).await);
    let want = [w.role("data-reports"), w.role("eng-dev")];
    let seen = within_seconds(|| async { roles_of(&erin_b, &base_b).await == want }).await;
    assert!(seen, "replica B never put version 2 in force");

    // An approver rule reaches a signed-in session's grants there too.
    let form = [
        ("base_version", "2"),
        ("group", "leads-a"),
        ("accounts", "*"),
        ("note", "leads approve everywhere"),
    ];
    let r = admin
        .post_form(format!("{base_a}/api/add_approver"), &form)
        .await;
    assert_eq!(r.status().as_u16(), 200, "{}", text_of(r).await);
    let everywhere = within_seconds(|| async {
        let me: Value = lead_b.post_json(format!("{base_b}/api/me")).await;
        me["approves_everywhere"] == true
    })
    .await;
    assert!(
        everywhere,
        "the lead's session kept its old approver accounts"
    );

    // Removed again: gone there.
    let p: Value = admin.post_json(format!("{base_a}/api/access_rules")).await;
    let index = p["rules"]["eligibility"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["roles"][0] == "arn:aws:iam::*:role/data-*")
        .unwrap()
        .to_string();
    let form = [
        ("base_version", "3"),
        ("list", "eligibility"),
        ("index", index.as_str()),
    ];
    let r = admin
        .post_form(format!("{base_a}/api/remove_access_rule"), &form)
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let gone =
        within_seconds(|| async { roles_of(&erin_b, &base_b).await == [w.role("eng-dev")] }).await;
    assert!(gone, "replica B kept the removed rule");

    // The history: who, why, what changed.
    let p: Value = admin.post_json(format!("{base_a}/api/access_rules")).await;
    let h = p["history"].as_array().unwrap();
    let seen: Vec<(i64, &str, &str, &str)> = h
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["by"].as_str().unwrap(),
                v["source"].as_str().unwrap(),
                v["note"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (4, ADMIN, "admin", ""),
            (3, ADMIN, "admin", "leads approve everywhere"),
            (2, ADMIN, "admin", "data team joins"),
            (1, "config", "config", "seeded from the config file"),
        ]
    );
    assert!(h[2]["after"].as_str().unwrap().contains("role/data-*"));
    assert!(!h[2]["before"].as_str().unwrap().contains("role/data-*"));
    let audited: Vec<(String, String)> = rows(
        &pool,
        "SELECT actor, target FROM audit_events WHERE action = 'access_rules.change' ORDER BY id",
    )
    .await;
    let want: Vec<(String, String)> = ["v2", "v3", "v4"]
        .iter()
        .map(|v| (ADMIN.to_owned(), v.to_string()))
        .collect();
    assert_eq!(audited, want);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_stale_or_malformed_edit_changes_nothing(pool: PgPool) {
    let w = served(&pool, &["eng-dev"]).await;
    let (_s, base) = replica(&pool, &w.account).await;
    let admin = signed_in(&base, ADMIN).await;
    let add = |v: &'static str, roles: &'static str| {
        let admin = admin.clone();
        let base = base.clone();
        async move {
            let form = [
                ("base_version", v),
                ("kind", "group"),
                ("name", "engineers"),
                ("roles", roles),
            ];
            let r = admin
                .post_form(format!("{base}/api/add_eligibility_rule"), &form)
                .await;
            (r.status().as_u16(), text_of(r).await)
        }
    };
    let (st, body) = add("1", "data-*").await;
    assert_eq!(st, 400);
    assert!(
        body.contains("rule.roles") && body.contains("role ARN"),
        "{body}"
    );
    assert_eq!(add("1", "arn:aws:iam::*:role/data-*").await.0, 200);
    // Another admin's page still shows version 1: refused, not merged.
    let (st, body) = add("1", "arn:aws:iam::*:role/ops-*").await;
    assert_eq!(st, 409);
    assert!(body.contains("reload"), "{body}");
    let form = [("base_version", "2"), ("authorized", "aws:bad")];
    let r = admin
        .post_form(format!("{base}/api/set_role_tag_keys"), &form)
        .await;
    assert_eq!(r.status().as_u16(), 400, "the reserved aws: prefix");
    let erin = signed_in(&base, ENGINEER).await;
    let r = erin
        .post_form(
            format!("{base}/api/add_eligibility_rule"),
            &[
                ("base_version", "2"),
                ("kind", "nonsense"),
                ("name", "x"),
                ("roles", "y"),
            ],
        )
        .await;
    assert_eq!(
        r.status().as_u16(),
        403,
        "a non-admin is refused before input is judged"
    );
    let versions: Vec<(i64,)> = rows(&pool, "SELECT count(*) FROM access_rules").await;
    assert_eq!(versions[0].0, 2, "only the one good edit was saved");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_config_file_seeds_the_rules_and_never_overwrites_an_admins_edit(pool: PgPool) {
    let a = unique_account();
    let start = |extra: &str| {
        let cfg = config_with(&[&a], extra);
        let pool = pool.clone();
        async move {
            let s = services(pool, cfg).await;
            s.load_access_rules().await.unwrap();
            s
        }
    };
    let ops = "[[eligibility]]\ngroup = \"ops\"\nroles = [\"arn:aws:iam::*:role/ops-*\"]\n";
    start("").await;
    let s = start(ops).await;
    let got: Vec<(i64, String, String)> = rows(
        &pool,
        "SELECT version, source, note FROM access_rules ORDER BY version",
    )
    .await;
    assert_eq!(
        got,
        [
            (1, "config".into(), "seeded from the config file".into()),
            (2, "config".into(), "the config file changed".into()),
        ]
    );
    let base = spawn_http(s).await;
    let admin = signed_in(&base, ADMIN).await;
    let form = [("base_version", "2"), ("group", "leads"), ("accounts", "*")];
    let r = admin
        .post_form(format!("{base}/api/add_approver"), &form)
        .await;
    assert_eq!(r.status().as_u16(), 200);
    // The file changes again: the edited rules stay, and the page says so.
    let s =
        start("[[eligibility]]\ngroup = \"sre\"\nroles = [\"arn:aws:iam::*:role/sre\"]\n").await;
    let count: Vec<(i64,)> = rows(&pool, "SELECT count(*) FROM access_rules").await;
    assert_eq!(count[0].0, 3);
    let base = spawn_http(s).await;
    let admin = signed_in(&base, ADMIN).await;
    let p: Value = admin.post_json(format!("{base}/api/access_rules")).await;
    assert_eq!(p["config_differs"], true);
    assert_eq!(p["rules"]["approvers"][0]["group"], "leads");
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn import_consoleme_merges_its_group_mapping_and_tag_keys(pool: PgPool) {
    let w = served(&pool, &["eng-dev", "legacy-admin"]).await;
    let dir = std::env::temp_dir().join(format!("latchkey-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = dir.join("dynamic.yaml");
    let legacy = w.role("legacy-admin");
    std::fs::write(
        &yaml,
        format!(
            "group_mapping:\n  engineers:\n    cli_only_roles:\n      - {legacy}\n\
             groups:\n  can_admin: [consoleme_admins]\n  can_admin_policies: [leads-a]\n"
        ),
    )
    .unwrap();
    let toml = dir.join("latchkey.toml");
    std::fs::write(&toml, config_toml_in(&[&w.account], &[], "")).unwrap();
    let run = |extra: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"));
        c.arg("--config")
            .arg(&toml)
            .arg("import-consoleme")
            .arg(&yaml)
            .args(extra);
        c.env("LATCHKEY__DATABASE__URL", database_url(&pool))
            .env("LATCHKEY__AWS__ENDPOINT_URL", moto_url());
        tokio::task::spawn_blocking(move || c.output().unwrap())
    };
    let dry = stdout(&run(&["--dry-run"]).await.unwrap());
    assert!(
        dry.contains("group or user engineers") && dry.contains("dry run"),
        "{dry}"
    );
    assert!(
        dry.contains("consoleme_admins") && dry.contains("admin_groups"),
        "{dry}"
    );
    let before: Vec<(i64,)> = rows(&pool, "SELECT count(*) FROM access_rules").await;
    assert_eq!(before[0].0, 1, "a dry run saves nothing");
    let done = stdout(&run(&[]).await.unwrap());
    assert!(done.contains("saved as version 2"), "{done}");
    let again = stdout(&run(&[]).await.unwrap());
    assert!(again.contains("nothing new"), "{again}");

    // In force for a server that loads the rules: the engineer gets the
    // role for the CLI.
    let (s, base) = replica(&pool, &w.account).await;
    let erin = signed_in(&base, ENGINEER).await;
    let all: Value = erin
        .get_json(format!("{base}/api/v2/get_roles?all=true"))
        .await;
    let cli_only: Vec<&Value> = all["data"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["cli_only"] == true)
        .map(|r| &r["arn"])
        .collect();
    assert_eq!(cli_only, [&Value::from(legacy.clone())]);
    let r = credentials(&erin, &base, &legacy).await;
    assert_eq!(r.status().as_u16(), 200);
    let imported: Vec<(String, String)> = rows(
        &pool,
        "SELECT changed_by, note FROM access_rules WHERE version = 2",
    )
    .await;
    assert_eq!(imported[0].0, "import-consoleme");
    drop(s);
}
