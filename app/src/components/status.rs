//! Coloured status badge for requests and changes (component-scoped CSS via stylers).
use leptos::prelude::*;
use stylers_macro::style;

#[component]
pub fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let class_name = style! {
        .badge {
            display: inline-block;
            padding: 2px 10px;
            border-radius: 999px;
            font-size: 0.8rem;
            font-weight: 600;
            text-transform: uppercase;
            letter-spacing: 1px;
            background: rgb(232, 236, 243);
            color: rgb(52, 64, 90);
        }
        .badge.pending {
            background: rgb(255, 244, 214);
            color: rgb(138, 90, 0);
        }
        .badge.applied {
            background: rgb(220, 245, 228);
            color: rgb(29, 107, 58);
        }
        .badge.approved {
            background: rgb(224, 236, 255);
            color: rgb(31, 79, 163);
        }
        .badge.rejected {
            background: rgb(253, 226, 225);
            color: rgb(155, 28, 28);
        }
        .badge.failed {
            background: rgb(253, 226, 225);
            color: rgb(155, 28, 28);
        }
        .badge.cancelled {
            background: rgb(236, 239, 243);
            color: rgb(91, 101, 117);
        }
    };
    // Class directives (not a computed class string) so the scoped class that
    // stylers adds survives client-side re-renders.
    let is = |s: &str| status == s;
    view! { class=class_name,
        <span class="badge"
            class:pending=is("pending") class:applied=is("applied") class:approved=is("approved")
            class:rejected=is("rejected") class:failed=is("failed") class:cancelled=is("cancelled")
            data-status=status.clone()>{status.clone()}</span>
    }
}
