//! Applications (ConsoleMe's `app_name`): a non-human principal an admin
//! creates, eligible for roles by `[[eligibility]] app = ...` or a role tag
//! naming `app/<name>`, getting credentials with its own token or a client
//! certificate a trusted proxy checked, and nothing else.
use super::*;

const APP_RULE: &str =
    "[[eligibility]]\napp = \"billing-batch\"\nroles = [\"arn:aws:iam::*:role/billing-*\"]\n";

/// One account with `eng-dev`, `billing-writer` (the app's by rule),
/// `ops-report` (tagged for the app) and `prod-admin`, served with `extra`.
async fn setup_apps(pool: &PgPool, extra: &str) -> Served {
    let tables = format!("{APP_RULE}{extra}");
    let tagged: &[(&str, &str)] = &[("latchkey-authorized", "ops:app/billing-batch")];
    let roles: [(&str, &[(&str, &str)]); 4] = [
        ("eng-dev", &[]),
        ("billing-writer", &[]),
        ("ops-report", tagged),
        ("prod-admin", &[]),
    ];
    served_tagged(pool, |a| config_with(a, &tables), &roles).await
}

async fn create_app(admin: &reqwest::Client, base: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = admin
        .post_form(format!("{base}/api/create_application"), form)
        .await;
    (r.status().as_u16(), text_of(r).await)
}

async fn app_token(admin: &reqwest::Client, base: &str, app: &str) -> (String, String) {
    let form = [("app", app), ("token_name", "prod")];
    let t: Value = admin
        .post_form_json(format!("{base}/api/create_application_token"), &form)
        .await;
    (
        t["id"].as_str().unwrap().to_owned(),
        t["token"].as_str().unwrap().to_owned(),
    )
}

/// The HTTP status and Weep error code of get_credentials for `role`.
async fn ask(c: &reqwest::Client, base: &str, role: &str) -> (u16, String) {
    let r = credentials(c, base, role).await;
    let st = r.status().as_u16();
    let body: Value = serde_json::from_str(&text_of(r).await).unwrap_or(Value::Null);
    (st, body["code"].as_str().unwrap_or_default().to_owned())
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn an_application_gets_its_roles_credentials_with_its_token_and_nothing_else(pool: PgPool) {
    let w = setup_apps(&pool, "").await;
    let (admin, eng) = (w.signed_in(ADMIN).await, w.signed_in(ENGINEER).await);
    let base = w.base.clone();
    let form = [("name", "billing-batch"), ("owner", "billing-team")];
    assert_eq!(
        create_app(&eng, &base, &form).await.0,
        403,
        "engineers may not"
    );
    assert_eq!(create_app(&admin, &base, &form).await.0, 200);

    // Bad input names its field and creates nothing.
    let (st, body) = create_app(&admin, &base, &[("name", "Billing Batch")]).await;
    assert_eq!(st, 400);
    assert!(body.contains("name") && body.contains("a-z"), "{body}");
    let (st, body) = create_app(&admin, &base, &form).await;
    assert_eq!((st, body.contains("exists")), (400, true), "{body}");
    let count: Vec<(i64,)> = rows(&pool, "SELECT count(*) FROM applications").await;
    assert_eq!(count[0].0, 1);

    let eng_form = [("app", "billing-batch"), ("token_name", "mine")];
    let r = eng
        .post_form(format!("{base}/api/create_application_token"), &eng_form)
        .await;
    assert_eq!(
        r.status().as_u16(),
        403,
        "an engineer may not make its token"
    );
    let (token_id, token) = app_token(&admin, &base, "billing-batch").await;
    let app = token_client(&token);

    // Its roles, by rule and by tag; not an engineer's, not prod's.
    assert_eq!(ask(&app, &base, &w.role("billing-writer")).await.0, 200);
    assert_eq!(ask(&app, &base, &w.role("ops-report")).await.0, 200);
    assert_eq!(ask(&app, &base, &w.role("eng-dev")).await.1, "900");
    assert_eq!(ask(&app, &base, &w.role("prod-admin")).await.1, "900");
    let listed: Value = app.get_json(format!("{base}/api/v1/get_roles")).await;
    let mut names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    names.sort();
    assert_eq!(names, [w.role("billing-writer"), w.role("ops-report")]);
    // A person in a group called app/billing-batch gets none of it (the
    // engineer is not eligible either way).
    assert_eq!(ask(&eng, &base, &w.role("ops-report")).await.1, "900");

    // Credentials only: no page, no request, no token, no admin function.
    assert_eq!(app.get_status(format!("{base}/")).await.as_u16(), 403);
    for f in ["requests", "applications", "create_token", "audit"] {
        let st = app.post_status(format!("{base}/api/{f}")).await.as_u16();
        assert_eq!(st, 403, "/api/{f}");
    }

    // Admin › Applications shows it with its roles and token.
    let apps: Value = admin.post_json(format!("{base}/api/applications")).await;
    assert_eq!(apps[0]["principal"], "app/billing-batch");
    assert_eq!(apps[0]["roles"].as_array().unwrap().len(), 2, "{apps}");
    assert_eq!(apps[0]["tokens"][0]["id"], token_id.as_str());

    // Revoked: refused at once. A new one, then the app disabled: refused.
    let form = [("app", "billing-batch"), ("id", token_id.as_str())];
    let r = admin
        .post_form(format!("{base}/api/revoke_application_token"), &form)
        .await;
    assert!(r.status().is_success());
    assert_eq!(ask(&app, &base, &w.role("billing-writer")).await.0, 401);
    let (_, second) = app_token(&admin, &base, "billing-batch").await;
    let second = token_client(&second);
    assert_eq!(ask(&second, &base, &w.role("billing-writer")).await.0, 200);
    let r = admin
        .post_form(
            format!("{base}/api/disable_application"),
            &[("name", "billing-batch")],
        )
        .await;
    assert!(r.status().is_success());
    assert_eq!(ask(&second, &base, &w.role("billing-writer")).await.0, 401);
    let r = admin
        .post_form(
            format!("{base}/api/create_application_token"),
            &[("app", "billing-batch"), ("token_name", "again")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409, "a disabled app gets no token");

    let audited: Vec<(String, String, String)> = rows(
        &pool,
        "SELECT actor, action, outcome FROM audit_events
         WHERE action IN ('application.create', 'application.disable', 'token.create', 'token.revoke', 'credentials.issue')
           AND (actor = 'app/billing-batch' OR target = 'app/billing-batch' OR detail->>'owner' = 'app/billing-batch')
         ORDER BY id",
    )
    .await;
    let seen: Vec<(&str, &str, &str)> = audited
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let app_id = "app/billing-batch";
    assert_eq!(
        seen,
        [
            (ADMIN, "application.create", "success"),
            (ADMIN, "token.create", "success"),
            (app_id, "credentials.issue", "success"),
            (app_id, "credentials.issue", "success"),
            (app_id, "credentials.issue", "denied"),
            (app_id, "credentials.issue", "denied"),
            (ADMIN, "token.revoke", "success"),
            (ADMIN, "token.create", "success"),
            (app_id, "credentials.issue", "success"),
            (ADMIN, "application.disable", "success"),
        ]
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_client_certificate_names_an_application_only_through_a_trusted_proxy(pool: PgPool) {
    let header = "x-client-subject";
    let trusted = format!(
        "[applications]\nmtls_subject_header = \"{header}\"\nmtls_proxies = [\"127.0.0.1/32\"]\n"
    );
    let w = setup_apps(&pool, &trusted).await;
    let admin = w.signed_in(ADMIN).await;
    let subject = "CN=billing-batch,OU=prod,O=Example";
    let form = [("name", "billing-batch"), ("mtls_subject", subject)];
    assert_eq!(create_app(&admin, &w.base, &form).await.0, 200);
    let (st, body) = create_app(
        &admin,
        &w.base,
        &[("name", "copycat"), ("mtls_subject", subject)],
    )
    .await;
    assert_eq!((st, body.contains("mtls_subject")), (400, true), "{body}");

    let with = |s: &str| {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(header, s.parse().unwrap());
        reqwest::Client::builder()
            .default_headers(h)
            .build()
            .unwrap()
    };
    let app = with(subject);
    assert_eq!(ask(&app, &w.base, &w.role("billing-writer")).await.0, 200);
    assert_eq!(ask(&app, &w.base, &w.role("eng-dev")).await.1, "900");
    assert_eq!(app.get_status(format!("{}/", w.base)).await.as_u16(), 403);
    let stranger = with("CN=someone-else");
    assert_eq!(
        ask(&stranger, &w.base, &w.role("billing-writer")).await.0,
        401
    );
    let issued: Vec<(String,)> = rows(
        &pool,
        "SELECT actor FROM audit_events WHERE action = 'credentials.issue' AND outcome = 'success'",
    )
    .await;
    assert_eq!(issued, [("app/billing-batch".to_owned(),)]);

    // The same header from a peer that is not a listed proxy is ignored.
    let untrusted = APP_RULE.to_owned()
        + &format!(
            "[applications]\nmtls_subject_header = \"{header}\"\nmtls_proxies = [\"10.0.0.0/8\"]\n"
        );
    let cfg = config_with(&[&w.account], &untrusted);
    let elsewhere = spawn_http(services(pool.clone(), cfg).await).await;
    assert_eq!(
        ask(&app, &elsewhere, &w.role("billing-writer")).await.0,
        401
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn no_person_signs_in_as_an_application(pool: PgPool) {
    // A trusted proxy (or a plugin) naming app/... is not believed.
    let extra =
        "[auth.trusted_headers]\nmode = \"headers\"\ntrusted_proxies = [\"127.0.0.1/32\"]\n";
    let w = setup_apps(&pool, extra).await;
    let admin = w.signed_in(ADMIN).await;
    assert_eq!(
        create_app(&admin, &w.base, &[("name", "billing-batch")])
            .await
            .0,
        200
    );
    let proxied = |user: &str, groups: &str| {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-forwarded-user", user.parse().unwrap());
        h.insert("x-forwarded-groups", groups.parse().unwrap());
        reqwest::Client::builder()
            .default_headers(h)
            .build()
            .unwrap()
    };
    // (GETs: identity headers are ambient credentials, so a POST without
    // Origin would be refused before anyone is asked who it is.)
    let roles = format!("{}/api/v1/get_roles", w.base);
    let posing = proxied("app/billing-batch", "ops");
    assert_eq!(posing.get_status(&roles).await.as_u16(), 401);
    let grouped = proxied(ENGINEER, "engineers,app/billing-batch");
    let listed: Vec<String> = grouped.get_json(&roles).await;
    assert_eq!(listed, [w.role("eng-dev")], "the group name grants nothing");
    // Sessions (OIDC, dev sign-in) refuse the id too.
    let started =
        w.s.sessions()
            .start_session("app/billing-batch", "x", &[], "oidc", &Default::default())
            .await;
    assert!(
        matches!(started, Err(app::AppError::Forbidden(_))),
        "{started:?}"
    );
}
