//! One run in one account: read its networks, generate the policy, record
//! the plan; once an administrator approved the first write, write the
//! policy when it differs from IAM's default version, and attach it to the
//! roles tagged for it (detaching it from roles no longer tagged). Every
//! write, attachment and detachment is audited. One replica works on an
//! account at a time (an advisory lock per account).
use crate::aws::{protection as iam_policy, AwsError};
use crate::config::Config;
use crate::db::{self, protection::NewPlan};
use crate::services::Services;
use app::domain::protection::{protection_policy, Networks};
use app::domain::AccountId;
use app::ports::ClientMeta;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

/// What runs did, summed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProtectionRun {
    pub planned: usize,
    pub written: usize,
    pub attached: usize,
    pub detached: usize,
    pub failed: usize,
}

impl ProtectionRun {
    fn add(&mut self, o: ProtectionRun) {
        self.planned += o.planned;
        self.written += o.written;
        self.attached += o.attached;
        self.detached += o.detached;
        self.failed += o.failed;
    }
}

/// Who a run acts as, for the audit trail.
pub struct Actor<'a> {
    pub id: &'a str,
    pub client: &'a ClientMeta,
}

impl Services {
    /// Every enabled account, as the schedule runs it (`actor` is
    /// `latchkey`, or the administrator who asked for a run now).
    pub async fn protect_accounts(&self, actor: &Actor<'_>) -> crate::Result<ProtectionRun> {
        let mut out = ProtectionRun::default();
        if !self.config.credential_protection.enabled {
            return Ok(out);
        }
        let accounts = db::accounts::list_enabled(&mut *db::conn(&self.pool).await?).await?;
        for a in accounts {
            let Ok(account) = AccountId::parse(&a.account_id) else {
                continue;
            };
            match self.protect_account(&account, actor).await {
                Ok(o) => out.add(o),
                Err(e) => {
                    out.failed += 1;
                    tracing::warn!(account = %account, error = %e, "credential protection failed");
                }
            }
        }
        Ok(out)
    }

    /// Plans `account` afresh and, when approved, brings IAM in line.
    pub async fn protect_account(
        &self,
        account: &AccountId,
        actor: &Actor<'_>,
    ) -> crate::Result<ProtectionRun> {
        let mut out = ProtectionRun::default();
        let mut tx = db::begin(&self.pool).await?;
        if !db::try_xact_lock(&mut tx, &lock_key(account)).await? {
            return Ok(out);
        }
        let plan = self.plan(account).await;
        db::protection::put_plan(&mut tx, account.as_str(), &plan).await?;
        out.planned += 1;
        let approved = db::protection::get(&mut tx, account.as_str())
            .await?
            .is_some_and(|p| p.approved_at.is_some());
        if approved {
            if let Some(doc) = &plan.planned {
                out.add(
                    self.enforce(&mut tx, account, doc, plan.live.as_deref(), actor)
                        .await?,
                );
            }
        }
        db::commit(tx).await?;
        Ok(out)
    }

    /// Records an administrator's approval of the plan they were shown
    /// (`shown` is its hash) and writes that plan now. A plan that changed
    /// since it was shown is refused, so nothing is approved unseen.
    pub async fn approve_protection_plan(
        &self,
        account: &AccountId,
        shown: &str,
        actor: &Actor<'_>,
    ) -> Result<ProtectionRun, app::AppError> {
        let mut tx = db::begin(&self.pool).await?;
        db::xact_lock(&mut tx, &lock_key(account)).await?;
        let row = db::protection::get(&mut tx, account.as_str())
            .await?
            .ok_or_else(|| app::AppError::NotFound(format!("a plan for account {account}")))?;
        let Some(doc) = row.planned.as_deref() else {
            return Err(app::AppError::Conflict(format!(
                "account {account} has no policy to write: {}",
                row.plan_error
                    .as_deref()
                    .unwrap_or("it has not been planned")
            )));
        };
        if plan_hash(doc) != shown {
            return Err(app::AppError::Conflict(
                "the plan changed since it was shown; review the new plan and approve again".into(),
            ));
        }
        db::protection::approve(&mut tx, account.as_str(), actor.id).await?;
        let arn = policy_arn(&self.config, account);
        db::audit::record(
            &mut tx,
            db::audit::AuditEvent::by(actor.id, "protection.approved", &arn, actor.client)
                .detail(json!({"account": account.as_str(), "document": doc})),
        )
        .await?;
        let out = self
            .enforce(&mut tx, account, doc, row.live.as_deref(), actor)
            .await?;
        db::commit(tx).await?;
        Ok(out)
    }

    /// Reads the networks and IAM's current policy; never fails: what went
    /// wrong is the plan's error.
    async fn plan(&self, account: &AccountId) -> NewPlan {
        let c = &self.config.credential_protection;
        let networks = match self.aws.networks_of(account).await {
            Ok(n) => n,
            Err(e) => return failed_plan(format!("reading the account's networks failed: {e}")),
        };
        let live = match self.live_policy(account).await {
            Ok(l) => l,
            Err(e) => return failed_plan(format!("reading the policy failed: {e}")),
        };
        let (planned, plan_error) = match protection_policy(&networks, &c.extra_cidrs) {
            Ok(doc) => (Some(doc.as_json().to_string()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        NewPlan {
            networks: serde_json::to_value(&networks).unwrap_or(Value::Null),
            planned,
            plan_error,
            live: live.as_ref().map(|l| l.document.to_string()),
            live_version: live.map(|l| l.version),
        }
    }

    async fn live_policy(
        &self,
        account: &AccountId,
    ) -> Result<Option<iam_policy::LivePolicy>, AwsError> {
        let iam = self.aws.spoke_iam(account).await?;
        iam_policy::read(&iam, &policy_arn(&self.config, account)).await
    }

    /// Writes `doc` unless IAM holds it already, then keeps attachments.
    async fn enforce(
        &self,
        conn: &mut PgConnection,
        account: &AccountId,
        doc: &str,
        live: Option<&str>,
        actor: &Actor<'_>,
    ) -> crate::Result<ProtectionRun> {
        let mut out = ProtectionRun::default();
        let arn = policy_arn(&self.config, account);
        let iam = match self.aws.spoke_iam(account).await {
            Ok(iam) => iam,
            Err(e) => {
                db::protection::put_written(conn, account.as_str(), Err(&e.to_string())).await?;
                out.failed += 1;
                return Ok(out);
            }
        };
        let same = live.is_some_and(|l| same_document(l, doc));
        if !same {
            let name = &self.config.credential_protection.policy_name;
            let result = iam_policy::write(&iam, &arn, name, &parse(doc), live.is_some()).await;
            let event =
                db::audit::AuditEvent::by(actor.id, "protection.written", &arn, actor.client);
            match result {
                Ok(version) => {
                    db::protection::put_written(conn, account.as_str(), Ok((doc, &version)))
                        .await?;
                    db::audit::record(
                        conn,
                        event
                            .detail(json!({"version": version, "document": doc, "previous": live})),
                    )
                    .await?;
                    out.written += 1;
                }
                Err(e) => {
                    let why = e.to_string();
                    db::protection::put_written(conn, account.as_str(), Err(&why)).await?;
                    db::audit::record(conn, event.outcome("failure").detail(json!({"error": why})))
                        .await?;
                    out.failed += 1;
                    return Ok(out);
                }
            }
        }
        out.add(
            self.keep_attachments(conn, &iam, account, &arn, actor)
                .await?,
        );
        Ok(out)
    }

    /// Attaches the policy to the roles tagged for it and detaches it from
    /// the others. Latchkey's own spoke role is never attached: its calls
    /// come from wherever Latchkey runs, and it would lose the account.
    async fn keep_attachments(
        &self,
        conn: &mut PgConnection,
        iam: &aws_sdk_iam::Client,
        account: &AccountId,
        arn: &str,
        actor: &Actor<'_>,
    ) -> crate::Result<ProtectionRun> {
        let mut out = ProtectionRun::default();
        let c = &self.config.credential_protection;
        let spoke = self.config.aws.spoke_role_name.to_string();
        let tagged = db::protection::tagged_roles(conn, account.as_str(), &c.tag_key).await?;
        let mut errors = Vec::new();
        let mut wanted = Vec::new();
        for (name, path) in tagged {
            if name == spoke {
                errors.push(format!(
                    "{name}: not attached: it is Latchkey's own spoke role, which must work from wherever Latchkey runs"
                ));
            } else if path.starts_with("/aws-service-role/") {
                errors.push(format!(
                    "{name}: not attached: a service-linked role takes no policies"
                ));
            } else {
                wanted.push(name);
            }
        }
        let mut attached = match iam_policy::attached_roles(iam, arn).await {
            Ok(a) => a,
            Err(e) => {
                errors.push(format!("(listing the roles it is attached to): {e}"));
                db::protection::put_attached(conn, account.as_str(), &[], &errors).await?;
                out.failed += 1;
                return Ok(out);
            }
        };
        let partition = self.config.aws.partition();
        let role_arn =
            |name: &str| partition.arn("iam", "", account.as_str(), &format!("role/{name}"));
        let to_attach: Vec<String> = wanted
            .iter()
            .filter(|r| !attached.contains(r))
            .cloned()
            .collect();
        let to_detach: Vec<String> = attached
            .iter()
            .filter(|r| !wanted.contains(r))
            .cloned()
            .collect();
        for (role, attach) in to_attach
            .iter()
            .map(|r| (r, true))
            .chain(to_detach.iter().map(|r| (r, false)))
        {
            let result = if attach {
                iam_policy::attach(iam, arn, role).await
            } else {
                iam_policy::detach(iam, arn, role).await
            };
            let action = if attach {
                "protection.attached"
            } else {
                "protection.detached"
            };
            let target = role_arn(role);
            let event = db::audit::AuditEvent::by(actor.id, action, &target, actor.client);
            match result {
                Ok(()) => {
                    db::audit::record(conn, event.detail(json!({"policy": arn}))).await?;
                    if attach {
                        attached.push(role.clone());
                        out.attached += 1;
                    } else {
                        attached.retain(|r| r != role);
                        out.detached += 1;
                    }
                }
                Err(e) => {
                    let why = e.to_string();
                    db::audit::record(
                        conn,
                        event
                            .outcome("failure")
                            .detail(json!({"policy": arn, "error": why})),
                    )
                    .await?;
                    errors.push(format!("{role}: {why}"));
                    out.failed += 1;
                }
            }
        }
        attached.sort();
        db::protection::put_attached(conn, account.as_str(), &attached, &errors).await?;
        Ok(out)
    }
}

/// The policy's ARN in `account`.
pub fn policy_arn(config: &Config, account: &AccountId) -> String {
    config.aws.partition().arn(
        "iam",
        "",
        account.as_str(),
        &format!("policy/{}", config.credential_protection.policy_name),
    )
}

/// What identifies a plan as shown: the SHA-256 of its text.
pub fn plan_hash(planned: &str) -> String {
    hex::encode(Sha256::digest(planned.as_bytes()))
}

fn lock_key(account: &AccountId) -> String {
    format!("credential_protection.{account}")
}

fn failed_plan(why: String) -> NewPlan {
    NewPlan {
        networks: serde_json::to_value(Networks::default()).unwrap_or(Value::Null),
        planned: None,
        plan_error: Some(why),
        live: None,
        live_version: None,
    }
}

/// Whether two documents' JSON texts say the same (key order aside).
pub fn same_document(a: &str, b: &str) -> bool {
    parse(a) == parse(b)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}
