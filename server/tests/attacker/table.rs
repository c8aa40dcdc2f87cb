//! The table of cells: who does what to which target, and what each must answer.
use super::*;

const ALL: &[Who] = &[Engineer, ApproverA, ApproverB, Admin];

fn t(who: &'static [Who], act: Act, target: Target, expect: Expect) -> Row {
    Row {
        who,
        cell: Cell::Target(act, target),
        expect,
    }
}

fn r(who: &'static [Who], review: Review, req: Req, expect: Expect) -> Row {
    Row {
        who,
        cell: Cell::Review(review, req),
        expect,
    }
}

/// The table. Order matters only where a cell changes state: the cells
/// that succeed in changing something come after the refusals they could mask.
pub(super) fn table() -> Vec<Row> {
    let s = Status;
    vec![
        // Anonymous callers get 401 for everything.
        t(&[Anonymous], Ask, OwnRole, s(401)),
        t(&[Anonymous], AskVia, BucketB, s(401)),
        t(&[Anonymous], Direct, OwnRole, s(401)),
        t(&[Anonymous], Creds, Spoke, s(401)),
        r(&[Anonymous], Review::View, Req::Both, s(401)),
        r(&[Anonymous], Review::Reject, Req::OnlyB, s(401)),
        // Latchkey's own roles: nobody uses, asks for, edits or clones them.
        t(ALL, Ask, Spoke, s(403)),
        t(ALL, AskVia, Spoke, s(403)),
        t(ALL, Ask, ListedRole, s(403)),
        t(ALL, AskVia, ListedRole, s(403)),
        t(ALL, DirectSelfApproval, Spoke, s(403)),
        t(&[Admin], Clone, Spoke, s(403)),
        t(ALL, Creds, Spoke, s(403)),
        t(ALL, Creds, ListedRole, s(403)),
        t(ALL, Console, Spoke, s(403)),
        t(ALL, InRoles, Spoke, Listed(false)),
        t(ALL, InRoles, ListedRole, Listed(false)),
        t(ALL, InWizard, Spoke, Listed(false)),
        // Another role in the same account: only its approvers may ask.
        t(&[Engineer, ApproverB], Ask, OtherRoleA, s(403)),
        t(&[Engineer, ApproverB], AskVia, OtherRoleA, s(403)),
        t(&[ApproverA, Admin], AskVia, OtherRoleA, s(200)),
        // A role in another account, reached through an eligible principal.
        t(&[Engineer, ApproverA], AskVia, OtherRoleB, s(403)),
        t(&[ApproverB, Admin], AskVia, OtherRoleB, s(200)),
        // Users and managed policies: approvers of their account only.
        t(&[Engineer, ApproverB], AskVia, UserA, s(403)),
        t(&[Engineer, ApproverB], AskVia, PolicyA, s(403)),
        t(&[ApproverA, Admin], AskVia, UserA, s(200)),
        // Disabled and unknown accounts: refused for everyone, admins too.
        t(ALL, Ask, DisabledRole, s(403)),
        t(ALL, AskVia, DisabledRole, s(403)),
        t(ALL, Creds, DisabledRole, s(403)),
        t(ALL, Refresh, DisabledRole, s(403)),
        t(ALL, Refresh, UnknownRole, s(403)),
        t(ALL, Ask, UnknownRole, s(400)),
        t(ALL, AskVia, UnknownRole, s(400)),
        // What everyone may ask: their own role, a bucket anywhere.
        t(ALL, Ask, OwnRole, s(200)),
        t(ALL, AskVia, BucketB, s(200)),
        t(
            &[Engineer, ApproverA, ApproverB],
            InRoles,
            OwnRole,
            Listed(true),
        ),
        t(&[Admin], InRoles, OwnRole, Listed(false)),
        // Direct edits: administrators, and only where self-approval is on.
        t(ALL, Direct, OwnRole, s(403)),
        t(
            &[Engineer, ApproverA, ApproverB],
            DirectSelfApproval,
            OtherRoleA,
            s(403),
        ),
        t(&[Admin], DirectSelfApproval, OtherRoleA, s(200)),
        // Review follows the accounts the changes are applied in.
        r(
            &[Engineer, ApproverA, ApproverB, Admin],
            Review::View,
            Req::Both,
            s(200),
        ),
        r(&[Peer], Review::View, Req::Both, s(404)),
        r(
            &[Engineer, ApproverB, Admin],
            Review::View,
            Req::OnlyB,
            s(200),
        ),
        r(&[Peer, ApproverA], Review::View, Req::OnlyB, s(404)),
        r(&[Peer, ApproverA], Review::Comment, Req::OnlyB, s(404)),
        r(&[ApproverB], Review::Comment, Req::OnlyB, s(200)),
        r(&[ApproverA], Review::ApplyB, Req::Both, s(403)),
        r(&[ApproverB], Review::ApplyA, Req::Both, s(403)),
        // Rejecting ends every change: an approver of every account it touches.
        r(
            &[Engineer, ApproverA, ApproverB],
            Review::Reject,
            Req::Both,
            s(403),
        ),
        r(&[Peer, ApproverA], Review::Reject, Req::OnlyB, s(404)),
        r(&[Engineer], Review::Reject, Req::OnlyB, s(403)),
        r(&[ApproverB], Review::Reject, Req::OnlyB, s(200)),
        r(&[Admin], Review::Reject, Req::Both, s(200)),
        // Nobody gets credentials for a role nobody is eligible for.
        t(ALL, Creds, OtherRoleB, s(403)),
    ]
}
