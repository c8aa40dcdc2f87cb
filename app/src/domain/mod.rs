//! Pure, wasm-safe types and rules. No I/O.
pub mod access_rules;
pub mod application;
pub mod change;
pub mod change_risk;
pub mod cloudtrail;
pub mod ids;
pub mod inventory;
pub mod partition;
pub mod policy;
pub mod protection;
pub mod request;
pub mod return_to;
pub mod shell;
pub mod token;
pub mod user;
pub mod wildcard;

#[cfg(test)]
mod arn_properties;

pub use ids::{AccountId, IdError, RequestId, RoleArn, RoleName};
pub use partition::Partition;
pub use policy::{PolicyDocument, PolicyFinding};
pub use request::{ChangeStatus, RequestAction, RequestStatus};
pub use user::{Admin, Approver, User};
