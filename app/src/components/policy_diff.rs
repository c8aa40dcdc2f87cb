//! A policy change shown as a line diff against what the target holds now,
//! computed by the domain's diff (the same on the server and in the browser).
//! The component owns its look: its CSS is scoped to it with stylers.
use crate::domain::policy::{diff, DiffKind};
use leptos::prelude::*;
use stylers_macro::style;

/// Unified diff of `old` (may be empty: a new policy) and `new`.
#[component]
pub fn PolicyDiff(#[prop(into)] old: String, #[prop(into)] new: String) -> impl IntoView {
    let class_name = style! {
        .policy-diff {
            background: rgb(15, 21, 37);
            color: rgb(219, 228, 255);
            border-radius: 8px;
            overflow: auto;
            max-height: 480px;
            margin: 4px 0 10px;
        }
        table {
            border-collapse: collapse;
            width: 100%;
            font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
            font-size: 13px;
        }
        td {
            padding: 0 8px;
            white-space: pre;
            vertical-align: top;
        }
        td.no {
            color: rgb(108, 122, 156);
            text-align: right;
            width: 1%;
            user-select: none;
        }
        td.sign {
            width: 1%;
            user-select: none;
        }
        tr.added {
            background: rgba(46, 160, 67, 0.25);
        }
        tr.removed {
            background: rgba(248, 81, 73, 0.25);
        }
    };
    let lines = diff(&old, &new);
    let changed = lines.iter().filter(|l| l.kind != DiffKind::Same).count();
    view! { class=class_name,
        <div class="policy-diff" data-changed-lines=changed>
            <table>
                <tbody>
                    {lines.into_iter().map(|l| {
                        let sign = match l.kind {
                            DiffKind::Same => " ",
                            DiffKind::Added => "+",
                            DiffKind::Removed => "-",
                        };
                        // Class directives, not a computed class string, so the
                        // scoped class stylers adds survives re-renders.
                        view! { class=class_name,
                            <tr class:added=l.kind == DiffKind::Added
                                class:removed=l.kind == DiffKind::Removed
                                class:same=l.kind == DiffKind::Same>
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
