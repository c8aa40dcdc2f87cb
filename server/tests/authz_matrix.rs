//! The authorization matrix (issue #4): every role-access endpoint, called by
//! every kind of caller, for every kind of role, against one fixture with real
//! Postgres, moto and the dev federation stub. One table says what each cell
//! must answer; the test runs all of it and lists every cell that differs.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashMap;

/// A user outside the engineers group, eligible for other roles.
const OSCAR: &str = "oscar@example.com";

/// Who calls, and with which credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    /// ENGINEER with the session cookie, then with an API token.
    Engineer,
    EngineerToken,
    /// A second token of ENGINEER's, revoked halfway through the table.
    EngineerSpare,
    /// OTHER_ENGINEER: same group as ENGINEER, a different user.
    Peer,
    /// OSCAR: another group, eligible for another role.
    Other,
    OtherToken,
    Admin,
    AdminToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// POST /api/v1/get_credentials with the role's ARN.
    CredsArn,
    /// POST /api/v1/get_credentials with `account-name/role-name`.
    CredsName,
    /// GET /api/v1/get_roles (console roles), `?all=true`, /api/v2/get_roles.
    RolesV1,
    RolesV1All,
    RolesV2,
    /// GET /api/v2/get_roles without `all`: console roles only.
    RolesV2Console,
    /// GET /ecs/{account-name}/{role}, the token as the AWS SDKs send it.
    Ecs,
    /// GET /role/{account-name}/{role} and /role/{ARN}: console sign-in.
    ConsoleName,
    ConsoleArn,
    /// Server functions: the roles home, its Credentials button, role details.
    HomeFn,
    CredentialsFn,
    RoleDetailFn,
    AuditFn,
    ListTokensFn,
    CreateTokenFn,
    /// Revoke ENGINEER's spare token.
    RevokeSpareFn,
    HomePage,
    SettingsPage,
    AuditPage,
    /// Credential protection: the plans, a run now, an approval (with a
    /// well-formed plan hash; protection is off in this fixture).
    ProtectionFn,
    RunProtectionFn,
    ApproveProtectionFn,
    ProtectionPage,
    /// Applications: the list, a create, a token for one (that exists:
    /// `demo-app`, made by the fixture), a disable (of one that does not).
    ApplicationsFn,
    CreateApplicationFn,
    CreateApplicationTokenFn,
    DisableApplicationFn,
    ApplicationsPage,
    /// Access rules: the rules, an edit of each kind (on version 1).
    AccessRulesFn,
    AddRuleFn,
    RemoveRuleFn,
    AddApproverFn,
    SetTagKeysFn,
    AccessPage,
}

/// The kinds of role a request can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Console and CLI for engineers (config group pattern `eng-*`).
    EngApp,
    /// CLI-only for engineers through a `cli_only` config rule.
    CliConfig,
    /// CLI-only for engineers through the `latchkey-authorized-cli-only` tag.
    CliTag,
    /// Admins only (config); ineligible for everyone else.
    ProdAdmin,
    /// OSCAR's group only (`latchkey-authorized` tag).
    DataReports,
    /// `eng-app` in each of the two accounts both named "twin".
    TwinB,
    TwinC,
    /// `eng-app` in an account an admin disabled: listed for nobody, so
    /// usable by nobody.
    Retired,
    /// Not in the cache at all.
    Unknown,
    /// `twin/eng-app`: the account name matches two accounts.
    Ambiguous,
    /// `eng-app` with no account: exists in four accounts.
    BareName,
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Credentials (a federation login URL for the console) and one
    /// `success` audit row.
    Vend,
    /// Refused after the role was looked up; one `denied` audit row.
    Denied(u16),
    /// Refused with one `failure` audit row (console sign-in, unknown ARN).
    Failed(u16),
    /// Refused with no audit row: before any role was looked up, or not a
    /// role endpoint at all.
    Refused(u16),
    /// 401 with a JSON body, never a redirect; no audit row.
    Unauthenticated,
    /// A redirect to the sign-in page.
    SignIn,
    /// 200 with exactly these roles; `cli` ones flagged CLI-only.
    Lists {
        full: &'static [Role],
        cli: &'static [Role],
    },
    /// 200 role details: may the caller use it, do they see who else may.
    Detail { eligible: bool, grants: bool },
    /// 200 token list; does it show ENGINEER's spare token.
    Tokens { spare: bool },
    /// 2xx; nothing more to check.
    Served,
}

use Endpoint::*;
use Expect::*;
use Role::*;
use Who::*;

struct Row {
    who: Who,
    ep: Endpoint,
    role: Option<Role>,
    expect: Expect,
}

const ANON: &[Who] = &[Anonymous];
const PEER: &[Who] = &[Peer];
const SPARE: &[Who] = &[EngineerSpare];
const ENGINEERS: &[Who] = &[Engineer, EngineerToken];
const OTHERS: &[Who] = &[Other, OtherToken];
const ADMINS: &[Who] = &[Admin, AdminToken];
const SIGNED_IN: &[Who] = &[
    Engineer,
    EngineerToken,
    Other,
    OtherToken,
    Admin,
    AdminToken,
];
const BROWSERS: &[Who] = &[Engineer, Peer, Other, Admin];
const NON_ADMINS: &[Who] = &[Engineer, EngineerToken, Peer, Other, OtherToken];
/// Everyone signed in but the owner of the spare token.
const NON_OWNERS: &[Who] = &[Peer, Other, OtherToken, Admin, AdminToken];
/// Every way to get credentials or a console session for one role.
const VEND: &[Endpoint] = &[
    CredsArn,
    CredsName,
    Ecs,
    CredentialsFn,
    ConsoleName,
    ConsoleArn,
];
const CREDS: &[Endpoint] = &[CredsArn, CredsName, Ecs, CredentialsFn];
const CONSOLE: &[Endpoint] = &[ConsoleName, ConsoleArn];
/// The endpoints that take `account-name/role` rather than an ARN.
const BY_NAME: &[Endpoint] = &[CredsName, Ecs, ConsoleName];
const LISTS: &[Endpoint] = &[RolesV1, RolesV1All, RolesV2, RolesV2Console, HomeFn];
const DETAIL: &[Endpoint] = &[RoleDetailFn];
const TOKEN_FNS: &[Endpoint] = &[ListTokensFn, CreateTokenFn, RevokeSpareFn];
const PAGES: &[Endpoint] = &[HomePage, SettingsPage, AuditPage, ProtectionPage];
const PROTECTION_FNS: &[Endpoint] = &[ProtectionFn, RunProtectionFn, ApproveProtectionFn];
const ACCESS_FNS: &[Endpoint] = &[
    AccessRulesFn,
    AddRuleFn,
    RemoveRuleFn,
    AddApproverFn,
    SetTagKeysFn,
];
const APPLICATION_FNS: &[Endpoint] = &[
    ApplicationsFn,
    CreateApplicationFn,
    CreateApplicationTokenFn,
    DisableApplicationFn,
];
/// For endpoints that name no role.
const NONE: &[Role] = &[];
/// `Lists` of these roles, the `cli` ones flagged CLI-only.
const fn lists(full: &'static [Role], cli: &'static [Role]) -> Expect {
    Lists { full, cli }
}
/// `Detail`: may the caller use the role, do they see who else may.
const fn detail(eligible: bool, grants: bool) -> Expect {
    Detail { eligible, grants }
}
const ENG_ROLES: Expect = lists(&[EngApp, TwinB, TwinC], &[CliConfig, CliTag]);
const OTHER_ROLES: Expect = lists(&[DataReports], &[]);
const ADMIN_ROLES: Expect = lists(&[ProdAdmin], &[]);
const MAY_USE: Expect = detail(true, false);
const MAY_NOT_USE: Expect = detail(false, false);
const ADMIN_MAY_USE: Expect = detail(true, true);
const ADMIN_MAY_NOT_USE: Expect = detail(false, true);

type Cells = (&'static [Who], &'static [Endpoint], Expect, &'static [Role]);

/// The matrix, run top to bottom: each line is principals × endpoints ×
/// roles that must all answer the same way.
#[rustfmt::skip]
const MATRIX: &[Cells] = &[
    // principals             endpoints                   expected                 roles
    // Anonymous: every API answers 401 JSON before it looks at the role;
    // pages and the console send the browser to sign in.
    (ANON,                     CREDS,                      Unauthenticated,         &[EngApp, CliTag, Unknown]),
    (ANON,                     &[CredsName, Ecs],          Unauthenticated,         &[Ambiguous]),
    (ANON,                     LISTS,                      Unauthenticated,         NONE),
    (ANON,                     DETAIL,                     Unauthenticated,         &[EngApp]),
    (ANON,                     &[AuditFn],                 Unauthenticated,         NONE),
    (ANON,                     TOKEN_FNS,                  Unauthenticated,         NONE),
    (ANON,                     CONSOLE,                    SignIn,                  &[EngApp, Unknown]),
    (ANON,                     PAGES,                      SignIn,                  NONE),
    // Engineer (cookie and token): console and CLI for eng-*, CLI only for
    // the CLI-only roles, nothing for other groups' roles.
    (ENGINEERS,                VEND,                       Vend,                    &[EngApp]),
    (ENGINEERS,                CREDS,                      Vend,                    &[CliConfig, CliTag]),
    (ENGINEERS,                CONSOLE,                    Denied(403),             &[CliConfig, CliTag]),
    (ENGINEERS,                VEND,                       Denied(403),             &[ProdAdmin, DataReports]),
    (ENGINEERS,                LISTS,                      ENG_ROLES,               NONE),
    (PEER,                     LISTS,                      ENG_ROLES,               NONE),
    // Another engineer (another group): only their own role.
    (OTHERS,                   VEND,                       Vend,                    &[DataReports]),
    (OTHERS,                   VEND,                       Denied(403),             &[EngApp, CliConfig, CliTag, ProdAdmin]),
    (OTHERS,                   LISTS,                      OTHER_ROLES,             NONE),
    // Admin: what the config grants admins, not everything.
    (ADMINS,                   VEND,                       Vend,                    &[ProdAdmin]),
    (ADMINS,                   VEND,                       Denied(403),             &[EngApp, CliConfig, CliTag, DataReports]),
    (ADMINS,                   LISTS,                      ADMIN_ROLES,             NONE),
    // Unknown, ambiguous and disabled, for everyone signed in. An ARN is
    // looked up (and the refusal audited); a name that does not resolve is not.
    (SIGNED_IN,                &[CredsArn, CredentialsFn], Denied(404),             &[Unknown]),
    (SIGNED_IN,                &[ConsoleArn],              Failed(404),             &[Unknown]),
    (SIGNED_IN,                BY_NAME,                    Refused(404),            &[Unknown]),
    (SIGNED_IN,                BY_NAME,                    Refused(409),            &[Ambiguous]),
    // A bare role name (Weep's habit) names one role or none: an engineer
    // has eng-app in three accounts (901, choose), the others have none.
    (ENGINEERS,                &[CredsName],               Refused(409),            &[BareName]),
    (&[Other, OtherToken, Admin, AdminToken], &[CredsName], Refused(404),           &[BareName]),
    (SIGNED_IN,                VEND,                       Denied(403),             &[Retired]),
    (SIGNED_IN,                DETAIL,                     Refused(404),            &[Unknown]),
    // Role details: anyone signed in reads them; "eligible" is the caller's
    // own access; only admins see who else may use the role.
    (ENGINEERS,                DETAIL,                     MAY_USE,                 &[EngApp, CliConfig, CliTag]),
    (ENGINEERS,                DETAIL,                     MAY_NOT_USE,             &[ProdAdmin, DataReports, Retired]),
    (OTHERS,                   DETAIL,                     MAY_USE,                 &[DataReports]),
    (OTHERS,                   DETAIL,                     MAY_NOT_USE,             &[EngApp, ProdAdmin]),
    (ADMINS,                   DETAIL,                     ADMIN_MAY_USE,           &[ProdAdmin]),
    (ADMINS,                   DETAIL,                     ADMIN_MAY_NOT_USE,       &[EngApp, CliTag, DataReports]),
    // Audit: admins only.
    (ADMINS,                   &[AuditFn],                 Served,                  NONE),
    (NON_ADMINS,               &[AuditFn],                 Refused(403),            NONE),
    (&[Admin],                 &[AuditPage],               Served,                  NONE),
    (&[Engineer, Peer, Other], &[AuditPage],               Refused(403),            NONE),
    // Credential protection: admins only, whatever the credential.
    (ANON,                     PROTECTION_FNS,             Unauthenticated,         NONE),
    (NON_ADMINS,               PROTECTION_FNS,             Refused(403),            NONE),
    (ADMINS,                   &[ProtectionFn],            Served,                  NONE),
    (&[Admin],                 &[ProtectionPage],          Served,                  NONE),
    (&[Engineer, Peer, Other], &[ProtectionPage],          Refused(403),            NONE),
    // Applications: admins only; a token (even an admin's full one) may
    // not make an application's token, which would outlive its maker.
    (ANON,                     APPLICATION_FNS,            Unauthenticated,         NONE),
    (NON_ADMINS,               APPLICATION_FNS,            Refused(403),            NONE),
    (ADMINS,                   &[ApplicationsFn],          Served,                  NONE),
    (&[Admin],                 &[CreateApplicationTokenFn], Served,                 NONE),
    (&[AdminToken],            &[CreateApplicationTokenFn], Refused(403),           NONE),
    (&[Admin],                 &[ApplicationsPage],        Served,                  NONE),
    (&[Engineer, Peer, Other], &[ApplicationsPage],        Refused(403),            NONE),
    // Access rules: admins only; what an engineer may use is not theirs to
    // edit (a token of theirs, full or not, is refused the same).
    (ANON,                     ACCESS_FNS,                 Unauthenticated,         NONE),
    (NON_ADMINS,               ACCESS_FNS,                 Refused(403),            NONE),
    (ADMINS,                   &[AccessRulesFn],           Served,                  NONE),
    (&[Admin],                 &[AccessPage],              Served,                  NONE),
    (&[Engineer, Peer, Other], &[AccessPage],              Refused(403),            NONE),
    // Other pages render for anyone signed in.
    (BROWSERS,                 &[HomePage, SettingsPage],  Served,                  NONE),
    // Tokens: each user sees and revokes only their own; a revoked token
    // stops working at once.
    (ENGINEERS,                &[ListTokensFn],            Tokens { spare: true },  NONE),
    (NON_OWNERS,               &[ListTokensFn],            Tokens { spare: false }, NONE),
    // Only a browser makes tokens: a stolen token cannot mint its successor.
    (&[Engineer, Other, Admin], &[CreateTokenFn],          Served,                  NONE),
    (&[EngineerToken, OtherToken, AdminToken], &[CreateTokenFn], Refused(403),      NONE),
    (SPARE,                    &[RolesV1],                 ENG_ROLES,               NONE),
    (NON_OWNERS,               &[RevokeSpareFn],           Refused(404),            NONE),
    (SPARE,                    &[CredsArn],                Vend,                    &[EngApp]),
    (&[Engineer],              &[RevokeSpareFn],           Served,                  NONE),
    (SPARE,                    &[RolesV1, HomeFn],         Unauthenticated,         NONE),
    (SPARE,                    &[CredsArn, Ecs],           Unauthenticated,         &[EngApp]),
];

impl Who {
    /// Signed in with the browser's session cookie rather than a token.
    fn by_cookie(self) -> bool {
        matches!(self, Engineer | Peer | Other | Admin)
    }
}

/// The matrix cell by cell, in order. One rule applies across it: the ECS
/// endpoint takes only an API token (as the AWS SDKs send it), so a browser
/// session calling it is unauthenticated, whatever the role; a cross-site
/// page cannot make a signed-in browser issue credentials.
fn rows() -> Vec<Row> {
    let mut out = Vec::new();
    for &(whos, eps, expect, roles) in MATRIX {
        let roles: Vec<Option<Role>> = match roles {
            [] => vec![None],
            r => r.iter().copied().map(Some).collect(),
        };
        for &who in whos {
            for &ep in eps {
                for &role in &roles {
                    let expect = if ep == Ecs && who.by_cookie() {
                        Unauthenticated
                    } else {
                        expect
                    };
                    out.push(Row {
                        who,
                        ep,
                        role,
                        expect,
                    });
                }
            }
        }
    }
    out
}

/// The fixture: accounts, roles, the signed-in clients and their tokens.
struct World {
    pool: PgPool,
    base: String,
    stub: String,
    /// acct0, the two "twin"s, and "retired" (disabled).
    a: String,
    twins: [String; 2],
    retired: String,
    anonymous: reqwest::Client,
    browsers: HashMap<Who, reqwest::Client>,
    tokens: HashMap<Who, String>,
    spare_id: String,
}

async fn world(pool: PgPool) -> World {
    let (a, b, c, d) = (
        unique_account(),
        unique_account(),
        unique_account(),
        unique_account(),
    );
    // A first server plays the AWS federation endpoint (the dev stub).
    let stub = spawn_http(services(pool.clone(), config(&[])).await).await;
    let mut extra = format!(
        "[console]\nfederation_url = \"{stub}/dev/federation\"\nissuer = \"https://latchkey.test\"\n"
    );
    extra += &dev_user(OSCAR, "Oscar Other", &["data"]);
    extra += &eligibility("engineers", &["arn:aws:iam::*:role/cli-*"]);
    extra += "cli_only = true\n";
    extra += &eligibility("admins", &["arn:aws:iam::*:role/prod-*"]);
    for (id, name) in [(&b, "twin"), (&c, "twin"), (&d, "retired")] {
        extra += &account(id, name);
    }
    let s = services(pool.clone(), config_with(&[&a], &extra)).await;
    let main = iam(&s, &a).await;
    create_role(&main, "eng-app", &[], &[]).await;
    create_role(&main, "cli-batch", &[], &[]).await;
    let cli_tag = [("latchkey-authorized-cli-only", "engineers")];
    create_role(&main, "etl-nightly", &[], &cli_tag).await;
    create_role(&main, "prod-admin", &[], &[]).await;
    let data_tag = [("latchkey-authorized", "finance:data")];
    create_role(&main, "data-reports", &[], &data_tag).await;
    for acct in [&b, &c, &d] {
        create_role(&iam(&s, acct).await, "eng-app", &[], &[]).await;
    }
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s).await;

    // Each user's browser, and the tokens it makes (in this order).
    let users: [(Who, &str, &[Who]); 4] = [
        (Engineer, ENGINEER, &[EngineerToken, EngineerSpare]),
        (Peer, OTHER_ENGINEER, &[]),
        (Other, OSCAR, &[OtherToken]),
        (Admin, ADMIN, &[AdminToken]),
    ];
    let mut browsers = HashMap::new();
    for (who, id, _) in users {
        browsers.insert(who, signed_in_without_redirects(&base, id).await);
    }
    // The admin retires an account after its roles were cached.
    let r = set_account_enabled(&browsers[&Admin], &base, &d, false).await;
    assert!(r.status().is_success(), "{}", r.status());
    // An application whose tokens the matrix asks for.
    let r = browsers[&Admin]
        .post_form(
            format!("{base}/api/create_application"),
            &[("name", "demo-app")],
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());

    let mut tokens = HashMap::new();
    let mut spare_id = String::new();
    for (owner, _, made) in users {
        for &who in made {
            let (id, token) = new_token(&browsers[&owner], &base, &format!("{who:?}")).await;
            if who == EngineerSpare {
                spare_id = id;
            }
            tokens.insert(who, token);
        }
    }
    World {
        pool,
        base,
        stub,
        a,
        twins: [b, c],
        retired: d,
        anonymous: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        browsers,
        tokens,
        spare_id,
    }
}

/// What a request names: account (by name and id) and role name.
struct Target {
    account_name: &'static str,
    account_id: Option<String>,
    name: &'static str,
}

impl Target {
    fn arn(&self) -> String {
        let id = self.account_id.as_deref().unwrap_or("000000000000");
        format!("arn:aws:iam::{id}:role/{}", self.name)
    }

    /// `account-name/role-name`, or the bare name when there is no account.
    fn by_name(&self) -> String {
        match self.account_name {
            "" => self.name.to_owned(),
            acct => format!("{acct}/{}", self.name),
        }
    }
}

/// What came back: status, redirect target, body, and the audit rows
/// (`credentials.issue` and `console.signin`) the call wrote.
struct Observed {
    status: u16,
    location: String,
    json: bool,
    body: String,
    audit: Vec<(String, String)>,
}

impl World {
    fn target(&self, role: Role) -> Target {
        let (account_name, account_id, name) = match role {
            EngApp => ("acct0", Some(&self.a), "eng-app"),
            CliConfig => ("acct0", Some(&self.a), "cli-batch"),
            CliTag => ("acct0", Some(&self.a), "etl-nightly"),
            ProdAdmin => ("acct0", Some(&self.a), "prod-admin"),
            DataReports => ("acct0", Some(&self.a), "data-reports"),
            TwinB => ("twin", Some(&self.twins[0]), "eng-app"),
            TwinC => ("twin", Some(&self.twins[1]), "eng-app"),
            Retired => ("retired", Some(&self.retired), "eng-app"),
            Unknown => ("acct0", Some(&self.a), "eng-missing"),
            Ambiguous => ("twin", None, "eng-app"),
            BareName => ("", None, "eng-app"),
        };
        Target {
            account_name,
            account_id: account_id.cloned(),
            name,
        }
    }

    fn request(&self, row: &Row) -> reqwest::RequestBuilder {
        let c = self
            .browsers
            .get(&row.who)
            .unwrap_or(&self.anonymous)
            .clone();
        let t = row.role.map(|r| self.target(r));
        let t = t.as_ref();
        let role = || t.expect("this endpoint needs a role");
        let base = &self.base;
        let api = |f: &str| c.post(format!("{base}/api/{f}"));
        let creds = |requested: String| {
            c.post(format!("{base}/api/v1/get_credentials"))
                .json(&json!({ "requested_role": requested }))
        };
        let req = match row.ep {
            CredsArn => creds(role().arn()),
            CredsName => creds(role().by_name()),
            RolesV1 => c.get(format!("{base}/api/v1/get_roles")),
            RolesV1All => c.get(format!("{base}/api/v1/get_roles?all=true")),
            RolesV2 => c.get(format!("{base}/api/v2/get_roles?all=true")),
            RolesV2Console => c.get(format!("{base}/api/v2/get_roles")),
            Ecs => c.get(format!("{base}/ecs/{}", role().by_name())),
            ConsoleName => c.get(format!("{base}/role/{}", role().by_name())),
            ConsoleArn => c.get(format!("{base}/role/{}", role().arn())),
            HomeFn => api("eligible_roles"),
            CredentialsFn => api("role_credentials").form(&[("arn", role().arn())]),
            RoleDetailFn => api("role").form(&[
                ("account", role().account_id.clone().unwrap_or_default()),
                ("name", role().name.to_owned()),
            ]),
            AuditFn => api("audit"),
            ListTokensFn => api("tokens"),
            CreateTokenFn => api("create_token").form(&[("name", "matrix")]),
            RevokeSpareFn => api("revoke_token").form(&[("id", &self.spare_id)]),
            HomePage => c.get(format!("{base}/")),
            SettingsPage => c.get(format!("{base}/settings")),
            AuditPage => c.get(format!("{base}/admin/audit")),
            ProtectionFn => api("protection"),
            RunProtectionFn => api("run_protection"),
            ApproveProtectionFn => api("approve_protection")
                .form(&[("account", self.a.as_str()), ("plan_hash", &"0".repeat(64))]),
            ProtectionPage => c.get(format!("{base}/admin/protection")),
            ApplicationsFn => api("applications"),
            CreateApplicationFn => api("create_application").form(&[("name", "matrix-app")]),
            CreateApplicationTokenFn => api("create_application_token")
                .form(&[("app", "demo-app"), ("token_name", "matrix")]),
            DisableApplicationFn => api("disable_application").form(&[("name", "no-such-app")]),
            ApplicationsPage => c.get(format!("{base}/admin/applications")),
            AccessRulesFn => api("access_rules"),
            AddRuleFn => api("add_eligibility_rule").form(&[
                ("base_version", "1"),
                ("kind", "group"),
                ("name", "engineers"),
                ("roles", "arn:aws:iam::*:role/prod-*"),
            ]),
            RemoveRuleFn => api("remove_access_rule").form(&[
                ("base_version", "1"),
                ("list", "eligibility"),
                ("index", "0"),
            ]),
            AddApproverFn => api("add_approver").form(&[
                ("base_version", "1"),
                ("group", "engineers"),
                ("accounts", "*"),
            ]),
            SetTagKeysFn => {
                api("set_role_tag_keys").form(&[("base_version", "1"), ("authorized", "anything")])
            }
            AccessPage => c.get(format!("{base}/admin/access")),
        };
        match (self.tokens.get(&row.who), row.ep) {
            // The AWS SDKs send AWS_CONTAINER_AUTHORIZATION_TOKEN as is.
            (Some(token), Ecs) => req.header("authorization", token),
            (Some(token), _) => req.bearer_auth(token),
            (None, _) => req,
        }
    }

    async fn call(&self, row: &Row) -> Observed {
        let before: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM audit_events")
            .fetch_one(&self.pool)
            .await
            .unwrap();
        let r = self.request(row).send().await.unwrap();
        let header = |name| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (status, location) = (r.status().as_u16(), header("location"));
        let json = header("content-type").starts_with("application/json");
        let body = r.text().await.unwrap();
        let audit = sqlx::query_as(
            "SELECT action, outcome FROM audit_events WHERE id > $1
             AND action IN ('credentials.issue', 'console.signin') ORDER BY id",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .unwrap();
        Observed {
            status,
            location,
            json,
            body,
            audit,
        }
    }
}

/// Where a refused browser is sent: pages come back after signing in.
fn back_to(ep: Endpoint) -> &'static str {
    match ep {
        HomePage => "/login?next=%2F",
        SettingsPage => "/login?next=%2Fsettings",
        AuditPage => "/login?next=%2Fadmin%2Faudit",
        ProtectionPage => "/login?next=%2Fadmin%2Fprotection",
        ApplicationsPage => "/login?next=%2Fadmin%2Fapplications",
        AccessPage => "/login?next=%2Fadmin%2Faccess",
        _ => "/login",
    }
}

/// Names for what refused answers must never carry.
const SECRETS: [&str; 5] = [
    "SecretAccessKey",
    "secret_access_key",
    "SessionToken",
    "session_token",
    "SigninToken",
];

/// The access key id in any of the three credential shapes.
fn access_key(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    ["/Credentials/AccessKeyId", "/AccessKeyId", "/access_key_id"]
        .iter()
        .find_map(|p| v.pointer(p)?.as_str())
        .map(str::to_owned)
}

/// (ARN, CLI-only flag where the endpoint reports one), sorted.
type Listing = Vec<(String, Option<bool>)>;

fn listed(ep: Endpoint, body: &str) -> Option<Listing> {
    let v: Value = serde_json::from_str(body).ok()?;
    let flagged = |r: &Value| Some((r["arn"].as_str()?.to_owned(), r["cli_only"].as_bool()));
    let mut out = match ep {
        RolesV1 | RolesV1All => v
            .as_array()?
            .iter()
            .map(|a| Some((a.as_str()?.to_owned(), None)))
            .collect::<Option<Listing>>()?,
        RolesV2 | RolesV2Console => v["data"]["roles"]
            .as_array()?
            .iter()
            .map(flagged)
            .collect::<Option<_>>()?,
        _ => v["accounts"]
            .as_array()?
            .iter()
            .flat_map(|g| g["roles"].as_array().into_iter().flatten())
            .map(flagged)
            .collect::<Option<_>>()?,
    };
    out.sort();
    Some(out)
}

impl World {
    fn expected_listing(&self, ep: Endpoint, full: &[Role], cli: &[Role]) -> Listing {
        let flag = |c: bool| matches!(ep, RolesV2 | RolesV2Console | HomeFn).then_some(c);
        let mut out: Listing = full
            .iter()
            .map(|r| (self.target(*r).arn(), flag(false)))
            .collect();
        if !matches!(ep, RolesV1 | RolesV2Console) {
            out.extend(cli.iter().map(|r| (self.target(*r).arn(), flag(true))));
        }
        out.sort();
        out
    }

    /// Every way `o` differs from what `row` expects.
    fn judge(&self, row: &Row, o: &Observed) -> Vec<String> {
        let mut bad = Vec::new();
        let mut want = |ok: bool, what: String| {
            if !ok {
                bad.push(what);
            }
        };
        let action = if CONSOLE.contains(&row.ep) {
            "console.signin"
        } else {
            "credentials.issue"
        };
        let outcome = match row.expect {
            Vend => Some("success"),
            Denied(_) => Some("denied"),
            Failed(_) => Some("failure"),
            _ => None,
        };
        let audit: Vec<(String, String)> = outcome
            .map(|o| (action.to_owned(), o.to_owned()))
            .into_iter()
            .collect();
        want(o.audit == audit, format!("audit rows {:?}", o.audit));
        let status = |s: u16| (o.status == s, format!("status {}", o.status));
        let (ok, what) = match row.expect {
            Vend if CONSOLE.contains(&row.ep) => {
                let login = format!("{}/dev/federation?Action=login", self.stub);
                let to_aws = o.status == 303 && o.location.starts_with(&login);
                (to_aws, format!("status {} to {:?}", o.status, o.location))
            }
            Vend => {
                let key = access_key(&o.body);
                let issued = key.as_deref().is_some_and(|k| k.starts_with("ASIA"));
                (o.status == 200 && issued, format!("status {}", o.status))
            }
            Denied(s) | Failed(s) | Refused(s) => status(s),
            Unauthenticated => (
                o.status == 401 && o.json,
                format!("status {} (JSON: {})", o.status, o.json),
            ),
            SignIn => (
                (300..400).contains(&o.status) && o.location.starts_with(back_to(row.ep)),
                format!("status {} to {:?}", o.status, o.location),
            ),
            Lists { full, cli } => {
                let got = listed(row.ep, &o.body);
                let expected = self.expected_listing(row.ep, full, cli);
                (
                    o.status == 200 && got.as_ref() == Some(&expected),
                    format!("status {}, listed {got:?}", o.status),
                )
            }
            Detail { eligible, grants } => {
                let v: Value = serde_json::from_str(&o.body).unwrap_or_default();
                let seen = v["grants"].as_array().is_some_and(|g| !g.is_empty());
                (
                    o.status == 200 && v["eligible"] == eligible && seen == grants,
                    format!(
                        "status {}, eligible {}, grants {seen}",
                        o.status, v["eligible"]
                    ),
                )
            }
            Tokens { spare } => {
                let v: Value = serde_json::from_str(&o.body).unwrap_or_default();
                let ids = v.as_array().into_iter().flatten();
                let seen = ids.map(|t| &t["id"]).any(|id| *id == *self.spare_id);
                (
                    o.status == 200 && seen == spare,
                    format!("status {}, spare token listed: {seen}", o.status),
                )
            }
            Served => (
                (200..300).contains(&o.status),
                format!("status {}", o.status),
            ),
        };
        let body: String = o.body.chars().take(200).collect();
        want(ok, format!("{what}; body {body:?}"));
        if matches!(
            row.expect,
            Denied(_) | Failed(_) | Refused(_) | Unauthenticated | SignIn
        ) {
            let leaked = SECRETS
                .iter()
                .any(|s| o.body.contains(s) || o.location.contains(s));
            want(!leaked, "credential material in a refusal".into());
        }
        // Refusals name what was asked for, and for an ambiguous account
        // name every candidate account.
        match (row.role, o.status) {
            (Some(Ambiguous), 409) => want(
                self.twins.iter().all(|id| o.body.contains(id)),
                format!("candidates missing from {body:?}"),
            ),
            (Some(Unknown), 404) => want(
                o.body.contains("eng-missing"),
                format!("role missing from {body:?}"),
            ),
            _ => {}
        }
        bad
    }

    /// Account ids by their names, so a failure reads like the table.
    fn readable(&self, s: &str) -> String {
        s.replace(&self.a, "<acct0>")
            .replace(&self.twins[0], "<twinB>")
            .replace(&self.twins[1], "<twinC>")
            .replace(&self.retired, "<retired>")
    }
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn every_caller_gets_exactly_the_access_the_matrix_grants(pool: PgPool) {
    let w = world(pool).await;
    let table = rows();
    let mut mismatches = Vec::new();
    for row in &table {
        let observed = w.call(row).await;
        let bad = w.judge(row, &observed);
        if !bad.is_empty() {
            let role = row.role.map(|r| format!(" {r:?}")).unwrap_or_default();
            mismatches.push(w.readable(&format!(
                "{:?} {:?}{role}: want {:?}, got {}",
                row.who,
                row.ep,
                row.expect,
                bad.join("; ")
            )));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cells differ from the matrix:\n{}",
        mismatches.len(),
        table.len(),
        mismatches.join("\n")
    );
}
