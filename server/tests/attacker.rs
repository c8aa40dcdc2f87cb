//! The attacker's suite (issue #12): what a signed-in engineer, an approver
//! of one account, an administrator or an anonymous caller gets when they
//! call the server directly, on every kind of *target* (their own role,
//! another role in the same account, a role in another account, Latchkey's
//! protected roles, a disabled or unknown account). One table says what each
//! cell must answer; the test runs all of it on real Postgres and moto, lists
//! every cell that differs, and then checks that nothing a refused cell asked
//! for reached Postgres or AWS.
#![allow(clippy::unwrap_used)]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashMap;

const APPROVER_A: &str = LEAD_A;
const APPROVER_B: &str = LEAD_B;
const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Engineer,
    /// Another engineer, who made none of the requests.
    Peer,
    /// Engineers who also approve account A (resp. B).
    ApproverA,
    ApproverB,
    Admin,
}
use Who::*;

/// The objects a cell aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `eng-app` in A: eligible for every engineer.
    OwnRole,
    /// `prod-admin` in A: eligible for nobody.
    OtherRoleA,
    /// `b-admin` in B: eligible for nobody.
    OtherRoleB,
    /// The spoke role in A, tagged `latchkey-authorized=engineers`.
    Spoke,
    /// `break-glass` in A, listed in `aws.protected_roles`, tagged likewise.
    ListedRole,
    /// A bucket in B.
    BucketB,
    /// An IAM user in A.
    UserA,
    /// A customer managed policy in A.
    PolicyA,
    /// `eng-app` in an account an admin disabled.
    DisabledRole,
    /// A role in an account Latchkey does not know.
    UnknownRole,
}
use Target::*;

/// What a cell does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// `submit_request` with the target as principal and the attack change
    /// for its kind on it.
    Ask,
    /// `submit_request` with `eng-app` in A as principal and the attack
    /// change on the target: the change aims elsewhere than the principal.
    AskVia,
    /// `submit_request` with `direct: true` (a harmless tag) on the server
    /// where self-approval is off, then where it is on.
    Direct,
    DirectSelfApproval,
    /// `clone_role` of the target into account A, as a direct edit.
    Clone,
    /// Credentials, and the console, as the target role.
    Creds,
    Console,
    /// Whether the target shows in the caller's roles list / the wizard's
    /// principals (200 and `Listed(bool)`).
    InRoles,
    InWizard,
    /// `refresh_resource`: makes the hub assume into the target's account.
    Refresh,
}
use Act::*;

/// The requests the review cells act on, made by ENGINEER in the fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Req {
    /// `eng-app` in A gets a tag, and the bucket in B a policy: accounts A and B.
    Both,
    /// Only the bucket in B changes (the principal is in A).
    OnlyB,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Review {
    View,
    Comment,
    Reject,
    /// Apply the change in A (resp. B).
    ApplyA,
    ApplyB,
}

#[derive(Debug, Clone, Copy)]
enum Cell {
    Target(Act, Target),
    Review(Review, Req),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Status(u16),
    Listed(bool),
}
use Expect::*;

struct Row {
    who: &'static [Who],
    cell: Cell,
    expect: Expect,
}

const ALL: &[Who] = &[Engineer, ApproverA, ApproverB, Admin];

fn t(who: &'static [Who], act: Act, target: Target, expect: Expect) -> Row {
    Row {
        who,
        cell: Cell::Target(act, target),
        expect,
    }
}

fn r(who: &'static [Who], review: Review, req: Req, expect: Expect) -> Row {
    Row {
        who,
        cell: Cell::Review(review, req),
        expect,
    }
}

/// The table. Order matters only where a cell changes state: the cells
/// that succeed in changing something come after the refusals they could mask.
fn table() -> Vec<Row> {
    let s = Status;
    vec![
        // Anonymous callers get 401 for everything.
        t(&[Anonymous], Ask, OwnRole, s(401)),
        t(&[Anonymous], AskVia, BucketB, s(401)),
        t(&[Anonymous], Direct, OwnRole, s(401)),
        t(&[Anonymous], Creds, Spoke, s(401)),
        r(&[Anonymous], Review::View, Req::Both, s(401)),
        r(&[Anonymous], Review::Reject, Req::OnlyB, s(401)),
        // Latchkey's own roles: nobody uses, asks for, edits or clones them.
        t(ALL, Ask, Spoke, s(403)),
        t(ALL, AskVia, Spoke, s(403)),
        t(ALL, Ask, ListedRole, s(403)),
        t(ALL, AskVia, ListedRole, s(403)),
        t(ALL, DirectSelfApproval, Spoke, s(403)),
        t(&[Admin], Clone, Spoke, s(403)),
        t(ALL, Creds, Spoke, s(403)),
        t(ALL, Creds, ListedRole, s(403)),
        t(ALL, Console, Spoke, s(403)),
        t(ALL, InRoles, Spoke, Listed(false)),
        t(ALL, InRoles, ListedRole, Listed(false)),
        t(ALL, InWizard, Spoke, Listed(false)),
        // Another role in the same account: only its approvers may ask.
        t(&[Engineer, ApproverB], Ask, OtherRoleA, s(403)),
        t(&[Engineer, ApproverB], AskVia, OtherRoleA, s(403)),
        t(&[ApproverA, Admin], AskVia, OtherRoleA, s(200)),
        // A role in another account, reached through an eligible principal.
        t(&[Engineer, ApproverA], AskVia, OtherRoleB, s(403)),
        t(&[ApproverB, Admin], AskVia, OtherRoleB, s(200)),
        // Users and managed policies: approvers of their account only.
        t(&[Engineer, ApproverB], AskVia, UserA, s(403)),
        t(&[Engineer, ApproverB], AskVia, PolicyA, s(403)),
        t(&[ApproverA, Admin], AskVia, UserA, s(200)),
        // Disabled and unknown accounts: refused for everyone, admins too.
        t(ALL, Ask, DisabledRole, s(403)),
        t(ALL, AskVia, DisabledRole, s(403)),
        t(ALL, Creds, DisabledRole, s(403)),
        t(ALL, Refresh, DisabledRole, s(403)),
        t(ALL, Refresh, UnknownRole, s(403)),
        t(ALL, Ask, UnknownRole, s(400)),
        t(ALL, AskVia, UnknownRole, s(400)),
        // What everyone may ask: their own role, a bucket anywhere.
        t(ALL, Ask, OwnRole, s(200)),
        t(ALL, AskVia, BucketB, s(200)),
        t(
            &[Engineer, ApproverA, ApproverB],
            InRoles,
            OwnRole,
            Listed(true),
        ),
        t(&[Admin], InRoles, OwnRole, Listed(false)),
        // Direct edits: administrators, and only where self-approval is on.
        t(ALL, Direct, OwnRole, s(403)),
        t(
            &[Engineer, ApproverA, ApproverB],
            DirectSelfApproval,
            OtherRoleA,
            s(403),
        ),
        t(&[Admin], DirectSelfApproval, OtherRoleA, s(200)),
        // Review follows the accounts the changes are applied in.
        r(
            &[Engineer, ApproverA, ApproverB, Admin],
            Review::View,
            Req::Both,
            s(200),
        ),
        r(&[Peer], Review::View, Req::Both, s(404)),
        r(
            &[Engineer, ApproverB, Admin],
            Review::View,
            Req::OnlyB,
            s(200),
        ),
        r(&[Peer, ApproverA], Review::View, Req::OnlyB, s(404)),
        r(&[Peer, ApproverA], Review::Comment, Req::OnlyB, s(404)),
        r(&[ApproverB], Review::Comment, Req::OnlyB, s(200)),
        r(&[ApproverA], Review::ApplyB, Req::Both, s(403)),
        r(&[ApproverB], Review::ApplyA, Req::Both, s(403)),
        // Rejecting ends every change: an approver of every account it touches.
        r(
            &[Engineer, ApproverA, ApproverB],
            Review::Reject,
            Req::Both,
            s(403),
        ),
        r(&[Peer, ApproverA], Review::Reject, Req::OnlyB, s(404)),
        r(&[Engineer], Review::Reject, Req::OnlyB, s(403)),
        r(&[ApproverB], Review::Reject, Req::OnlyB, s(200)),
        r(&[Admin], Review::Reject, Req::Both, s(200)),
        // Nobody gets credentials for a role nobody is eligible for.
        t(ALL, Creds, OtherRoleB, s(403)),
    ]
}

struct Fixture {
    a: String,
    b: String,
    disabled: String,
    unknown: String,
    bucket: String,
    base: String,
    /// The same data behind a server with `allow_admin_self_approval`.
    base_self: String,
    clients: HashMap<Who, reqwest::Client>,
    clients_self: HashMap<Who, reqwest::Client>,
    requests: HashMap<&'static str, (String, Vec<String>)>,
    s: latchkey::services::Services,
}

async fn clients(base: &str) -> HashMap<Who, reqwest::Client> {
    let mut out = HashMap::new();
    out.insert(Anonymous, reqwest::Client::new());
    for (who, id) in [
        (Engineer, ENGINEER),
        (Peer, OTHER_ENGINEER),
        (ApproverA, APPROVER_A),
        (ApproverB, APPROVER_B),
        (Admin, ADMIN),
    ] {
        out.insert(who, signed_in(base, id).await);
    }
    out
}

async fn fixture(pool: &PgPool) -> Fixture {
    let (a, b, d) = (unique_account(), unique_account(), unique_account());
    let aws_keys = r#"protected_roles = ["arn:aws:iam::*:role/break-glass"]"#;
    let cfg = config_in(&[&a, &b, &d], &[("aws", aws_keys)], LEADS);
    let s = services(pool.clone(), cfg).await;
    let engineers = [("latchkey-authorized", "engineers")];
    let iam_a = iam(&s, &a).await;
    create_role(&iam_a, "eng-app", &[], &[]).await;
    create_role(&iam_a, "prod-admin", &[], &[]).await;
    create_role(&iam_a, "LatchkeySpoke", &[], &engineers).await;
    create_role(&iam_a, "break-glass", &[], &engineers).await;
    iam_a
        .create_user()
        .user_name("deploy-bot")
        .send()
        .await
        .unwrap();
    create_policy(
        &iam_a,
        "shared",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#,
    )
    .await;
    let iam_b = iam(&s, &b).await;
    create_role(&iam_b, "eng-app", &[], &[]).await;
    create_role(&iam_b, "b-admin", &[], &[]).await;
    let bucket = format!("attack-{b}");
    let acct_b = app::domain::AccountId::parse(&b).unwrap();
    s.aws
        .spoke_s3(&acct_b)
        .await
        .unwrap()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    create_role(&iam(&s, &d).await, "eng-app", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let mut conn = pool.acquire().await.unwrap();
    latchkey::db::accounts::set_enabled(&mut conn, &d, false)
        .await
        .unwrap();
    drop(conn);

    let base = spawn_http(s.clone()).await;
    let cfg_self = config_in(
        &[&a, &b, &d],
        &[
            ("aws", aws_keys),
            ("auth", "allow_admin_self_approval = true"),
        ],
        LEADS,
    );
    let s_self = latchkey::services::Services::new(pool.clone(), s.aws.clone(), cfg_self.into());
    let base_self = spawn_http(s_self).await;
    let mut f = Fixture {
        clients: clients(&base).await,
        clients_self: clients(&base_self).await,
        base,
        base_self,
        unknown: unique_account(),
        disabled: d,
        bucket,
        requests: HashMap::new(),
        a,
        b,
        s,
    };
    // The requests the review cells act on.
    let eng = f.clients[&Engineer].clone();
    for (name, changes) in [
        (
            "both",
            json!([f.change(OwnRole, false), f.change(BucketB, false)]),
        ),
        ("only_b", json!([f.change(BucketB, false)])),
    ] {
        let resp = submit_request(&eng, &f.base, &f.arn(OwnRole), changes, false).await;
        assert_eq!(resp.status(), 200, "fixture request {name}");
        let id: String = resp.json().await.unwrap();
        let changes: Vec<String> = sqlx::query_scalar(
            "SELECT id::text FROM request_changes WHERE request_id = $1::uuid ORDER BY position",
        )
        .bind(&id)
        .fetch_all(pool)
        .await
        .unwrap();
        f.requests.insert(name, (id, changes));
    }
    f
}

impl Fixture {
    fn arn(&self, t: Target) -> String {
        let (a, b) = (&self.a, &self.b);
        match t {
            OwnRole => format!("arn:aws:iam::{a}:role/eng-app"),
            OtherRoleA => format!("arn:aws:iam::{a}:role/prod-admin"),
            OtherRoleB => format!("arn:aws:iam::{b}:role/b-admin"),
            Spoke => format!("arn:aws:iam::{a}:role/LatchkeySpoke"),
            ListedRole => format!("arn:aws:iam::{a}:role/break-glass"),
            BucketB => format!("arn:aws:s3:::{}", self.bucket),
            UserA => format!("arn:aws:iam::{a}:user/deploy-bot"),
            PolicyA => format!("arn:aws:iam::{a}:policy/shared"),
            DisabledRole => format!("arn:aws:iam::{}:role/eng-app", self.disabled),
            UnknownRole => format!("arn:aws:iam::{}:role/eng-app", self.unknown),
        }
    }

    /// The attack change for a target (`harmless`: a plain tag instead).
    fn change(&self, t: Target, harmless: bool) -> Value {
        let arn = self.arn(t);
        let spec = if harmless {
            json!({"kind": "tags_put", "tags": [{"key": "owner", "value": "platform"}]})
        } else {
            match t {
                OwnRole | Spoke | ListedRole | DisabledRole | UnknownRole => {
                    json!({"kind": "tags_put", "tags": [{"key": "latchkey-authorized", "value": "engineers"}]})
                }
                OtherRoleA | OtherRoleB => {
                    json!({"kind": "managed_policy_attach", "policy_arn": ADMIN_POLICY})
                }
                BucketB => json!({"kind": "resource_policy_put", "document": {
                    "Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow",
                    "Principal": {"AWS": self.arn(OwnRole)}, "Action": "s3:GetObject",
                    "Resource": format!("{arn}/*")}]}}),
                UserA => json!({"kind": "inline_policy_put", "policy_name": "all", "document": {
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": "s3:GetObject", "Resource": "*"}]}}),
                PolicyA => json!({"kind": "managed_policy_document_put", "document": {
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": "iam:PassRole", "Resource": "*"}]}}),
            }
        };
        json!({"target_arn": arn, "spec": spec})
    }

    async fn run(&self, who: Who, cell: Cell) -> Expect {
        let c = &self.clients[&who];
        let base = &self.base;
        let status = |r: reqwest::Response| Status(r.status().as_u16());
        match cell {
            Cell::Target(act, target) => {
                let arn = self.arn(target);
                match act {
                    Ask => {
                        let ch = json!([self.change(target, false)]);
                        status(submit_request(c, base, &arn, ch, false).await)
                    }
                    AskVia => {
                        let ch = json!([self.change(target, false)]);
                        status(submit_request(c, base, &self.arn(OwnRole), ch, false).await)
                    }
                    Direct => {
                        let ch = json!([self.change(target, true)]);
                        status(submit_request(c, base, &arn, ch, true).await)
                    }
                    DirectSelfApproval => {
                        let c = &self.clients_self[&who];
                        let ch = json!([self.change(target, true)]);
                        status(submit_request(c, &self.base_self, &arn, ch, true).await)
                    }
                    Clone => {
                        let copy = format!("arn:aws:iam::{}:role/spoke-copy", self.a);
                        let r = self.clients_self[&who]
                            .post(format!("{}/api/clone_role", self.base_self))
                            .form(&[
                                ("source_arn", arn.as_str()),
                                ("new_arn", copy.as_str()),
                                ("justification", "A copy of the spoke role for tests"),
                                ("direct", "true"),
                            ])
                            .send()
                            .await
                            .unwrap();
                        status(r)
                    }
                    Creds => status(
                        c.post(format!("{base}/api/v1/get_credentials"))
                            .json(&json!({ "requested_role": arn }))
                            .send()
                            .await
                            .unwrap(),
                    ),
                    Console => {
                        let c = reqwest::Client::builder()
                            .redirect(reqwest::redirect::Policy::none())
                            .cookie_store(true)
                            .build()
                            .unwrap();
                        let id = match who {
                            Engineer => ENGINEER,
                            ApproverA => APPROVER_A,
                            ApproverB => APPROVER_B,
                            Admin => ADMIN,
                            _ => OTHER_ENGINEER,
                        };
                        c.post(format!("{base}/api/dev_sign_in"))
                            .form(&[("user_id", id)])
                            .send()
                            .await
                            .unwrap();
                        status(c.get(format!("{base}/role/{arn}")).send().await.unwrap())
                    }
                    InRoles => {
                        let r = c
                            .get(format!("{base}/api/v1/get_roles?all=true"))
                            .send()
                            .await
                            .unwrap();
                        if r.status() != 200 {
                            return status(r);
                        }
                        let body = r.text().await.unwrap();
                        Listed(body.contains(&format!("\"{arn}\"")))
                    }
                    Refresh => status(
                        c.post(format!("{base}/api/refresh_resource"))
                            .form(&[("arn", arn.as_str())])
                            .send()
                            .await
                            .unwrap(),
                    ),
                    InWizard => {
                        let r = c
                            .post(format!("{base}/api/wizard_context"))
                            .form(&[("principal", "")])
                            .send()
                            .await
                            .unwrap();
                        if r.status() != 200 {
                            return status(r);
                        }
                        let body = r.text().await.unwrap();
                        Listed(body.contains(&format!("\"{arn}\"")))
                    }
                }
            }
            Cell::Review(action, req) => {
                let (id, changes) = &self.requests[match req {
                    Req::Both => "both",
                    Req::OnlyB => "only_b",
                }];
                let form: Vec<(&str, &str)> = match action {
                    Review::View => {
                        let r = c
                            .post(format!("{base}/api/get_request"))
                            .form(&[("id", id.as_str())])
                            .send()
                            .await
                            .unwrap();
                        return status(r);
                    }
                    Review::Comment => vec![("action", "comment"), ("text", "looking at it")],
                    Review::Reject => vec![("action", "reject"), ("text", "not like this")],
                    Review::ApplyA => vec![("action", "apply"), ("change_id", &changes[0])],
                    Review::ApplyB => {
                        vec![("action", "apply"), ("change_id", changes.last().unwrap())]
                    }
                };
                let mut form = form;
                form.push(("id", id));
                status(
                    c.post(format!("{base}/api/review_request"))
                        .form(&form)
                        .send()
                        .await
                        .unwrap(),
                )
            }
        }
    }
}

async fn role_state(f: &Fixture, account: &str, name: &str) -> (Vec<String>, Vec<String>) {
    let iam = iam(&f.s, account).await;
    let tags = iam.list_role_tags().role_name(name).send().await.unwrap();
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .unwrap();
    (
        tags.tags()
            .iter()
            .map(|t| format!("{}={}", t.key(), t.value()))
            .collect(),
        attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect(),
    )
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn every_attack_in_the_table_is_refused_and_changes_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    let mut cells = 0;
    let mut wrong = Vec::new();
    for row in table() {
        for &who in row.who {
            cells += 1;
            let before: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
                .fetch_one(&pool)
                .await
                .unwrap();
            let got = f.run(who, row.cell).await;
            if got != row.expect {
                wrong.push(format!(
                    "{who:?} {:?}: got {got:?}, want {:?}",
                    row.cell, row.expect
                ));
            }
            let after: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
                .fetch_one(&pool)
                .await
                .unwrap();
            let refused = matches!(got, Status(s) if s >= 400);
            if refused && after != before {
                wrong.push(format!(
                    "{who:?} {:?}: refused, yet a request was stored",
                    row.cell
                ));
            }
        }
    }
    println!("attacker suite: {cells} cells, {} wrong", wrong.len());
    // No refresh of an unmanaged account reached AWS, and each was audited.
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'resource.refresh' AND outcome = 'denied'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    if refused != 8 {
        wrong.push(format!("{refused} refused refreshes audited, want 8"));
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Nothing that was refused reached AWS.
    let (tags, attached) = role_state(&f, &f.a, "LatchkeySpoke").await;
    assert_eq!(
        (tags, attached),
        (vec!["latchkey-authorized=engineers".to_owned()], vec![])
    );
    let (tags, attached) = role_state(&f, &f.b, "b-admin").await;
    assert!(
        tags.is_empty() && attached.is_empty(),
        "{tags:?} {attached:?}"
    );
    // The admin's direct edit is the one change applied to prod-admin.
    let (tags, attached) = role_state(&f, &f.a, "prod-admin").await;
    assert_eq!(
        (tags, attached),
        (vec!["owner=platform".to_owned()], vec![])
    );
    // Every refused credential or console ask of a protected role was audited as denied.
    let issued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE outcome = 'success' AND target LIKE '%LatchkeySpoke%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(issued, 0);
}

#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn a_stored_change_to_a_role_protected_later_is_never_applied(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    create_role(&iam(&s, &a).await, "eng-ops", &[], &[]).await;
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let role = format!("arn:aws:iam::{a}:role/eng-ops");
    let eng = signed_in(&base, ENGINEER).await;
    let change = json!([{"target_arn": role, "spec": {"kind": "tags_put", "tags": [{"key": "k", "value": "v"}]}}]);
    let r = submit_request(&eng, &base, &role, change, false).await;
    assert_eq!(r.status(), 200);
    let id: String = r.json().await.unwrap();
    // The operator protects the role before anyone approves.
    let keys = format!(r#"protected_roles = ["{role}"]"#);
    let cfg = config_in(&[&a], &[("aws", &keys)], "");
    let s2 = latchkey::services::Services::new(pool.clone(), s.aws.clone(), cfg.into());
    let base2 = spawn_http(s2).await;
    let admin = signed_in(&base2, ADMIN).await;
    let r = approve_all(&admin, &base2, &id).await;
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM request_changes WHERE request_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "failed", "{:?}", r.status());
    assert!(error.unwrap_or_default().contains("protected"));
    let tags = iam(&s, &a)
        .await
        .list_role_tags()
        .role_name("eng-ops")
        .send()
        .await
        .unwrap();
    assert!(tags.tags().is_empty());
}

/// Latchkey running as a role nobody named in `aws.hub_role_arn` still
/// protects it: STS says which role it is, at start-up, and that role is
/// nobody's, whatever its path or an eligibility pattern says.
#[sqlx::test(migrator = "latchkey::db::MIGRATOR")]
async fn the_role_latchkey_runs_as_is_found_and_protected(pool: PgPool) {
    let a = unique_account();
    let s = services(pool.clone(), config(&[&a])).await;
    let iam = iam(&s, &a).await;
    // Under a path no pattern names, but tagged for engineers: only the
    // protection can keep it from them.
    iam.create_role()
        .role_name("eng-latchkey-hub")
        .path("/infra/")
        .assume_role_policy_document(TRUST)
        .tags(iam_tag("latchkey-authorized", "engineers"))
        .send()
        .await
        .unwrap();
    let hub = format!("arn:aws:iam::{a}:role/infra/eng-latchkey-hub");
    // Latchkey's credentials are a session of that role.
    let session = s
        .aws
        .hub_sts()
        .assume_role()
        .role_arn(&hub)
        .role_session_name("latchkey-hub")
        .send()
        .await
        .unwrap();
    let c = session.credentials().unwrap();
    let creds = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "test",
    );
    let as_hub = aws_sdk_sts::Client::new(
        &s.aws
            .hub()
            .to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(creds),
            )
            .build(),
    );
    let detected = latchkey::startup::detect_hub_role(&as_hub).await;
    assert_eq!(
        detected.as_deref(),
        Some(format!("arn:aws:iam::{a}:role/eng-latchkey-hub").as_str())
    );
    // Without it the tag would make the hub an engineer's role.
    sync_all(&s, Trigger::Manual).await;
    let base = spawn_http(s.clone()).await;
    let eng = signed_in(&base, ENGINEER).await;
    let roles = eng
        .get(format!("{base}/api/v2/get_roles"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        roles.contains("eng-latchkey-hub"),
        "sanity: eligible when unprotected"
    );

    let keys = format!(r#"hub_role_arn = "{}""#, detected.unwrap());
    let s2 = services(pool.clone(), config_in(&[&a], &[("aws", &keys)], "")).await;
    let base2 = spawn_http(s2).await;
    let eng = signed_in(&base2, ENGINEER).await;
    let roles = eng
        .get(format!("{base2}/api/v2/get_roles"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!roles.contains("eng-latchkey-hub"), "{roles}");
    let r = eng
        .post(format!("{base2}/api/v1/get_credentials"))
        .json(&json!({"requested_role": hub}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let issued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'credentials.issue' AND outcome = 'success'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(issued, 0);
}
