//! The fixture every cell runs against, and how a cell is run.
use super::*;

pub(super) struct Fixture {
    pub(super) a: String,
    pub(super) b: String,
    disabled: String,
    unknown: String,
    bucket: String,
    base: String,
    /// The same data behind a server with `allow_admin_self_approval`.
    base_self: String,
    clients: HashMap<Who, reqwest::Client>,
    clients_self: HashMap<Who, reqwest::Client>,
    requests: HashMap<&'static str, (String, Vec<String>)>,
    pub(super) s: latchkey::services::Services,
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

pub(super) async fn fixture(pool: &PgPool) -> Fixture {
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
    create_bucket(&s3(&s, &b).await, &bucket).await;
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
        let changes = scalars_of(
            pool,
            "SELECT id::text FROM request_changes WHERE request_id = $1::uuid ORDER BY position",
            &id,
        )
        .await;
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

    pub(super) async fn run(&self, who: Who, cell: Cell) -> Expect {
        match cell {
            Cell::Target(act, target) => self.act(who, act, target).await,
            Cell::Review(action, req) => self.review(who, action, req).await,
        }
    }

    async fn act(&self, who: Who, act: Act, target: Target) -> Expect {
        let c = &self.clients[&who];
        let base = &self.base;
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
                let form = [
                    ("source_arn", arn.as_str()),
                    ("new_arn", copy.as_str()),
                    ("justification", "A copy of the spoke role for tests"),
                    ("direct", "true"),
                ];
                let url = format!("{}/api/clone_role", self.base_self);
                status(self.clients_self[&who].post_form(url, &form).await)
            }
            Creds => status(credentials(c, base, &arn).await),
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
                c.post_form(format!("{base}/api/dev_sign_in"), &[("user_id", id)])
                    .await;
                status(c.get(format!("{base}/role/{arn}")).fetch().await)
            }
            InRoles => {
                let url = format!("{base}/api/v1/get_roles?all=true");
                listed(c.get(url).fetch().await, &arn).await
            }
            Refresh => {
                let form = [("arn", arn.as_str())];
                status(
                    c.post_form(format!("{base}/api/refresh_resource"), &form)
                        .await,
                )
            }
            InWizard => {
                let form = [("principal", "")];
                listed(
                    c.post_form(format!("{base}/api/wizard_context"), &form)
                        .await,
                    &arn,
                )
                .await
            }
        }
    }

    async fn review(&self, who: Who, action: Review, req: Req) -> Expect {
        let c = &self.clients[&who];
        let (id, changes) = &self.requests[match req {
            Req::Both => "both",
            Req::OnlyB => "only_b",
        }];
        let mut form: Vec<(&str, &str)> = match action {
            Review::View => return status(get_request(c, &self.base, id).await),
            Review::Comment => vec![("action", "comment"), ("text", "looking at it")],
            Review::Reject => vec![("action", "reject"), ("text", "not like this")],
            Review::ApplyA => vec![("action", "apply"), ("change_id", &changes[0])],
            Review::ApplyB => {
                vec![("action", "apply"), ("change_id", changes.last().unwrap())]
            }
        };
        form.push(("id", id));
        status(review(c, &self.base, &form).await)
    }
}

fn status(r: reqwest::Response) -> Expect {
    Status(r.status().as_u16())
}

/// Whether a 200 answer names `arn`; any other answer's status.
async fn listed(r: reqwest::Response, arn: &str) -> Expect {
    if r.status() != 200 {
        return status(r);
    }
    Listed(text_of(r).await.contains(&format!("\"{arn}\"")))
}
