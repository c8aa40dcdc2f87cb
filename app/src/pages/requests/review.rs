//! The review page: requester, principal, justification, each change beside
//! what its target holds now, per-change apply / edit-then-apply / cancel,
//! reject or withdraw, comments and the full history. Every form is a plain
//! POST before wasm loads; the server decides who may do what.
use crate::api::requests::{
    get_request, ApplyChange, ApproveRequest, CancelChange, CancelRequest, CommentRequest,
    RejectRequest,
};
use crate::components::{ErrorBox, Loaded, PolicyBlock, PolicyDiff, StatusBadge};
use crate::error::AppError;
use crate::views::{ChangeView, RequestDetailView};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let approve = ServerAction::<ApproveRequest>::new();
    let review = Review::new();
    let request = Resource::new(
        move || {
            (
                params.get().get("id").unwrap_or_default(),
                approve.version().get(),
                review.version(),
            )
        },
        |(id, _, _)| get_request(id),
    );
    let action_error = move || {
        approve
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| review.error())
    };
    view! {
           <Loaded data=request loading="Loading request…" let:r>
    <RequestDetail r approve review/>
           </Loaded>
           {move || action_error().map(|e| view! { <div id="review-error"><ErrorBox err=e/></div> })}
       }
}

/// The review steps, one typed server function each.
#[derive(Clone, Copy)]
struct Review {
    apply: ServerAction<ApplyChange>,
    cancel_change: ServerAction<CancelChange>,
    reject: ServerAction<RejectRequest>,
    cancel: ServerAction<CancelRequest>,
    comment: ServerAction<CommentRequest>,
    /// What the step that finished last said, when it failed.
    failed: RwSignal<Option<AppError>>,
}

impl Review {
    fn new() -> Self {
        let r = Self {
            apply: ServerAction::new(),
            cancel_change: ServerAction::new(),
            reject: ServerAction::new(),
            cancel: ServerAction::new(),
            comment: ServerAction::new(),
            failed: RwSignal::new(None),
        };
        // In the browser only: a server render has no steps to remember (a
        // form posted without wasm lands back on the page afresh), and an
        // effect there would be spawned outside any local task set. Keyed
        // on `ssr`: a workspace build unifies features.
        #[cfg(not(feature = "ssr"))]
        for value in [
            r.apply.value(),
            r.cancel_change.value(),
            r.reject.value(),
            r.cancel.value(),
            r.comment.value(),
        ] {
            Effect::new(move |_| {
                if let Some(outcome) = value.get() {
                    r.failed.set(outcome.err());
                }
            });
        }
        r
    }

    /// Changes whenever a step finishes, so the request is read again.
    fn version(self) -> usize {
        self.apply.version().get()
            + self.cancel_change.version().get()
            + self.reject.version().get()
            + self.cancel.version().get()
            + self.comment.version().get()
    }

    fn pending(self) -> bool {
        self.apply.pending().get()
            || self.cancel_change.pending().get()
            || self.reject.pending().get()
            || self.cancel.pending().get()
            || self.comment.pending().get()
    }

    fn error(self) -> Option<AppError> {
        self.failed.get()
    }
}

/// A review form's submit button, held while any review step is under way.
#[component]
fn StepButton(
    review: Review,
    /// `data-action`, by which tests and scripts find the button.
    action: &'static str,
    label: &'static str,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    view! {
        <button type="submit" class=class data-action=action disabled=move || review.pending()>
            {label}
        </button>
    }
}

#[component]
fn RequestDetail(
    r: RequestDetailView,
    approve: ServerAction<ApproveRequest>,
    review: Review,
) -> impl IntoView {
    let any_applicable = r.changes.iter().any(|c| c.can_apply);
    let id = r.id.clone();
    let (id_all, id_reject, id_cancel, id_comment) =
        (id.clone(), id.clone(), id.clone(), id.clone());
    let title = if r.origin == "direct_edit" {
        "Direct edit of "
    } else {
        "Request for "
    };
    view! {
        <div class="page-head">
            <div>
                <h1>{title} {r.role_name.clone()}</h1>
                <code class="arn">{r.role_arn.clone()}</code>
            </div>
            <StatusBadge status=r.status.clone()/>
        </div>
        <div class="grid">
            <section class="card wide">
                <dl class="facts">
                    <dt>"Requester"</dt><dd data-testid="requester">{r.requester.clone()}</dd>
                    <dt>"Account"</dt><dd>{r.account_id.clone()}</dd>
                    <dt>"Created"</dt><dd>{r.created.clone()}</dd>
                    <dt>"Justification"</dt><dd class="justification">{r.justification.clone()}</dd>
                </dl>
                {r.changes.into_iter().enumerate().map(|(i, c)| view! {
                    <ChangeCard c n=i + 1 request_id=id.clone() requester_may_cancel=r.can_cancel review/>
                }).collect_view()}
                <div class="decide">
                    {any_applicable.then(move || view! {
                        <ActionForm action=approve attr:class="inline">
                            <input type="hidden" name="id" value=id_all/>
                            <button type="submit" class="primary" data-action="approve"
                                disabled=move || approve.pending().get()>"Approve and apply all"</button>
                        </ActionForm>
                    })}
                    {r.can_decide.then(move || view! {
                        <ActionForm action=review.reject attr:class="inline reject">
                            <input type="hidden" name="id" value=id_reject/>
                            <input name="reason" placeholder="Reason for rejecting" aria-label="Reason for rejecting" required/>
                            <StepButton review class="danger" action="reject" label="Reject"/>
                        </ActionForm>
                    })}
                    {r.can_cancel.then(move || view! {
                        <ActionForm action=review.cancel attr:class="inline">
                            <input type="hidden" name="id" value=id_cancel/>
                            <StepButton review action="withdraw" label="Withdraw request"/>
                        </ActionForm>
                    })}
                </div>
            </section>
            <section class="card">
                <h2>"Comments and history"</h2>
                <ol class="events">
                    {r.events.into_iter().map(|e| {
                        let comment = e.kind == "comment";
                        view! {
                            <li class:comment=comment data-event=e.kind.clone()>
                                <span class="muted">{e.at}</span> " " <strong>{e.actor}</strong> " "
                                {(!comment).then(|| e.kind.replace('.', " "))} " "
                                <span class="detail">{e.detail}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <ActionForm action=review.comment attr:class="comment-form">
                    <input type="hidden" name="id" value=id_comment/>
                    <textarea name="text" rows="3" placeholder="Add a comment" aria-label="Comment" required></textarea>
                    <StepButton review action="comment" label="Comment"/>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
fn ChangeCard(
    c: ChangeView,
    n: usize,
    request_id: String,
    requester_may_cancel: bool,
    review: Review,
) -> impl IntoView {
    let (rid_apply, rid_cancel) = (request_id.clone(), request_id);
    let (cid_apply, cid_cancel) = (c.id.clone(), c.id.clone());
    let editable = c.document.clone();
    let approvals = (!c.approvals.is_empty()).then(|| {
        format!(
            "Approved by {} ({} of {})",
            c.approvals.join(", "),
            c.approvals.len(),
            c.approvals_needed
        )
    });
    let can_apply = c.can_apply;
    let open = c.status == "pending" || c.status == "failed";
    let apply_label = if c.status == "failed" {
        "Retry"
    } else {
        "Approve and apply"
    };
    let can_cancel = open && (can_apply || requester_may_cancel);
    view! {
        <div class="change" data-change-status=c.status.clone() data-change-kind=c.kind.clone()>
            <h2>
                {format!("{n}. {}", capitalise(&c.summary))} " "
                <StatusBadge status=c.status.clone()/>
                {c.generated.then(|| view! { <span class="badge" title="Generated by Latchkey for the other side of a cross-account grant">"generated"</span> })}
            </h2>
            <p class="muted">"On " <code class="arn">{c.target_arn.clone()}</code></p>
            {c.expires_at.clone().map(|t| view! { <p class="notice">{format!("Temporary: ends {t}")}
                {c.expired_at.clone().map(|x| format!(" (removed {x})"))}</p> })}
            {c.auto_rule.clone().map(|r| view! { <p class="notice">{format!("Auto-approved by rule “{r}”")}</p> })}
            {approvals.map(|a| view! { <p class="muted">{a}</p> })}
            {(!c.findings.is_empty()).then(|| {
                let high = c.findings.iter().any(|f| f.is_high_risk());
                view! {
                    <div class="risk" data-testid="change-findings" data-high-risk=high.to_string()>
                        <p><strong>{if high { "High risk: weigh these before approving" } else { "Findings" }}</strong></p>
                        <ul class="findings-list">
                            {c.findings.iter().map(|f| {
                                let class = if f.is_error() { "error" } else { "warn" };
                                let label = if f.is_error() { "error" } else if f.is_high_risk() { "high risk" } else { "warning" };
                                view! {
                                    <li class=class data-code=f.code.clone()>
                                        <strong>{format!("{label}: ")}</strong>{f.to_string()}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
            {match (c.current_document.clone(), c.document.clone()) {
                (Some(old), Some(new)) => view! { <PolicyDiff old new/> }.into_any(),
                (None, Some(new)) => view! { <p class="muted">"New document:"</p><PolicyBlock json=new/> }.into_any(),
                _ => ().into_any(),
            }}
            {c.error.clone().map(|e| view! { <div class="error" role="alert">{format!("AWS error: {e}")}</div> })}
            {c.applied_at.clone().map(|t| view! { <p class="muted">{format!("Applied {t}")}</p> })}
            <div class="change-actions">
                {can_apply.then(move || view! {
                    <ActionForm action=review.apply attr:class="apply-form">
                        <input type="hidden" name="id" value=rid_apply/>
                        <input type="hidden" name="change_id" value=cid_apply/>
                        {editable.map(|doc| view! {
                            <details class="edit">
                                <summary>"Edit before applying"</summary>
                                <textarea name="document" rows="14" spellcheck="false" aria-label="Edited document">{doc}</textarea>
                            </details>
                        })}
                        <StepButton review class="primary" action="apply" label=apply_label/>
                    </ActionForm>
                })}
                {can_cancel.then(move || view! {
                    <ActionForm action=review.cancel_change attr:class="inline">
                        <input type="hidden" name="id" value=rid_cancel/>
                        <input type="hidden" name="change_id" value=cid_cancel/>
                        <StepButton review action="cancel-change" label="Cancel change"/>
                    </ActionForm>
                })}
            </div>
        </div>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
