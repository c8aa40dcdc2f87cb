//! The advanced editor (`/request/advanced?target=ARN`): any change kind on
//! any role, user, bucket, queue, topic or managed policy, with a JSON policy
//! editor (highlighted, formatted, findings with line and column from the
//! same checks the server runs). Approvers of the target's account may apply
//! it at once as a direct edit, recorded as a self-approved request.
use crate::api::inventory::get_resource;
use crate::api::requests::{submit_request, ChangeInput, CloneRole, SubmitRequest};
use crate::components::{ErrorBox, FindingsList, PageHead, PolicyDiff, RequiredField};
use crate::domain::change::{ChangeSpec, Tag, TargetKind};
use crate::domain::policy::{check_policy, pretty, PolicyKind};
use crate::pages::wizard::submit_then_open;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The change kinds that fit a target, as (value, label).
fn kinds_for(t: Option<TargetKind>) -> Vec<(&'static str, &'static str)> {
    match t {
        Some(TargetKind::Role) | Some(TargetKind::User) => {
            let mut v = vec![
                ("inline_policy_put", "Put an inline policy"),
                ("inline_policy_delete", "Delete an inline policy"),
                ("managed_policy_attach", "Attach a managed policy"),
                ("managed_policy_detach", "Detach a managed policy"),
                ("boundary_put", "Set the permissions boundary"),
                ("boundary_delete", "Remove the permissions boundary"),
                ("tags_put", "Set tags"),
                ("tags_remove", "Remove tags"),
            ];
            if t == Some(TargetKind::Role) {
                v.insert(4, ("trust_policy_put", "Replace the trust policy"));
                v.push(("role_create", "Create this role (trust policy below)"));
                v.push(("role_delete", "Delete the role"));
            }
            v
        }
        Some(TargetKind::S3Bucket | TargetKind::SqsQueue | TargetKind::SnsTopic) => {
            vec![("resource_policy_put", "Replace the resource policy")]
        }
        Some(TargetKind::ManagedPolicy) => {
            vec![("managed_policy_document_put", "New policy version")]
        }
        None => Vec::new(),
    }
}

/// The checks a document of `kind` on `target` gets (mirrors the server).
fn policy_kind(kind: &str, target: Option<TargetKind>) -> Option<PolicyKind> {
    Some(match (kind, target) {
        ("inline_policy_put", _) => PolicyKind::Inline,
        ("managed_policy_document_put", _) => PolicyKind::Managed,
        ("trust_policy_put" | "role_create", _) => PolicyKind::Trust,
        ("resource_policy_put", Some(TargetKind::S3Bucket)) => PolicyKind::S3Bucket,
        ("resource_policy_put", Some(TargetKind::SqsQueue)) => PolicyKind::SqsQueue,
        ("resource_policy_put", _) => PolicyKind::SnsTopic,
        _ => return None,
    })
}

/// JSON split into (css class, text) tokens for highlighting.
fn highlight(text: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            let s: String = chars[start..i].iter().collect();
            let rest = chars[i..].iter().find(|c| !c.is_whitespace());
            out.push((if rest == Some(&':') { "j-key" } else { "j-str" }, s));
        } else if c.is_ascii_digit() || c == '-' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || ".-+".contains(chars[i]))
            {
                i += 1;
            }
            out.push(("j-num", chars[start..i].iter().collect()));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(("j-lit", chars[start..i].iter().collect()));
        } else {
            out.push(("j-punct", c.to_string()));
            i += 1;
        }
    }
    out
}

fn build_spec(kind: &str, name: &str, doc: &str, tags: &str) -> Result<ChangeSpec, String> {
    let document = || -> Result<serde_json::Value, String> {
        serde_json::from_str(doc).map_err(|e| format!("document: not valid JSON: {e}"))
    };
    let name = name.trim().to_owned();
    Ok(match kind {
        "inline_policy_put" => ChangeSpec::InlinePolicyPut {
            policy_name: name,
            document: document()?,
        },
        "inline_policy_delete" => ChangeSpec::InlinePolicyDelete { policy_name: name },
        "managed_policy_attach" => ChangeSpec::ManagedPolicyAttach { policy_arn: name },
        "managed_policy_detach" => ChangeSpec::ManagedPolicyDetach { policy_arn: name },
        "boundary_put" => ChangeSpec::BoundaryPut { policy_arn: name },
        "boundary_delete" => ChangeSpec::BoundaryDelete,
        "role_delete" => ChangeSpec::RoleDelete,
        "role_create" => ChangeSpec::RoleCreate {
            trust_policy: document()?,
            description: None,
            inline_policies: Vec::new(),
            managed_policy_arns: Vec::new(),
            tags: Vec::new(),
        },
        "trust_policy_put" => ChangeSpec::TrustPolicyPut {
            document: document()?,
        },
        "resource_policy_put" => ChangeSpec::ResourcePolicyPut {
            document: document()?,
        },
        "managed_policy_document_put" => ChangeSpec::ManagedPolicyDocumentPut {
            document: document()?,
        },
        "tags_put" => ChangeSpec::TagsPut {
            tags: tags
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let (k, v) = l.split_once('=').unwrap_or((l, ""));
                    Tag {
                        key: k.trim().to_owned(),
                        value: v.trim().to_owned(),
                    }
                })
                .collect(),
        },
        "tags_remove" => ChangeSpec::TagsRemove {
            keys: tags
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        other => return Err(format!("pick what to change ({other})")),
    })
}

#[component]
pub fn EditorPage() -> impl IntoView {
    let query = use_query_map();
    let q0 = query.get_untracked();
    let target = RwSignal::new(q0.get("target").unwrap_or_default());
    let target_kind = Memo::new(move |_| TargetKind::of(target.get().trim()).ok());
    let chosen_kind = RwSignal::new(q0.get("kind").unwrap_or_default());
    // The chosen change kind, or the first that fits the target.
    let kind = Memo::new(move |_| {
        let fits = kinds_for(target_kind.get());
        let k = chosen_kind.get();
        if fits.iter().any(|(x, _)| *x == k) {
            k
        } else {
            fits.first().map(|(x, _)| x.to_string()).unwrap_or_default()
        }
    });
    let name = RwSignal::new(q0.get("name").unwrap_or_default());
    let doc = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let justification = RwSignal::new(String::new());
    let direct = RwSignal::new(false);
    let current = Resource::new(
        move || target.get(),
        |arn| async move {
            if arn.trim().is_empty() {
                return None;
            }
            get_resource(arn.trim().to_owned()).await.ok()
        },
    );
    let findings = Memo::new(move |_| {
        let Some(pk) = policy_kind(&kind.get(), target_kind.get()) else {
            return Vec::new();
        };
        let text = doc.get();
        if text.trim().is_empty() {
            return Vec::new();
        }
        check_policy(&text, pk)
    });
    let submit = submit_then_open(|i: SubmitRequest| {
        submit_request(i.principal_arn, i.justification, i.changes, i.direct)
    });
    let local_error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match build_spec(
            &kind.get_untracked(),
            &name.get_untracked(),
            &doc.get_untracked(),
            &tags.get_untracked(),
        ) {
            Ok(spec) => {
                local_error.set(None);
                let arn = target.get_untracked().trim().to_owned();
                submit.dispatch(SubmitRequest {
                    principal_arn: arn.clone(),
                    justification: justification.get_untracked(),
                    changes: vec![ChangeInput {
                        target_arn: arn,
                        spec,
                        expires_at: None,
                    }],
                    direct: direct.get_untracked(),
                });
            }
            Err(e) => local_error.set(Some(e)),
        }
    };
    let uses_doc = move || policy_kind(&kind.get(), target_kind.get()).is_some();
    let uses_name = move || {
        matches!(
            kind.get().as_str(),
            "inline_policy_put"
                | "inline_policy_delete"
                | "managed_policy_attach"
                | "managed_policy_detach"
                | "boundary_put"
        )
    };
    let uses_tags = move || matches!(kind.get().as_str(), "tags_put" | "tags_remove");
    // Start from what the target holds now.
    let load_current = move |_| {
        if let Some(Some(r)) = current.get_untracked() {
            if let Some(p) = r.policy {
                doc.set(p);
            }
        }
    };
    let format = move |_| {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&doc.get_untracked()) {
            doc.set(pretty(&v));
        }
    };

    view! {
        <PageHead title="Advanced editor"
            intro="Any change to a role, user, bucket, queue, topic or managed policy, checked as you type."/>
        <form class="wizard editor" id="editor" on:submit=on_submit>
            <section class="card">
                <label>"Target ARN"
                    <input name="target" placeholder="arn:aws:iam::123456789012:role/app" prop:value=move || target.get()
                        on:change=move |ev| target.set(event_target_value(&ev).trim().to_owned())/>
                </label>
                <label>"Change"
                    <select name="kind" on:change=move |ev| chosen_kind.set(event_target_value(&ev))>
                        {move || kinds_for(target_kind.get()).into_iter().map(|(k, label)| {
                            let selected = kind.get() == k;
                            view! { <option value=k selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {move || uses_name().then(|| view! {
                    <label>{move || if kind.get().starts_with("inline") { "Policy name" } else { "Managed policy ARN" }}
                        <input name="name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    </label>
                })}
                {move || uses_tags().then(|| view! {
                    <label>{move || if kind.get() == "tags_put" { "Tags, one key=value per line" } else { "Tag keys, one per line" }}
                        <textarea name="tags" rows="4" prop:value=move || tags.get() on:input=move |ev| tags.set(event_target_value(&ev))></textarea>
                    </label>
                })}
            </section>
            {move || uses_doc().then(|| view! {
                <section class="card">
                    <div class="editor-head">
                        <h2>"Policy document"</h2>
                        <span>
                            <button type="button" on:click=load_current data-action="load-current">"Start from the current policy"</button>
                            " "
                            <button type="button" on:click=format data-action="format">"Format"</button>
                        </span>
                    </div>
                    <textarea name="document" class="json-input" rows="16" spellcheck="false"
                        prop:value=move || doc.get() on:input=move |ev| doc.set(event_target_value(&ev))></textarea>
                    <pre class="json-view" aria-hidden="true"><code>
                        {move || highlight(&doc.get()).into_iter().map(|(cls, t)| view! { <span class=cls>{t}</span> }).collect_view()}
                    </code></pre>
                    <div class="findings" data-testid="editor-findings">
                        {move || {
                            let f = findings.get();
                            if f.is_empty() {
                                (!doc.get().trim().is_empty()).then(|| view! { <p class="ok">"No findings."</p> }.into_any())
                            } else {
                                Some(view! { <FindingsList findings=f/> }.into_any())
                            }
                        }}
                    </div>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            current.await.and_then(|r| r.policy).map(|old| view! {
                                <details class="diff-against-current">
                                    <summary>"Diff against the current policy"</summary>
                                    {move || view! { <PolicyDiff old=old.clone() new=doc.get()/> }}
                                </details>
                            })
                        })}
                    </Suspense>
                </section>
            })}
            <section class="card">
                <label>"Justification"
                    <textarea name="justification" rows="3" required on:input=move |ev| justification.set(event_target_value(&ev))></textarea>
                </label>
                <label class="check">
                    <input type="checkbox" name="direct" on:change=move |ev| direct.set(event_target_checked(&ev))/>
                    "Apply now as a direct edit (administrators, where self-approval is allowed; recorded as self-approved)"
                </label>
                {move || local_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {move || submit.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
                <button type="submit" class="primary" data-action="submit-editor" disabled=move || submit.pending().get()>
                    {move || if direct.get() { "Apply now" } else { "Submit request" }}
                </button>
            </section>
        </form>
        {move || (target_kind.get() == Some(TargetKind::Role)).then(|| view! { <CloneForm source=target.get()/> })}
    }
}

/// Copies the role into another name or account (a `role_create` change).
#[component]
fn CloneForm(source: String) -> impl IntoView {
    let clone = ServerAction::<CloneRole>::new();
    view! {
        <section class="card">
            <h2>"Clone this role"</h2>
            <p class="muted">"Trust policy, description, inline and managed policies and tags are copied; customer managed policies are attached from the target account."</p>
            <ActionForm action=clone attr:class="stack" attr:id="clone-form">
                <input type="hidden" name="source_arn" value=source/>
                <RequiredField label="New role ARN" name="new_arn" placeholder="arn:aws:iam::222222222222:role/app-copy"/>
                <RequiredField label="Justification" name="justification"/>
                <label class="check"><input type="checkbox" name="direct" value="true"/>"Create now as a direct edit (administrators, where self-approval is allowed)"</label>
                {move || clone.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox err=e/> })}
                <button type="submit" data-action="clone" disabled=move || clone.pending().get()>"Clone"</button>
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests;
