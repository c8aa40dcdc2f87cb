//! Admin › Sync: every account's last run per task, errors, and "run now"
//! (per task and account, per account, or everything), refreshed while runs go.
use crate::api::admin::{sync_status, RunSync, SetAccountEnabled};
use crate::components::{ErrorBox, Loaded, PageHead};
use crate::views::{AccountSyncView, TaskStatusView};
use leptos::prelude::*;

#[component]
pub fn SyncPage() -> impl IntoView {
    let run = ServerAction::<RunSync>::new();
    let toggle = ServerAction::<SetAccountEnabled>::new();
    let (tick, set_tick) = signal(0u32);
    let status = Resource::new(
        move || (run.version().get(), toggle.version().get(), tick.get()),
        |_| sync_status(),
    );
    // While anything runs (or was just started), re-read every 1.5 s. Only
    // in the browser: a timer has no meaning in a server render, where the
    // effect would be spawned outside any local task set and panic. Keyed on
    // `ssr`, not `hydrate`: a workspace build (cargo test) unifies features,
    // so the server binary can have both.
    #[cfg(not(feature = "ssr"))]
    Effect::new(move |_| {
        let busy = run.version().get() > 0
            || status
                .get()
                .and_then(|r| r.ok())
                .is_some_and(|v| v.iter().any(|a| a.tasks.iter().any(|t| t.running)));
        if busy {
            set_timeout(
                move || set_tick.update(|t| *t += 1),
                std::time::Duration::from_millis(1500),
            );
        }
    });
    #[cfg(feature = "ssr")]
    let _ = set_tick;
    view! {
           <PageHead title="Sync" intro="Last run of each inventory task in each account. Times are UTC.">
               <ActionForm action=run attr:class="inline">
                   <button type="submit" class="primary" data-run="all">"Run everything now"</button>
               </ActionForm>
           </PageHead>
           {move || run.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
           <Loaded data=status keep=true let:accounts>
    <SyncTable accounts run toggle/>
           </Loaded>
       }
}

#[component]
fn SyncTable(
    accounts: Vec<AccountSyncView>,
    run: ServerAction<RunSync>,
    toggle: ServerAction<SetAccountEnabled>,
) -> impl IntoView {
    let tasks: Vec<String> = accounts
        .first()
        .map(|a| a.tasks.iter().map(|t| t.task.clone()).collect())
        .unwrap_or_default();
    view! {
        <table class="data sync">
            <thead><tr>
                <th>"Account"</th>
                {tasks.iter().map(|t| view! { <th>{t.to_uppercase()}</th> }).collect_view()}
                <th></th>
            </tr></thead>
            <tbody>
                {accounts.into_iter().map(|a| {
                    let id = a.account_id.clone();
                    let (id_run, id_toggle, id_attr) = (id.clone(), id.clone(), id.clone());
                    view! {
                        <tr data-account=a.account_id.clone()>
                            <td>
                                <strong>{a.name.clone()}</strong>
                                <div class="muted">{format!("{} · {}{}", a.account_id, a.source, if a.enabled { "" } else { " · disabled" })}</div>
                            </td>
                            {a.tasks.into_iter().map(|t| view! { <TaskCell t account=id.clone() run/> }).collect_view()}
                            <td class="row-actions">
                                <ActionForm action=run attr:class="inline">
                                    <input type="hidden" name="account" value=id_run/>
                                    <button type="submit" disabled=!a.enabled>"Run all"</button>
                                </ActionForm>
                                <ActionForm action=toggle attr:class="inline">
                                    <input type="hidden" name="account" value=id_toggle/>
                                    <input type="hidden" name="enabled" value=(!a.enabled).to_string()/>
                                    <button type="submit" class="link-button" data-toggle=id_attr>
                                        {if a.enabled { "Disable" } else { "Enable" }}
                                    </button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn TaskCell(t: TaskStatusView, account: String, run: ServerAction<RunSync>) -> impl IntoView {
    let state = if t.running {
        "running"
    } else {
        match t.last_outcome.as_deref() {
            Some("success") => "ok",
            Some("failed") => "failed",
            _ => "never",
        }
    };
    let (task_attr, task_input) = (t.task.clone(), t.task.clone());
    let when = t
        .last_success
        .as_deref()
        .map(|s| s.get(..19).unwrap_or(s).replace('T', " "));
    view! {
        <td class=format!("task-cell {state}") data-task=task_attr data-state=state>
            <div class="task-state">
                <span class="dot"></span>
                {match state {
                    "running" => match (t.progress_read, t.progress_listed) {
                        (Some(read), Some(listed)) => format!("running… {read}/{listed}"),
                        (Some(read), None) if read > 0 => format!("running… {read} read"),
                        _ => "running…".to_owned(),
                    },
                    "never" => "never run".to_owned(),
                    _ => when.clone().map(|w| format!("ok {w}")).unwrap_or_else(|| "no success yet".into()),
                }}
            </div>
            <div class="muted small">
                // While a pass runs, the figures below are the previous pass's.
                {t.last_items.map(|n| {
                    let last = if t.running { "last run: " } else { "" };
                    let s = if n == 1 { "" } else { "s" };
                    format!("{last}{n} item{s}")
                }).unwrap_or_default()}
                {t.last_duration_ms.map(|ms| format!(" · {ms} ms")).unwrap_or_default()}
            </div>
            {t.last_error.clone().filter(|_| state == "failed").map(|e| view! { <div class="error small" title=e.clone()>{e.chars().take(120).collect::<String>()}</div> })}
            {(t.item_errors > 0 && state == "ok").then(|| {
                let why = t.item_error_sample.join("\n");
                let n = t.item_errors;
                view! {
                    <div class="warning small item-errors" title=why>
                        {format!("{n} not read (kept as cached)")}
                    </div>
                }
            })}
            <ActionForm action=run attr:class="inline">
                <input type="hidden" name="task" value=task_input/>
                <input type="hidden" name="account" value=account/>
                <button type="submit" class="link-button" disabled=t.running>"Run now"</button>
            </ActionForm>
        </td>
    }
}
