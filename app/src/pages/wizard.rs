//! The self-service request wizard (`/request`): pick a principal, say what it
//! needs on which resources, see the generated least-privilege policy as a
//! diff against what it has (computed in the browser by the same domain code
//! the server checks with), justify, optionally limit in time, submit.
//! Deep links: `?principal=ARN`, `?arn=RESOURCE_ARN`, `?intent=ENCODED`.
use crate::api::requests::{submit_intents, wizard_context, SubmitIntents};
use crate::components::{ErrorBox, FindingsList, PageHead, PolicyDiff, RegionOptions};
use crate::domain::policy::{
    catalogue, generate, merge, with_expiry, ActionGroup, Intent, PolicyDocument, PolicyKind,
    ResourceTarget,
};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Opens a request's page after submitting. A full load: the router's
/// `navigate` cannot be held by a Send action, and an Effect would be spawned
/// during server rendering.
pub fn open_request(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(&format!("/requests/{id}"));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// An action that submits its input with `send` and, once the request
/// exists, opens its page.
pub fn submit_then_open<I, F, R>(send: F) -> Action<I, Result<String, AppError>>
where
    I: Clone + Send + Sync + 'static,
    F: Fn(I) -> R + Send + Sync + 'static,
    R: std::future::Future<Output = Result<String, AppError>> + Send + 'static,
{
    Action::new(move |input: &I| {
        let sent = send(input.clone());
        async move {
            let r = sent.await;
            if let Ok(id) = &r {
                open_request(id);
            }
            r
        }
    })
}

/// The service an ARN belongs to (`s3`, `sqs`, ... ; roles are `iam`).
fn service_of(arn: &str) -> &str {
    arn.split(':').nth(2).unwrap_or_default()
}

/// One resource row of the wizard.
#[derive(Debug, Clone, PartialEq, Default)]
struct Row {
    key: usize,
    arn: String,
    prefix: String,
    groups: Vec<ActionGroup>,
    custom: String,
    /// Narrows the resource suggestions to one region (empty: any).
    region: String,
}

impl Row {
    fn from_intent(key: usize, i: &Intent) -> Row {
        let (arn, prefix) = match &i.resource {
            ResourceTarget::S3Bucket { prefix, .. } => {
                (i.resource.arn(), prefix.clone().unwrap_or_default())
            }
            ResourceTarget::SqsQueue { arn }
            | ResourceTarget::SnsTopic { arn }
            | ResourceTarget::IamRole { arn }
            | ResourceTarget::KmsKey { arn }
            | ResourceTarget::Secret { arn }
            | ResourceTarget::Arn { arn } => (arn.clone(), String::new()),
        };
        Row {
            key,
            arn,
            prefix,
            groups: i.groups.clone(),
            custom: i.custom_actions.join(", "),
            region: String::new(),
        }
    }

    /// The intent this row says, or why it says none yet.
    fn intent(&self) -> Result<Intent, String> {
        let prefix = Some(self.prefix.trim()).filter(|p| !p.is_empty());
        let resource =
            ResourceTarget::from_arn(self.arn.trim(), prefix).map_err(|e| e.to_string())?;
        Ok(Intent {
            resource,
            groups: self.groups.clone(),
            custom_actions: self
                .custom
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// Converts the `datetime-local` value (taken as UTC) to RFC 3339.
fn expiry_rfc3339(local: &str) -> Option<String> {
    let v = local.trim();
    if v.is_empty() {
        return None;
    }
    Some(if v.len() == 16 {
        format!("{v}:00Z")
    } else {
        format!("{v}Z")
    })
}

#[component]
pub fn WizardPage() -> impl IntoView {
    let query = use_query_map();
    let q0 = query.get_untracked();
    let principal = RwSignal::new(q0.get("principal").unwrap_or_default());
    let mut first = Row {
        key: 0,
        arn: q0.get("arn").unwrap_or_default(),
        ..Row::default()
    };
    if let Some(i) = q0.get("intent").and_then(|s| Intent::decode(&s).ok()) {
        first = Row::from_intent(0, &i);
    }
    let rows = RwSignal::new(vec![first]);
    let next_key = StoredValue::new(1usize);
    // A link from a denied call fills the justification in (editable).
    let justification = RwSignal::new(q0.get("justification").unwrap_or_default());
    let expires = RwSignal::new(String::new());
    let context = Resource::new(move || principal.get(), wizard_context);
    let submit = submit_then_open(|i: SubmitIntents| {
        submit_intents(i.principal_arn, i.intents, i.justification, i.expires_at)
    });

    let intents = Memo::new(move |_| {
        rows.get()
            .iter()
            .filter(|r| !r.arn.trim().is_empty())
            .map(Row::intent)
            .collect::<Result<Vec<_>, _>>()
    });

    let add_row = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|r| {
            r.push(Row {
                key,
                ..Row::default()
            })
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(list) = intents.get_untracked() else {
            return;
        };
        submit.dispatch(SubmitIntents {
            principal_arn: principal.get_untracked(),
            intents: list,
            justification: justification.get_untracked(),
            expires_at: expiry_rfc3339(&expires.get_untracked()),
        });
    };

    view! {
        <PageHead title="Request access"
            intro="Say what you need; Latchkey writes the least-privilege policy and sends it for review."/>
        <form class="wizard" id="wizard" on:submit=on_submit>
            <section class="card">
                <h2>"1. Who needs the access"</h2>
                <label>"Role"
                    <input name="principal_arn" list="principal-options" placeholder="arn:aws:iam::123456789012:role/my-role"
                        prop:value=move || principal.get()
                        on:change=move |ev| principal.set(event_target_value(&ev).trim().to_owned())/>
                </label>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let ctx = context.await;
                        match ctx {
                            Ok(c) => view! {
                                <datalist id="principal-options">
                                    {c.principals.into_iter().map(|(arn, label)| view! { <option value=arn>{label}</option> }).collect_view()}
                                </datalist>
                                {c.error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
                            }.into_any(),
                            Err(e) => view! { <ErrorBox err=e/> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <section class="card">
                <h2>"2. What it needs"</h2>
                <For each=move || rows.get() key=|r| r.key let:row>
                    <IntentRow key=row.key rows/>
                </For>
                <button type="button" on:click=add_row data-action="add-resource">"Add another resource"</button>
                <RegionOptions id="region-options"/>
            </section>
            <section class="card">
                <h2>"3. The policy"</h2>
                <Suspense fallback=|| view! { <p class="muted">"Loading the current policy…"</p> }>
                    {move || Suspend::new(async move {
                        let current = context.await.ok().and_then(|c| c.current_policy);
                        view! { <Preview intents current expires/> }
                    })}
                </Suspense>
            </section>
            <section class="card">
                <h2>"4. Why, and for how long"</h2>
                <label>"Justification"
                    <textarea name="justification" rows="3" required placeholder="What you will do with this access"
                        prop:value=move || justification.get()
                        on:input=move |ev| justification.set(event_target_value(&ev))>{justification.get_untracked()}</textarea>
                </label>
                <label>"Ends (UTC, optional)"
                    <input type="datetime-local" name="expires_at" on:input=move |ev| expires.set(event_target_value(&ev))/>
                </label>
                {move || submit.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
                <button type="submit" class="primary" data-action="submit-wizard"
                    disabled=move || submit.pending().get() || intents.get().map(|l| l.is_empty()).unwrap_or(true)>
                    "Submit request"
                </button>
            </section>
        </form>
    }
}

#[component]
fn IntentRow(key: usize, rows: RwSignal<Vec<Row>>) -> impl IntoView {
    let get = move || rows.with(|r| r.iter().find(|x| x.key == key).cloned().unwrap_or_default());
    let edit = move |f: &dyn Fn(&mut Row)| {
        rows.update(|r| {
            if let Some(x) = r.iter_mut().find(|x| x.key == key) {
                f(x)
            }
        })
    };
    let suggestions = Resource::new(
        move || (get().arn, get().region),
        |(q, region)| async move {
            // A whole bucket ARN needs no suggestions.
            let bucket = q.split_once(":s3:::").is_some_and(|(_, b)| !b.is_empty());
            if q.len() < 2 || bucket && !q.ends_with('*') {
                return Vec::new();
            }
            crate::api::inventory::typeahead(q, String::new(), region)
                .await
                .unwrap_or_default()
        },
    );
    let completions = Memo::new(move |_| {
        let custom = get().custom;
        let last = custom
            .rsplit([',', ' '])
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if last.len() < 3 {
            Vec::new()
        } else {
            catalogue::complete(&last, 12)
        }
    });
    let list_id = format!("resource-options-{key}");
    let actions_id = format!("action-options-{key}");
    view! {
        <div class="intent-row" data-row=key>
            <label>"Resource"
                <input class="resource-arn" list=list_id.clone() placeholder="arn:aws:s3:::bucket, a queue, topic, role, key or secret ARN"
                    prop:value=move || get().arn
                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|r| { r.arn = v.trim().to_owned(); r.groups.clear(); }) }/>
            </label>
            <label class="region">"Region"
                <input class="resource-region" list="region-options" placeholder="Any region"
                    prop:value=move || get().region
                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|r| r.region = v.trim().to_owned()) }/>
            </label>
            <datalist id=list_id>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        suggestions.await.into_iter().map(|s| {
                            let place = if s.region.is_empty() { s.account_name.clone() } else { format!("{} · {}", s.account_name, s.region) };
                            view! { <option value=s.arn.clone()>{format!("{} · {place}", s.label())}</option> }
                        }).collect_view()
                    })}
                </Suspense>
            </datalist>
            {move || (service_of(&get().arn) == "s3").then(|| view! {
                <label>"Only keys under (optional)"
                    <input class="s3-prefix" placeholder="reports/2026/" prop:value=move || get().prefix
                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|r| r.prefix = v.trim().to_owned()) }/>
                </label>
            })}
            <div class="groups">
                {move || {
                    let arn = get().arn;
                    let svc = service_of(&arn).to_owned();
                    ActionGroup::for_service(&svc).into_iter().map(|g| {
                        let checked = get().groups.contains(&g);
                        view! {
                            <label class="check">
                                <input type="checkbox" data-group=format!("{g:?}") prop:checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        edit(&|r| { r.groups.retain(|x| *x != g); if on { r.groups.push(g); r.groups.sort(); } })
                                    }/>
                                {g.label()}
                            </label>
                        }
                    }).collect_view()
                }}
            </div>
            <label>"Other actions (optional)"
                <input class="custom-actions" list=actions_id.clone() placeholder="e.g. s3:GetObjectTagging"
                    prop:value=move || get().custom
                    on:input=move |ev| { let v = event_target_value(&ev); edit(&|r| r.custom = v.clone()) }/>
            </label>
            <datalist id=actions_id>
                {move || completions.get().into_iter().map(|a| view! { <option value=a/> }).collect_view()}
            </datalist>
            {move || match get().intent() {
                Err(e) if !get().arn.trim().is_empty() => Some(view! { <p class="error" role="alert">{e}</p> }),
                _ => None,
            }}
        </div>
    }
}

#[component]
fn Preview(
    intents: Memo<Result<Vec<Intent>, String>>,
    current: Option<String>,
    expires: RwSignal<String>,
) -> impl IntoView {
    let current_doc = current
        .as_deref()
        .and_then(|t| PolicyDocument::parse(t, PolicyKind::Inline).ok())
        .map(|c| c.doc);
    let old_text = current_doc
        .as_ref()
        .map(|d| d.to_pretty())
        .unwrap_or_default();
    move || {
        let list = match intents.get() {
            Ok(l) if l.is_empty() => {
                return view! { <p class="muted">"Pick a resource and what to do with it."</p> }
                    .into_any()
            }
            Ok(l) => l,
            Err(e) => return view! { <p class="muted">{e}</p> }.into_any(),
        };
        let mut statements = match generate(&list) {
            Ok(s) => s,
            Err(e) => {
                return view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()
            }
        };
        let expiry =
            expiry_rfc3339(&expires.get()).and_then(|t| crate::domain::policy::parse_time(&t));
        if let Some(at) = expiry {
            statements = with_expiry(&statements, at);
        }
        let merged = merge(current_doc.as_ref(), &statements);
        let new_text = merged.to_pretty();
        let findings = crate::domain::policy::check_policy(&new_text, PolicyKind::Inline);
        view! {
            <div class="preview" data-testid="policy-preview">
                <p class="muted">"Inline policy “latchkey-access” on the role, merged with what it already has:"</p>
                <PolicyDiff old=old_text.clone() new=new_text/>
                {(!findings.is_empty()).then(|| view! { <FindingsList findings/> })}
                <p class="muted">"Buckets, queues, topics or roles in other accounts get the matching resource-policy change in the same request."</p>
            </div>
        }.into_any()
    }
}
