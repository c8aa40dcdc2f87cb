//! Config loading and validation: every rule names its key.
use super::*;
use app::domain::Partition;

const BASE: &str = r#"
    [database]
    url = "postgres://localhost/x"
    [aws]
    endpoint_url = "http://127.0.0.1:5000"
    spoke_role_name = "LatchkeySpoke"
    [[accounts]]
    id = "222222222222"
    name = "dev"
    [auth]
    dev_mode = true
    admin_groups = ["admins"]
    [[auth.dev_users]]
    id = "a@example.com"
    display_name = "A"
    [[eligibility]]
    group = "engineers"
    roles = ["arn:aws:iam::*:role/demo-*"]
"#;

#[test]
fn secrets_never_show_in_debug_output() {
    let t = BASE.replace("postgres://localhost/x", "postgres://lk:hunter2secret@db/x")
        + "\n[server]\nmetrics_token = \"metrics-token-0123456789\"\n"
        + "[notifications.slack]\nwebhook_url = \"https://hooks.example.com/T0/B0/s3cr3t\"\n";
    let cfg = Config::from_toml(&t, std::iter::empty()).unwrap();
    let shown = format!("{cfg:?}");
    assert!(!shown.contains("hunter2secret"), "{shown}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(!shown.contains("metrics-token-0123456789"), "{shown}");
    assert!(shown.contains("postgres://lk:[redacted]@db/x"), "{shown}");
    assert_eq!(redact_url_password("postgres://db/x"), "postgres://db/x");
}

#[test]
fn env_values_of_digits_stay_text_where_the_key_is_text() {
    let t = BASE.to_owned()
        + "\n[auth.oidc]\nissuer_url = \"https://idp.example.com\"\nclient_id = \"x\"\n\
           client_secret = \"x\"\nredirect_url = \"https://lk.example.com/auth/oidc/callback\"\n";
    let env = [
        ("LATCHKEY__AUTH__OIDC__CLIENT_ID", "1234567890"),
        ("LATCHKEY__AUTH__OIDC__CLIENT_SECRET", "000123"),
        ("LATCHKEY__CLOUDTRAIL__READ_AS_ACCOUNT", "111111111111"),
        ("LATCHKEY__AWS__CREDENTIAL_DURATION_SECS", "1800"),
        ("LATCHKEY__AUTH__I_KNOW_DEV_MODE_IS_UNSAFE", "true"),
    ];
    let c = Config::from_toml(
        &t,
        env.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())),
    )
    .unwrap();
    let oidc = c.auth.oidc.as_ref().unwrap();
    assert_eq!(oidc.client_id, "1234567890");
    assert_eq!(oidc.client_secret.expose(), "000123");
    assert_eq!(
        c.cloudtrail.read_as_account,
        Some(AccountId::parse("111111111111").unwrap())
    );
    assert_eq!(c.aws.credential_duration_secs, 1800, "numbers stay numbers");
}

/// [`BASE`] with `extra` lines added to its `[aws]` table.
fn with_in_aws(extra: &str) -> Result<Config, ConfigError> {
    let t = BASE.replace(
        "spoke_role_name = \"LatchkeySpoke\"",
        &format!("spoke_role_name = \"LatchkeySpoke\"\n{extra}"),
    );
    Config::from_toml(&t, std::iter::empty())
}

#[test]
fn credential_lifetimes_are_ones_aws_grants() {
    let with = with_in_aws;
    assert!(with("credential_duration_secs = 43200").is_ok());
    for bad in [
        "credential_duration_secs = 60",
        "credential_duration_secs = 86400",
    ] {
        let e = with(bad).unwrap_err().to_string();
        assert!(
            e.contains("aws.credential_duration_secs: must be between 900 and 43200"),
            "{e}"
        );
    }
    let hub = "hub_role_arn = \"arn:aws:iam::123456789012:role/Latchkey\"";
    assert!(with(&format!("{hub}\ncredential_duration_secs = 3600")).is_ok());
    let e = with(&format!("{hub}\ncredential_duration_secs = 7200"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("at most 3600") && e.contains("role chaining"),
        "{e}"
    );
    let console = |secs: u32| with(&format!("{hub}\n[console]\nsession_duration_secs = {secs}"));
    assert!(console(3600).is_ok());
    let e = console(7200).unwrap_err().to_string();
    assert!(
        e.contains("console.session_duration_secs: must be at most 3600"),
        "{e}"
    );
}

/// Every try of the longest call allowed, with the longest waits between
/// them, ends before a change still applying is taken for cut off: an
/// approval waiting on AWS is never marked failed while it may yet succeed.
#[test]
fn the_longest_aws_call_ends_before_an_unfinished_change_is_recovered() {
    use crate::aws::{CALL_ATTEMPTS, MAX_BACKOFF_SECS};
    let tries = u64::from(CALL_ATTEMPTS);
    let worst = tries * super::aws::MAX_CALL_TIMEOUT_SECS + (tries - 1) * MAX_BACKOFF_SECS;
    let stuck = crate::services::requests::STUCK_AFTER.num_seconds();
    assert!(
        i64::try_from(worst).unwrap() < stuck,
        "{worst} s >= {stuck} s"
    );
}

#[test]
fn aws_calls_get_a_time_limit_within_reason() {
    let with = with_in_aws;
    assert_eq!(with("").unwrap().aws.call_timeout_secs, 30);
    assert_eq!(
        with("call_timeout_secs = 5").unwrap().aws.call_timeout_secs,
        5
    );
    for bad in ["call_timeout_secs = 0", "call_timeout_secs = 61"] {
        let e = with(bad).unwrap_err().to_string();
        assert!(
            e.contains("aws.call_timeout_secs: must be between 1 and 60 seconds"),
            "{e}"
        );
    }
}

#[test]
fn a_valid_file_loads_and_env_overrides_win() {
    let env = vec![
        ("DATABASE_URL".to_string(), "postgres://db/y".to_string()),
        (
            "LATCHKEY__SYNC__SCHEDULE".to_string(),
            "0 0 * * * *".to_string(),
        ),
        (
            "LATCHKEY__SERVER__LISTEN".to_string(),
            "127.0.0.1:4000".to_string(),
        ),
        (
            "LATCHKEY__AUTH__ADMIN_GROUPS".to_string(),
            r#"["ops", "sec"]"#.to_string(),
        ),
    ];
    let c = Config::from_toml(BASE, env.into_iter()).unwrap();
    assert_eq!(c.database.url, "postgres://db/y");
    assert_eq!(c.sync.schedule.as_str(), "0 0 * * * *");
    assert_eq!(c.server.listen, Some(([127, 0, 0, 1], 4000).into()));
    assert_eq!(
        c.auth.admin_groups,
        ["ops", "sec"],
        "arrays from the environment"
    );
    assert_eq!(
        c.spoke_role_arn(&AccountId::parse("222222222222").unwrap()),
        "arn:aws:iam::222222222222:role/LatchkeySpoke"
    );
}

fn err(text: &str) -> String {
    Config::from_toml(text, std::iter::empty())
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_values_name_their_key() {
    assert!(err(&BASE.replace("\"222222222222\"", "\"22\"")).contains("accounts[0].id"));
    assert!(err(&format!("{BASE}\n[sync]\nschedule = \"every day\"")).contains("sync.schedule"));
    assert!(err(&format!("{BASE}\n[sync]\nitem_concurrency = 0")).contains("sync.item_concurrency"));
    assert!(
        err(&format!("{BASE}\n[server]\npage_concurrency = 0")).contains("server.page_concurrency")
    );
    assert!(err(&format!("{BASE}\n[sync.schedules]\ns3 = \"nope\"")).contains("sync.schedules.s3"));
    assert!(
        err(&format!("{BASE}\n[sync.schedules]\nec2 = \"0 0 * * * *\""))
            .contains("sync.schedules.ec2")
    );
    assert!(err(&format!(
        "{BASE}\n[[organizations]]\nmanagement_account_id = \"1\""
    ))
    .contains("organizations[0]"));
    assert!(
        err(&BASE.replace("arn:aws:iam::*:role/demo-*", "demo-*")).contains("eligibility[0].roles")
    );
    assert!(err(&format!("{BASE}\n[server]\nproduction = true")).contains("auth.dev_mode"));
    // Dev sign-in next to a real identity source or real AWS needs the flag.
    let real_aws = BASE.replace("endpoint_url = \"http://127.0.0.1:5000\"", "");
    assert!(err(&real_aws).contains("auth.dev_mode: dev sign-in lets anyone be anyone"));
    let flagged = real_aws.replace(
        "dev_mode = true",
        "dev_mode = true\ni_know_dev_mode_is_unsafe = true",
    );
    assert!(Config::from_toml(&flagged, std::iter::empty()).is_ok());
    assert!(err(&format!("{BASE}\n[server]\nmetrics_token = \"short\""))
        .contains("server.metrics_token: must be at least 16 characters"));
    assert!(err(&format!(
        "{BASE}\n[[auth.approvers]]\ngroup = \"leads\"\naccounts = []"
    ))
    .contains("auth.approvers[0].accounts"));
    let oidc = "\n[auth.oidc]\nissuer_url = \"https://idp.example.com\"\nclient_id = \"lk\"\nclient_secret = \"s3cret\"\nredirect_url = \"https://lk.example.com/auth/oidc/callback\"\n";
    let with_oidc = BASE
        .replace(
            "dev_mode = true",
            "dev_mode = true\ni_know_dev_mode_is_unsafe = true",
        )
        .replace("[[auth.dev_users]]", &format!("{oidc}\n[[auth.dev_users]]"));
    let c = Config::from_toml(&with_oidc, std::iter::empty()).unwrap();
    assert!(!format!("{c:?}").contains("s3cret"), "secrets never print");
    assert!(err(&with_oidc.replace(
        "idp.example.com\"",
        "idp.example.com\"\nscopes = [\"email\"]"
    ))
    .contains("auth.oidc.scopes"));
    assert!(
        err(&with_oidc.replace("/auth/oidc/callback", "/cb")).contains("auth.oidc.redirect_url")
    );
    assert!(
        err(&with_oidc.replace("https://idp.example.com", "idp")).contains("auth.oidc.issuer_url")
    );
    assert!(
        err(&BASE.replace("http://127.0.0.1:5000", "127.0.0.1:5000")).contains("aws.endpoint_url")
    );
    assert!(
        err(&format!("{BASE}\n[console]\nfederation_url = \"signin\""))
            .contains("console.federation_url: must be an http(s) URL")
    );
    assert!(err(&format!("{BASE}\n[server]\nlisten = \"localhost\"")).contains("server.listen"));
    let e = err(&BASE.replace("[aws]", "[aws]\nhub_role_arn = \"hub\""));
    assert!(
        e.contains("aws.hub_role_arn: role ARN \"hub\" is not valid"),
        "{e}"
    );
}

#[test]
fn cloudtrail_is_off_by_default_and_bad_values_name_their_key() {
    let c = Config::from_toml(BASE, std::iter::empty()).unwrap();
    assert!(!c.cloudtrail.enabled());
    assert_eq!(c.cloudtrail.retention_days, 30);
    let on = format!(
        "{BASE}\n[cloudtrail]\nqueue_url = \"https://sqs.eu-west-1.amazonaws.com/111122223333/denials\"\nbucket = \"org-trail\"\norganization_id = \"o-a1b2c3d4e5\"\nread_as_account = \"222222222222\""
    );
    let c = Config::from_toml(&on, std::iter::empty()).unwrap();
    assert!(c.cloudtrail.enabled());
    let with = |extra: &str| {
        err(&format!(
            "{BASE}\n[cloudtrail]\nbucket = \"org-trail\"\n{extra}"
        ))
    };
    assert!(with("organization_id = \"org1\"").contains("cloudtrail.organization_id"));
    assert!(with("retention_days = 0").contains("cloudtrail.retention_days"));
    assert!(with("wait_seconds = 30").contains("cloudtrail.wait_seconds"));
    assert!(with("key_prefix = \"/logs\"").contains("cloudtrail.key_prefix"));
    assert!(with("region = \"Europe\"").contains("cloudtrail.region"));
    assert!(with("schedule = \"hourly\"").contains("cloudtrail.schedule"));
    assert!(with("read_as_account = \"12\"").contains("cloudtrail.read_as_account"));
    assert!(with("queue_url = \"sqs/denials\"").contains("cloudtrail.queue_url"));
    assert!(
        err(&format!("{BASE}\n[cloudtrail]\nbucket = \"Org_Trail\"")).contains("cloudtrail.bucket")
    );
    assert!(err(&format!(
        "{BASE}\n[cloudtrail]\norganization_id = \"o-a1b2c3d4e5\""
    ))
    .contains("cloudtrail.organization_id: names the trail's key layout"));
}

#[test]
fn unknown_keys_are_refused() {
    assert!(err(&BASE.replace("[aws]", "[aws]\nendpoint = \"x\"")).contains("endpoint"));
}

#[test]
fn smtp_tls_is_one_of_three_modes() {
    let email = |tls: &str| {
        format!(
            "{BASE}\n[notifications.email]\nsmtp_host = \"mail\"\nfrom = \"a@example.com\"\n{tls}"
        )
    };
    let cfg = Config::from_toml(&email(""), std::iter::empty()).unwrap();
    let tls = |c: &Config| c.notifications.email.as_ref().map(|e| e.tls);
    assert_eq!(tls(&cfg), Some(SmtpTls::StartTls));
    let cfg = Config::from_toml(&email("tls = \"none\""), std::iter::empty()).unwrap();
    assert_eq!(tls(&cfg), Some(SmtpTls::None));
    let e = err(&email("tls = \"ssl\""));
    assert!(e.contains("tls") && e.contains("starttls"), "{e}");
}

#[test]
fn role_tag_keys_default_to_latchkeys_and_bad_ones_name_their_key() {
    let keys = |c: &Config| {
        let names = |l: &[TagKey]| l.iter().map(|k| k.as_str().to_owned()).collect::<Vec<_>>();
        (
            names(&c.role_tags.authorized),
            names(&c.role_tags.authorized_cli_only),
        )
    };
    let c = Config::from_toml(BASE, std::iter::empty()).unwrap();
    assert_eq!(
        keys(&c),
        (
            vec!["latchkey-authorized".to_owned()],
            vec!["latchkey-authorized-cli-only".to_owned()]
        )
    );
    let tags = |body: &str| format!("{BASE}\n[role_tags]\n{body}\n");
    // Moving from ConsoleMe; one list set leaves the other at its default.
    let c = Config::from_toml(
        &tags(r#"authorized = ["consoleme-authorized", "latchkey-authorized"]"#),
        std::iter::empty(),
    )
    .unwrap();
    assert_eq!(keys(&c).0, ["consoleme-authorized", "latchkey-authorized"]);
    assert_eq!(keys(&c).1, ["latchkey-authorized-cli-only"]);
    // Empty lists say that no tag grants anything.
    let c = Config::from_toml(
        &tags("authorized = []\nauthorized_cli_only = []"),
        std::iter::empty(),
    )
    .unwrap();
    assert_eq!(keys(&c), (vec![], vec![]));
    // From the environment, as a TOML array.
    let env = [(
        "LATCHKEY__ROLE_TAGS__AUTHORIZED_CLI_ONLY".to_owned(),
        r#"["consoleme-authorized-cli-only"]"#.to_owned(),
    )];
    let c = Config::from_toml(BASE, env.into_iter()).unwrap();
    assert_eq!(keys(&c).1, ["consoleme-authorized-cli-only"]);

    for (body, want) in [
        (
            r#"authorized = ["ok", "aws:authorized"]"#,
            "role_tags.authorized[1]: \"aws:authorized\" is not an IAM tag key: the aws: prefix is reserved",
        ),
        (
            r#"authorized_cli_only = [""]"#,
            "role_tags.authorized_cli_only[0]: \"\" is not an IAM tag key: it must be 1-128 characters",
        ),
        (
            r#"authorized = ["team*"]"#,
            "role_tags.authorized[0]: \"team*\" is not an IAM tag key: '*' is not allowed",
        ),
        (
            r#"authorized = "consoleme-authorized""#,
            "role_tags.authorized: invalid type: string",
        ),
        (
            "authorized = [\"a\", \"shared\"]\nauthorized_cli_only = [\"Shared\"]",
            "role_tags.authorized_cli_only[0]: \"Shared\" is also in role_tags.authorized",
        ),
        (r#"authorised = ["a"]"#, "unknown field `authorised`"),
    ] {
        let e = err(&tags(body));
        assert!(e.contains(want), "{body}: {e}");
    }
}

#[test]
fn the_partition_follows_the_region_and_must_agree_with_it() {
    let cn = BASE.replace(
        "spoke_role_name = \"LatchkeySpoke\"",
        "spoke_role_name = \"LatchkeySpoke\"\nregion = \"cn-north-1\"",
    );
    let c = Config::from_toml(&cn, std::iter::empty()).unwrap();
    assert_eq!(c.aws.partition(), Partition::AwsCn);
    assert_eq!(
        c.spoke_role_arn(&AccountId::parse("222222222222").unwrap()),
        "arn:aws-cn:iam::222222222222:role/LatchkeySpoke"
    );
    assert_eq!(
        c.console.federation_url(c.aws.partition()),
        "https://signin.amazonaws.cn/federation"
    );
    let gov = BASE.replace(
        "spoke_role_name = \"LatchkeySpoke\"",
        "spoke_role_name = \"LatchkeySpoke\"\nregion = \"us-gov-west-1\"\nregions = [\"us-gov-west-1\", \"us-gov-east-1\"]",
    );
    let c = Config::from_toml(&gov, std::iter::empty()).unwrap();
    assert_eq!(
        c.console.federation_url(c.aws.partition()),
        "https://signin.amazonaws-us-gov.com/federation"
    );

    let with = |extra: &str| {
        err(&BASE.replace(
            "spoke_role_name = \"LatchkeySpoke\"",
            &format!("spoke_role_name = \"LatchkeySpoke\"\n{extra}"),
        ))
    };
    let e = with("partition = \"aws-cn\"");
    assert!(
        e.contains("aws.partition") && e.contains("us-east-1"),
        "{e}"
    );
    let e = with("partition = \"aws-mars\"");
    assert!(e.contains("aws.partition"), "{e}");
    let e = with("regions = [\"us-east-1\", \"cn-north-1\"]");
    assert!(e.contains("aws.regions[1]") && e.contains("aws"), "{e}");
    let e = with("hub_role_arn = \"arn:aws-us-gov:iam::999999999999:role/hub\"");
    assert!(e.contains("aws.hub_role_arn"), "{e}");
    let e = with("region = \"moon\"");
    assert!(e.contains("aws.region"), "{e}");
}

#[test]
fn alb_keys_come_from_the_partitions_own_host() {
    let keys = |arn: &str| {
        let t: TrustedHeadersConfig = toml::from_str(&format!(
            "mode = \"alb\"\ntrusted_proxies = [\"10.0.0.0/8\"]\nalb_arn = \"{arn}\""
        ))
        .unwrap();
        t.alb_key_url()
    };
    assert_eq!(
        keys("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x/1").as_deref(),
        Some("https://public-keys.auth.elb.eu-west-1.amazonaws.com")
    );
    assert_eq!(
        keys("arn:aws-cn:elasticloadbalancing:cn-north-1:1:loadbalancer/app/x/1").as_deref(),
        Some("https://public-keys.auth.elb.cn-north-1.amazonaws.com.cn")
    );
    assert_eq!(
        keys("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:1:loadbalancer/app/x/1").as_deref(),
        Some("https://s3-us-gov-west-1.amazonaws.com/aws-elb-public-keys-prod-us-gov-west-1")
    );
}

#[test]
fn credential_protection_is_off_by_default_and_bad_values_name_their_key() {
    let c = Config::from_toml(BASE, std::iter::empty()).unwrap();
    assert!(!c.credential_protection.enabled);
    assert_eq!(
        c.credential_protection.policy_name,
        "latchkey-credential-protection"
    );
    let on = format!(
        "{BASE}\n[credential_protection]\nenabled = true\nextra_cidrs = [\"192.0.2.0/24\", \"2001:db8::/32\"]"
    );
    let c = Config::from_toml(&on, std::iter::empty()).unwrap();
    assert!(c.credential_protection.enabled);
    let with = |extra: &str| {
        err(&format!(
            "{BASE}\n[credential_protection]\nenabled = true\n{extra}"
        ))
    };
    let e = with("extra_cidrs = [\"192.0.2.0/24\", \"office\"]");
    assert!(
        e.contains("credential_protection.extra_cidrs[1]") && e.contains("CIDR"),
        "{e}"
    );
    assert!(with("policy_name = \"no spaces\"").contains("credential_protection.policy_name"));
    assert!(with("tag_key = \"aws:owner\"").contains("credential_protection.tag_key"));
    assert!(with("schedule = \"hourly\"").contains("credential_protection.schedule"));
    assert!(with("enabeld = true").contains("enabeld"));
}

#[test]
fn ip_restrictions_name_the_bad_range() {
    let c = Config::from_toml(BASE, std::iter::empty()).unwrap();
    assert!(c.credentials.ip_restrictions.is_empty());
    let e = err(&format!(
        "{BASE}\n[credentials]\nip_restrictions = [\"10.0.0.0/8\", \"10.0.0.1\"]"
    ));
    assert!(e.contains("credentials.ip_restrictions[1]"), "{e}");
}

#[test]
fn application_settings_name_their_key() {
    let rule =
        |who: &str| format!("{BASE}\n[[eligibility]]\n{who}\nroles = [\"arn:aws:iam::*:role/x\"]");
    assert!(Config::from_toml(&rule("app = \"billing-batch\""), std::iter::empty()).is_ok());
    assert!(err(&rule("app = \"Billing Batch\"")).contains("eligibility[1].app"));
    assert!(err(&rule("user = \"app/billing-batch\"")).contains("eligibility[1].user"));
    assert!(err(&rule("group = \"app/billing-batch\"")).contains("eligibility[1].group"));
    assert!(err(&rule("app = \"x1\"\ngroup = \"g\""))
        .contains("exactly one of group, user, app or group_or_user"));
    assert!(err(&format!(
        "{BASE}\n[applications]\nmtls_subject_header = \"x-client-subject\""
    ))
    .contains("applications.mtls_proxies"));
    assert!(err(&format!("{BASE}\n[applications]\ntoken_max_days = 0"))
        .contains("applications.token_max_days"));
    assert!(
        err(&BASE.replace("id = \"a@example.com\"", "id = \"app/a\""))
            .contains("auth.dev_users[0].id")
    );
}

/// The deployment kit's configs (deploy/) load as the server would load
/// them, with their secrets from the environment.
#[test]
fn the_deploy_kits_configs_load() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy");
    let secrets = |email: bool| {
        let mut env = vec![
            (
                "DATABASE_URL",
                "postgres://latchkey@db.internal:5432/latchkey",
            ),
            ("LATCHKEY__AUTH__OIDC__CLIENT_SECRET", "oidc-client-secret"),
            (
                "LATCHKEY__SERVER__METRICS_TOKEN",
                "prometheus-bearer-token-1234",
            ),
        ];
        if email {
            env.push(("LATCHKEY__NOTIFICATIONS__EMAIL__PASSWORD", "smtp-password"));
        }
        env.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned()))
    };
    for (file, email) in [
        ("latchkey.production.toml", true),
        ("k8s/latchkey.toml", false),
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        let c = Config::from_toml(&text, secrets(email)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(c.auth.oidc.is_some(), "{file} signs in with OIDC");
        assert!(!c.auth.dev_mode, "{file} must not enable dev sign-in");
        assert!(c.aws.endpoint_url.is_none(), "{file} talks to real AWS");
    }
}
