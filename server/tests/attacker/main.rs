//! The attacker's suite (issue #12): what a signed-in engineer, an approver
//! of one account, an administrator or an anonymous caller gets when they
//! call the server directly, on every kind of *target* (their own role,
//! another role in the same account, a role in another account, Latchkey's
//! protected roles, a disabled or unknown account). One table says what each
//! cell must answer; the test runs all of it on real Postgres and moto, lists
//! every cell that differs, and then checks that nothing a refused cell asked
//! for reached Postgres or AWS.
#![allow(clippy::unwrap_used)]
#[path = "../common/mod.rs"]
mod common;

use common::*;
use latchkey::services::sync::engine::{sync_all, Trigger};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashMap;

const APPROVER_A: &str = LEAD_A;
const APPROVER_B: &str = LEAD_B;
const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Engineer,
    /// Another engineer, who made none of the requests.
    Peer,
    /// Engineers who also approve account A (resp. B).
    ApproverA,
    ApproverB,
    Admin,
}
use Who::*;

/// The objects a cell aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `eng-app` in A: eligible for every engineer.
    OwnRole,
    /// `prod-admin` in A: eligible for nobody.
    OtherRoleA,
    /// `b-admin` in B: eligible for nobody.
    OtherRoleB,
    /// The spoke role in A, tagged `latchkey-authorized=engineers`.
    Spoke,
    /// `break-glass` in A, listed in `aws.protected_roles`, tagged likewise.
    ListedRole,
    /// A bucket in B.
    BucketB,
    /// An IAM user in A.
    UserA,
    /// A customer managed policy in A.
    PolicyA,
    /// `eng-app` in an account an admin disabled.
    DisabledRole,
    /// A role in an account Latchkey does not know.
    UnknownRole,
}
use Target::*;

/// What a cell does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// `submit_request` with the target as principal and the attack change
    /// for its kind on it.
    Ask,
    /// `submit_request` with `eng-app` in A as principal and the attack
    /// change on the target: the change aims elsewhere than the principal.
    AskVia,
    /// `submit_request` with `direct: true` (a harmless tag) on the server
    /// where self-approval is off, then where it is on.
    Direct,
    DirectSelfApproval,
    /// `clone_role` of the target into account A, as a direct edit.
    Clone,
    /// Credentials, and the console, as the target role.
    Creds,
    Console,
    /// Whether the target shows in the caller's roles list / the wizard's
    /// principals (200 and `Listed(bool)`).
    InRoles,
    InWizard,
    /// `refresh_resource`: makes the hub assume into the target's account.
    Refresh,
}
use Act::*;

/// The requests the review cells act on, made by ENGINEER in the fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Req {
    /// `eng-app` in A gets a tag, and the bucket in B a policy: accounts A and B.
    Both,
    /// Only the bucket in B changes (the principal is in A).
    OnlyB,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Review {
    View,
    Comment,
    Reject,
    /// Apply the change in A (resp. B).
    ApplyA,
    ApplyB,
}

#[derive(Debug, Clone, Copy)]
enum Cell {
    Target(Act, Target),
    Review(Review, Req),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Status(u16),
    Listed(bool),
}
use Expect::*;

struct Row {
    who: &'static [Who],
    cell: Cell,
    expect: Expect,
}

mod addresses;
mod fixture;
mod protected;
mod role_tags;
mod suite;
mod table;

use fixture::{fixture, Fixture};
use table::table;
