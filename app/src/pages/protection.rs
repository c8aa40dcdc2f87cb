//! Admin › Protection: each account's credential-protection policy — the
//! networks read from EC2, the generated policy as a diff against what IAM
//! holds, the approval of the first write, and the roles it is attached to.
use crate::api::admin::{protection_status, ApproveProtection, RunProtection};
use crate::components::{ErrorBox, Loaded, PageHead, PolicyDiff};
use crate::views::{ProtectionAccountView, ProtectionPageView};
use leptos::prelude::*;

#[component]
pub fn ProtectionPage() -> impl IntoView {
    let run = ServerAction::<RunProtection>::new();
    let approve = ServerAction::<ApproveProtection>::new();
    let page = Resource::new(
        move || (run.version().get(), approve.version().get()),
        |_| protection_status(),
    );
    view! {
        <PageHead title="Credential protection" intro="One managed policy per account refuses its role credentials outside the account's own networks. Times are UTC.">
            <ActionForm action=run attr:class="inline">
                <button type="submit" class="primary" data-run="protection">"Plan now"</button>
            </ActionForm>
        </PageHead>
        {move || run.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
        {move || approve.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
        <Loaded data=page keep=true let:p>
            <Protection p approve/>
        </Loaded>
    }
}

#[component]
fn Protection(p: ProtectionPageView, approve: ServerAction<ApproveProtection>) -> impl IntoView {
    if !p.enabled {
        return view! {
            <div class="card empty" data-protection="off">
                <p>"Credential protection is off."</p>
                <p class="muted">"Set " <code>"[credential_protection] enabled = true"</code>
                    " to plan a policy for every account. Nothing is written to IAM until you approve each account's plan here."</p>
            </div>
        }
        .into_any();
    }
    let extra = if p.extra_cidrs.is_empty() {
        "none".to_owned()
    } else {
        p.extra_cidrs.join(", ")
    };
    view! {
        <div class="card">
            <p class="small">
                "Policy " <code>{p.policy_name.clone()}</code>
                " · attached to roles tagged " <code>{format!("{} = true", p.tag_key)}</code>
                " · extra ranges: " {extra}
            </p>
            <p class="muted small">"Calls from a NAT gateway or Elastic IP of the account, through its VPC endpoints, from the extra ranges, or by an AWS service acting for the role pass; the same credentials anywhere else are refused."</p>
        </div>
        <Summary accounts=p.accounts.clone()/>
        {p.accounts.into_iter().map(|a| view! { <AccountPlan a approve/> }).collect_view()}
    }
    .into_any()
}

/// One line per account, linking to its section: what needs a look first.
#[component]
fn Summary(accounts: Vec<ProtectionAccountView>) -> impl IntoView {
    view! {
        <table class="data protection-summary">
            <thead><tr><th>"Account"</th><th>"State"</th><th>"Networks"</th><th>"Attached to"</th></tr></thead>
            <tbody>
                {accounts.into_iter().map(|a| view! {
                    <tr data-account=a.account_id.clone()>
                        <td><a href=format!("#protect-{}", a.account_id)>{a.name.clone()}</a>
                            <div class="muted small">{a.account_id.clone()}</div></td>
                        <td><span class="pill">{state_label(&a.state)}</span></td>
                        <td class="small">{format!(
                            "{} NAT gateway addresses · {} Elastic IPs · {} VPCs",
                            a.nat_ips.len(), a.elastic_ips.len(), a.vpcs.len()
                        )}</td>
                        <td class="small">{match a.attached.len() {
                            0 => "no role".to_owned(),
                            1 => "1 role".to_owned(),
                            n => format!("{n} roles"),
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn state_label(state: &str) -> &'static str {
    match state {
        "awaiting-approval" => "awaiting approval",
        "up-to-date" => "up to date",
        "update-pending" => "update on next run",
        "cannot-write" => "cannot be written",
        "write-failed" => "write failed",
        _ => "not planned yet",
    }
}

fn when(t: &Option<String>) -> String {
    t.as_deref()
        .map(|s| s.get(..19).unwrap_or(s).replace('T', " "))
        .unwrap_or_default()
}

#[component]
fn AccountPlan(
    a: ProtectionAccountView,
    approve: ServerAction<ApproveProtection>,
) -> impl IntoView {
    let networks = |label: &'static str, items: Vec<String>| {
        view! {
            <div class="small">
                <strong>{label}</strong> ": "
                {if items.is_empty() {
                    view! { <span class="muted">"none"</span> }.into_any()
                } else {
                    items.into_iter().map(|i| view! { <span class="tag">{i}</span> }).collect_view().into_any()
                }}
            </div>
        }
    };
    let diff_label = match (&a.live, a.state.as_str()) {
        (None, _) => "New policy (IAM has none yet)".to_owned(),
        (Some(_), "up-to-date") => format!(
            "IAM holds this policy (version {})",
            a.live_version.clone().unwrap_or_default()
        ),
        (Some(_), _) => format!(
            "Changes to IAM's version {}",
            a.live_version.clone().unwrap_or_default()
        ),
    };
    let awaiting = a.state == "awaiting-approval";
    // Collapsed when IAM already holds it: a long list stays readable.
    let needs_review = a.state != "up-to-date";
    let (account, hash) = (
        a.account_id.clone(),
        a.plan_hash.clone().unwrap_or_default(),
    );
    let approve_attr = a.account_id.clone();
    view! {
        <section class="card protection" id=format!("protect-{}", a.account_id) data-account=a.account_id.clone() data-state=a.state.clone()>
            <h2>
                {a.name.clone()} <span class="muted">{format!(" · {}", a.account_id)}</span>
                <span class="pill">{state_label(&a.state)}</span>
            </h2>
            <p class="arn small">{a.policy_arn.clone()}</p>
            {networks("NAT gateways", a.nat_ips.clone())}
            {networks("Elastic IPs", a.elastic_ips.clone())}
            {networks("VPCs", a.vpcs.clone())}
            <p class="muted small">{format!("Planned {}", when(&a.planned_at))}</p>
            {a.plan_error.clone().map(|e| view! { <div class="error small" data-plan-error="">{e}</div> })}
            {a.planned.clone().map(|new| view! {
                <details open=needs_review>
                    <summary><strong>{diff_label}</strong></summary>
                    <PolicyDiff old=a.live.clone().unwrap_or_default() new/>
                </details>
            })}
            {awaiting.then(|| view! {
                <p class="notice">"Nothing is written until you approve. Afterwards each run keeps this policy in step with the account's networks."</p>
                <ActionForm action=approve attr:class="inline">
                    <input type="hidden" name="account" value=account/>
                    <input type="hidden" name="plan_hash" value=hash/>
                    <button type="submit" class="primary" data-approve=approve_attr>"Approve and write"</button>
                </ActionForm>
            })}
            {a.approved_by.clone().map(|by| view! {
                <p class="small">{format!("First write approved by {by} on {}", when(&a.approved_at))}
                    {a.written_at.is_some().then(|| format!(" · last written {}", when(&a.written_at)))}</p>
            })}
            {a.write_error.clone().map(|e| view! { <div class="error small">{format!("Writing failed: {e}")}</div> })}
            {(a.approved_by.is_some()).then(|| networks("Attached to", a.attached.clone()))}
            {(!a.attach_errors.is_empty()).then(|| view! {
                <ul class="findings-list">
                    {a.attach_errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}
