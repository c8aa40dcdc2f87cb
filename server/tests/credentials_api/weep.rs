//! Stock Weep, replayed: every request exactly as Weep sends it (its
//! User-Agent, `Content-Type: application/json` even on GETs, its token as
//! the cookie the challenge named, no Origin) and every reply parsed with
//! Weep's own field names and types (pkg/creds/types.go): the challenge
//! sign-in, `data.roles`, credentials with an integer `Expiration`, the
//! error codes Weep maps (900, 901, 904, invalid_jwt), the typeahead and
//! `get_resource_url`.
use super::*;
use serde::Deserialize;

const WEEP_UA: &str = "weep/0.3.26 Go-http-client/1.1";

#[derive(Deserialize)]
struct ChallengeResponse {
    challenge_url: String,
    polling_url: String,
}

#[derive(Deserialize)]
struct PollResponse {
    status: String,
    #[serde(default)]
    encoded_jwt: String,
    #[serde(default)]
    cookie_name: String,
    #[serde(default)]
    expiration: i64,
    #[serde(default)]
    user: String,
}

#[derive(Deserialize)]
struct RolesResponse {
    data: RolesData,
}

#[derive(Deserialize)]
struct RolesData {
    roles: Vec<ConsolemeRole>,
}

#[derive(Deserialize)]
struct ConsolemeRole {
    arn: String,
    /// A string: a number fails Weep's whole parse.
    account_id: String,
    account_friendly_name: String,
    role_name: String,
    apps: Option<Apps>,
}

#[derive(Deserialize)]
struct Apps {
    app_details: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct CredentialsResponse {
    Credentials: Option<Creds>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Creds {
    AccessKeyId: String,
    SecretAccessKey: String,
    SessionToken: String,
    /// Weep parses it with strconv.ParseInt: a bare integer only.
    Expiration: i64,
    RoleArn: String,
}

#[derive(Deserialize)]
struct ErrorResponse {
    code: String,
}

#[derive(Deserialize)]
struct Title {
    title: String,
}

/// Weep's HTTP client: no cookie store of its own but the one cookie.
struct Weep {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Weep {
    fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            base: base.to_owned(),
            cookie: String::new(),
        }
    }

    /// buildRequest: every API call, GET included.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("user-agent", WEEP_UA)
            .header("content-type", "application/json");
        if !self.cookie.is_empty() {
            r = r.header("cookie", &self.cookie);
        }
        r
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path).fetch().await
    }

    async fn credentials(&self, requested: &str) -> reqwest::Response {
        let body = json!({ "requested_role": requested, "no_ip_restrictions": false });
        self.request(reqwest::Method::POST, "/api/v1/get_credentials")
            .body(body.to_string())
            .fetch()
            .await
    }

    /// The challenge's own requests carry Go's default User-Agent only.
    async fn plain(&self, url: &str) -> reqwest::Response {
        self.http
            .get(url)
            .header("user-agent", "Go-http-client/1.1")
            .header("content-type", "application/json")
            .fetch()
            .await
    }
}

async fn code_of(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let e: ErrorResponse = r.json().await.unwrap();
    (status, e.code)
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn stock_weep_signs_in_lists_roles_and_gets_credentials(pool: PgPool) {
    let w = served(&pool, &["eng-dev", "eng-ops", "prod-admin"]).await;
    let base = &w.base;
    let mut weep = Weep::new(base);

    // weep login: the challenge, with a bare user name.
    let r = weep
        .plain(&format!("{base}/noauth/v1/challenge_generator/erin"))
        .await;
    let c: ChallengeResponse = r.json().await.unwrap();
    assert!(c
        .challenge_url
        .starts_with(&format!("{base}/challenge_validator/")));
    assert!(c
        .polling_url
        .starts_with(&format!("{base}/noauth/v1/challenge_poller/")));
    let page_secret = c.challenge_url.rsplit('/').next().unwrap();
    assert!(
        !c.polling_url.contains(page_secret),
        "the browser's secret never collects"
    );
    let poll = |weep: &Weep| {
        let url = c.polling_url.clone();
        let w = weep.http.clone();
        async move {
            let r = w
                .get(url)
                .header("user-agent", "Go-http-client/1.1")
                .fetch()
                .await;
            r.json::<PollResponse>().await.unwrap()
        }
    };
    assert_eq!(poll(&weep).await.status, "pending");

    // Another engineer cannot approve it; a cross-site form cannot either.
    let eve = signed_in(base, OTHER_ENGINEER).await;
    let r = eve.get(&c.challenge_url).fetch().await;
    assert_eq!(r.status(), 403);
    assert_eq!(eve.post(&c.challenge_url).fetch().await.status(), 403);
    let erin = signed_in(base, ENGINEER).await;
    let forged = erin
        .post(&c.challenge_url)
        .header("origin", "https://evil.example")
        .fetch()
        .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(poll(&weep).await.status, "pending");

    // Erin sees who asks, and approves.
    let page = erin.get_text(&c.challenge_url).await;
    assert!(
        page.contains("Sign in Weep") && page.contains("Go-http-client/1.1"),
        "{page}"
    );
    let r = erin.post(&c.challenge_url).fetch().await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Weep is signed in"));
    let got = poll(&weep).await;
    assert_eq!(got.status, "success");
    assert_eq!(
        (got.cookie_name.as_str(), got.user.as_str()),
        ("latchkey_weep", ENGINEER)
    );
    assert!(got.expiration > chrono::Utc::now().timestamp() + 3600);
    assert!(!got.encoded_jwt.is_empty());
    assert_eq!(poll(&weep).await.status, "expired", "collected once");
    let stolen = weep
        .plain(&format!("{base}/noauth/v1/challenge_poller/{page_secret}"))
        .await;
    assert_eq!(
        stolen.json::<PollResponse>().await.unwrap().status,
        "unknown"
    );
    weep.cookie = format!("{}={}", got.cookie_name, got.encoded_jwt);

    // weep list: data.roles, account ids as strings.
    let r = weep.get("/api/v2/get_roles?all=true").await;
    assert_eq!(r.status(), 200);
    let roles: RolesResponse = r.json().await.unwrap();
    let mut names: Vec<&str> = roles
        .data
        .roles
        .iter()
        .map(|r| r.role_name.as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["eng-dev", "eng-ops"]);
    let dev = roles
        .data
        .roles
        .iter()
        .find(|r| r.role_name == "eng-dev")
        .unwrap();
    assert_eq!(
        (dev.arn.as_str(), dev.account_id.as_str()),
        (w.role("eng-dev").as_str(), w.account.as_str())
    );
    assert_eq!(dev.account_friendly_name, "acct0");
    assert!(dev.apps.as_ref().unwrap().app_details.is_empty());

    // weep credentials eng-dev / by ARN: Weep's shape.
    for requested in ["eng-dev".to_owned(), w.role("eng-dev")] {
        let r = weep.credentials(&requested).await;
        assert_eq!(r.status(), 200, "{requested}");
        let creds = r
            .json::<CredentialsResponse>()
            .await
            .unwrap()
            .Credentials
            .unwrap();
        assert!(creds.AccessKeyId.starts_with("ASIA") || !creds.AccessKeyId.is_empty());
        assert!(!creds.SecretAccessKey.is_empty() && !creds.SessionToken.is_empty());
        assert!(creds.Expiration > chrono::Utc::now().timestamp());
        assert_eq!(creds.RoleArn, w.role("eng-dev"));
    }
    // The codes Weep maps: 901 several, 900 none of yours, 904 bad request.
    assert_eq!(code_of(weep.credentials("eng").await).await.1, "901");
    assert_eq!(code_of(weep.credentials("prod-admin").await).await.1, "900");
    assert_eq!(
        code_of(weep.credentials("no-such-role").await).await.1,
        "900"
    );
    let bad = weep
        .request(reqwest::Method::POST, "/api/v1/get_credentials")
        .body("not json")
        .fetch()
        .await;
    assert_eq!(code_of(bad).await.1, "904");

    // weep search: accounts as "Name (id)", roles as ARNs (Weep slices both).
    let accounts: Vec<Title> = weep
        .get("/api/v1/policies/typeahead?search=&resource=account&limit=1000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].title, format!("acct0 ({})", w.account));
    let path = format!(
        "/api/v1/policies/typeahead?search={}&resource=iam_arn&limit=5000",
        urlencoding::encode(&format!("arn:aws:iam::{}:role/eng-o", w.account))
    );
    let found: Vec<Title> = weep.get(&path).await.json().await.unwrap();
    let titles: Vec<&str> = found.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, [w.role("eng-ops")]);

    // weep open: a path to append to the server's address.
    let path = format!(
        "/api/v2/get_resource_url?arn={}",
        urlencoding::encode(&w.role("eng-dev"))
    );
    let v: Value = weep.get(&path).await.json().await.unwrap();
    let url = v["data"]["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/roles/{}/eng-dev", w.account));
    assert_eq!(erin.get_status(format!("{base}{url}")).await, 200);

    // The cookie reaches nothing but credentials and roles.
    let r = weep
        .request(reqwest::Method::POST, "/api/tokens")
        .fetch()
        .await;
    assert_eq!(r.status(), 403);

    // Revoked on Settings: Weep hears invalid_jwt and signs in again.
    let tokens: Value = erin.post_json(format!("{base}/api/tokens")).await;
    let weep_token = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str().unwrap().starts_with("Weep on "))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = erin
        .post_form(
            format!("{base}/api/revoke_token"),
            &[("id", weep_token.as_str())],
        )
        .await;
    assert!(r.status().is_success());
    assert_eq!(
        code_of(weep.get("/api/v2/get_roles?all=true").await).await,
        (403, "invalid_jwt".into())
    );
    assert_eq!(
        code_of(weep.credentials("eng-dev").await).await,
        (403, "invalid_jwt".into())
    );

    let approved: Vec<(String, String)> = rows(
        &pool,
        "SELECT actor, action FROM audit_events WHERE action IN ('weep.challenge_approve', 'token.create') ORDER BY id",
    )
    .await;
    assert_eq!(
        approved,
        [
            (ENGINEER.to_owned(), "weep.challenge_approve".to_owned()),
            (ENGINEER.to_owned(), "token.create".to_owned())
        ]
    );
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_challenge_expires_and_names_its_user(pool: PgPool) {
    let w = served(&pool, &["eng-dev"]).await;
    let weep = Weep::new(&w.base);
    let c: ChallengeResponse = weep
        .plain(&format!(
            "{}/noauth/v1/challenge_generator/{ENGINEER}",
            w.base
        ))
        .await
        .json()
        .await
        .unwrap();
    sqlx::query("UPDATE weep_challenges SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let erin = signed_in(&w.base, ENGINEER).await;
    let r = erin.post(&c.challenge_url).fetch().await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("expired"));
    let poll: PollResponse = weep.plain(&c.polling_url).await.json().await.unwrap();
    assert_eq!(poll.status, "expired");
    // Anonymous browsers sign in first and come back.
    let r = weep.http.get(&c.challenge_url).fetch().await;
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/login?next=%2Fchallenge_validator%2F"),
        "{to}"
    );
    // A random cookie is an invalid JWT, not a 500 or a sign-in page.
    let mut stranger = Weep::new(&w.base);
    stranger.cookie = "latchkey_weep=lk_not_a_token".into();
    assert_eq!(
        code_of(stranger.credentials("eng-dev").await).await,
        (403, "invalid_jwt".into())
    );
    let long = "x".repeat(300);
    let r = weep
        .plain(&format!("{}/noauth/v1/challenge_generator/{long}", w.base))
        .await;
    assert_eq!(r.status(), 400);
}
