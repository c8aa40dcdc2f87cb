//! A policy change shown as a line diff against what the target holds now,
//! computed by the domain's diff (the same on the server and in the browser).
use crate::domain::policy::{diff, DiffKind};
use leptos::prelude::*;

/// Unified diff of `old` (may be empty: a new policy) and `new`.
#[component]
pub fn PolicyDiff(#[prop(into)] old: String, #[prop(into)] new: String) -> impl IntoView {
    let lines = diff(&old, &new);
    let changed = lines.iter().filter(|l| l.kind != DiffKind::Same).count();
    view! {
        <div class="policy-diff" data-changed-lines=changed>
            <table>
                <tbody>
                    {lines.into_iter().map(|l| {
                        let (cls, sign) = match l.kind {
                            DiffKind::Same => ("same", " "),
                            DiffKind::Added => ("added", "+"),
                            DiffKind::Removed => ("removed", "-"),
                        };
                        view! {
                            <tr class=cls>
                                <td class="no">{l.old_no.map(|n| n.to_string())}</td>
                                <td class="no">{l.new_no.map(|n| n.to_string())}</td>
                                <td class="sign">{sign}</td>
                                <td class="text">{l.text}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
