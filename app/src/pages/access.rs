//! Admin › Access: who may use which roles, who approves where, and which
//! role tag keys grant use, as in force now (version N), editable one
//! change at a time with a reason; each save is a new version, applied on
//! every replica within seconds; the history shows each version's diff.
use crate::api::access::{
    access_rules, AddApprover, AddEligibilityRule, RemoveAccessRule, SetRoleTagKeys,
};
use crate::components::{ErrorBox, Loaded, PageHead, PolicyDiff};
use crate::views::AccessPageView;
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct Actions {
    add_rule: ServerAction<AddEligibilityRule>,
    remove: ServerAction<RemoveAccessRule>,
    add_approver: ServerAction<AddApprover>,
    tags: ServerAction<SetRoleTagKeys>,
}

impl Actions {
    fn version(&self) -> usize {
        self.add_rule.version().get()
            + self.remove.version().get()
            + self.add_approver.version().get()
            + self.tags.version().get()
    }

    /// The latest refusal of any of them.
    fn error(&self) -> Option<crate::error::AppError> {
        [
            self.add_rule.value().get().and_then(|r| r.err()),
            self.remove.value().get().and_then(|r| r.err()),
            self.add_approver.value().get().and_then(|r| r.err()),
            self.tags.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

#[component]
pub fn AccessPage() -> impl IntoView {
    let actions = Actions {
        add_rule: ServerAction::new(),
        remove: ServerAction::new(),
        add_approver: ServerAction::new(),
        tags: ServerAction::new(),
    };
    let page = Resource::new(move || actions.version(), |_| access_rules());
    view! {
        <PageHead title="Access rules" intro="Who may use which roles, who approves requests where, and which role tags grant use. Each change is saved as a new version with who made it and why, and is in force on every server within seconds. The config file seeded the first version."/>
        {move || actions.error().map(|e| view! { <ErrorBox err=e/> })}
        <Loaded data=page keep=true let:p>
            <Access p actions/>
        </Loaded>
    }
}

#[component]
fn Access(p: AccessPageView, actions: Actions) -> impl IntoView {
    let v = p.version.to_string();
    let admins = if p.admin_groups.is_empty() {
        "none".to_owned()
    } else {
        p.admin_groups.join(", ")
    };
    view! {
        <div class="card" data-version=v.clone()>
            <p>"Version " <strong>{p.version}</strong> {format!(" · saved {} by {} ({})", p.changed_at, p.changed_by, p.source)}
                {(!p.note.is_empty()).then(|| format!(" · “{}”", p.note))}</p>
            <p class="muted small">"Administrators (config file, " <code>"auth.admin_groups"</code> "): " {admins}</p>
            {p.config_differs.then(|| view! {
                <p class="warning" role="status">"The config file's rules changed since they were edited here; the rules below stay in force. Make the same change here, or edit the file only while no one edits here."</p>
            })}
        </div>
        <Rules p=p.clone() actions v=v.clone()/>
        <Approvers p=p.clone() actions v=v.clone()/>
        <TagKeys p=p.clone() actions v/>
        <History p/>
    }
}

/// Removes entry `i` of `list`, as of version `v`.
#[component]
fn Remove(
    action: ServerAction<RemoveAccessRule>,
    v: String,
    list: &'static str,
    i: usize,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="inline">
            <input type="hidden" name="base_version" value=v/>
            <input type="hidden" name="list" value=list/>
            <input type="hidden" name="index" value=i.to_string()/>
            <button type="submit" class="link-button">"Remove"</button>
        </ActionForm>
    }
}

#[component]
fn Rules(p: AccessPageView, actions: Actions, v: String) -> impl IntoView {
    let rows = p.rules.eligibility.clone();
    view! {
        <section class="card">
            <h2>{format!("Eligibility ({})", rows.len())}</h2>
            <table class="data access-rules">
                <thead><tr><th>"Who"</th><th>"Roles"</th><th>"Access"</th><th></th></tr></thead>
                <tbody>
                    {rows.into_iter().enumerate().map(|(i, r)| {
                        let v = v.clone();
                        view! {
                            <tr data-rule=i.to_string()>
                                <td>{r.label()}</td>
                                <td class="small">{r.roles.iter().map(|x| view! { <div><code>{x.clone()}</code></div> }).collect_view()}</td>
                                <td>{if r.cli_only { "CLI only" } else { "console and CLI" }}</td>
                                <td><Remove action=actions.remove v list="eligibility" i/></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h3>"Add a rule"</h3>
            <ActionForm action=actions.add_rule attr:class="stack" attr:id="rule-form">
                <input type="hidden" name="base_version" value=v/>
                <label class="who">"Who "
                    <select name="kind">
                        <option value="group" selected>"group"</option>
                        <option value="user">"user"</option>
                        <option value="app">"application"</option>
                        <option value="group_or_user">"group or user (as ConsoleMe)"</option>
                    </select>
                    " " <input name="name" placeholder="engineers" required/>
                </label>
                <label>"Roles (ARNs or patterns with * and ?, one per line) "
                    <textarea name="roles" rows="2" placeholder="arn:aws:iam::*:role/eng-*" required></textarea></label>
                <label class="check"><input type="checkbox" name="cli_only" value="true"/> "CLI only"</label>
                <label>"Why " <input name="note" placeholder="New team starts Monday"/></label>
                <div><button type="submit" class="primary">"Add rule"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Approvers(p: AccessPageView, actions: Actions, v: String) -> impl IntoView {
    let rows = p.rules.approvers.clone();
    view! {
        <section class="card">
            <h2>{format!("Approvers ({})", rows.len())}</h2>
            {if rows.is_empty() { view! { <p class="muted small">"Only administrators approve."</p> }.into_any() } else { view! {
                <table class="data approvers">
                    <thead><tr><th>"Group"</th><th>"Approves in"</th><th></th></tr></thead>
                    <tbody>
                        {rows.into_iter().enumerate().map(|(i, a)| {
                            let v = v.clone();
                            view! {
                                <tr data-approver=i.to_string()>
                                    <td>{a.group.clone()}</td>
                                    <td>{a.accounts.join(", ")}</td>
                                    <td><Remove action=actions.remove v list="approvers" i/></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any() }}
            <ActionForm action=actions.add_approver attr:class="inline" attr:id="approver-form">
                <input type="hidden" name="base_version" value=v/>
                <input name="group" placeholder="Group, e.g. staging-leads" required/>
                <input name="accounts" placeholder="Accounts: ids, names or patterns, comma-separated" required/>
                <input name="note" placeholder="Why"/>
                <button type="submit">"Add approvers"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn TagKeys(p: AccessPageView, actions: Actions, v: String) -> impl IntoView {
    let t = p.rules.role_tags.clone();
    view! {
        <section class="card">
            <h2>"Role tags"</h2>
            <p class="muted small">"A role tagged with one of these keys may be used by the groups or user ids its value lists, “:”-separated (an entry app/<name> names an application)."</p>
            <ActionForm action=actions.tags attr:class="stack" attr:id="tags-form">
                <input type="hidden" name="base_version" value=v/>
                <label>"Console and CLI " <input name="authorized" value=t.authorized.join(", ")/></label>
                <label>"CLI only " <input name="authorized_cli_only" value=t.authorized_cli_only.join(", ")/></label>
                <label>"Why " <input name="note" placeholder="Keep ConsoleMe's tags working"/></label>
                <div><button type="submit">"Save tag keys"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn History(p: AccessPageView) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"History"</h2>
            {p.history.into_iter().map(|h| view! {
                <details class="access-version" data-version=h.version.to_string()>
                    <summary>{format!("Version {} · {} · {} ({})", h.version, h.at, h.by, h.source)}
                        {(!h.note.is_empty()).then(|| format!(" · “{}”", h.note))}</summary>
                    <PolicyDiff old=h.before new=h.after/>
                </details>
            }).collect_view()}
        </section>
    }
}
