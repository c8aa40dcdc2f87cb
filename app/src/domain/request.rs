//! Permission requests: the status of a request and of each of its changes,
//! and the transitions allowed between them.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeStatus {
    Pending,
    Applied,
    Failed,
    Cancelled,
}

/// What a person does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestAction {
    Approve,
    Reject,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} request cannot be {verb}")]
pub struct TransitionError {
    pub from: RequestStatus,
    pub verb: &'static str,
}

impl RequestStatus {
    /// The status after `action`, or why it is not allowed.
    pub fn apply(self, action: RequestAction) -> Result<RequestStatus, TransitionError> {
        use RequestAction::*;
        use RequestStatus::*;
        match (self, action) {
            (Pending, Approve) => Ok(Approved),
            (Pending, Reject) => Ok(Rejected),
            (Pending, Cancel) => Ok(Cancelled),
            (from, a) => Err(TransitionError {
                from,
                verb: a.past_tense(),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
}

impl RequestAction {
    fn past_tense(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Cancel => "cancelled",
        }
    }
}

impl ChangeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "applied" => Self::Applied,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
    /// A change may be (re)applied only while pending, or after a failure.
    pub fn can_apply(self) -> bool {
        matches!(self, Self::Pending | Self::Failed)
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Display for ChangeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one word a list shows for a request: its status, or `applied`/`failed`
/// once it is approved and its changes have run.
pub fn display_status(req: RequestStatus, changes: &[ChangeStatus]) -> &'static str {
    if req != RequestStatus::Approved || changes.is_empty() {
        return req.as_str();
    }
    if changes.contains(&ChangeStatus::Failed) {
        "failed"
    } else if changes.iter().all(|c| *c == ChangeStatus::Applied) {
        "applied"
    } else {
        "approved"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestAction::*;
    use RequestStatus::*;

    #[test]
    fn pending_requests_can_be_approved_rejected_or_cancelled() {
        assert_eq!(Pending.apply(Approve), Ok(Approved));
        assert_eq!(Pending.apply(Reject), Ok(Rejected));
        assert_eq!(Pending.apply(Cancel), Ok(Cancelled));
    }

    #[test]
    fn decided_requests_cannot_change_again() {
        for from in [Approved, Rejected, Cancelled] {
            for a in [Approve, Reject, Cancel] {
                let e = from.apply(a).unwrap_err();
                assert_eq!(e.from, from);
                assert!(e
                    .to_string()
                    .starts_with(&format!("a {from} request cannot be")));
            }
        }
    }

    #[test]
    fn status_strings_round_trip() {
        for s in [Pending, Approved, Rejected, Cancelled] {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        for c in [
            ChangeStatus::Pending,
            ChangeStatus::Applied,
            ChangeStatus::Failed,
            ChangeStatus::Cancelled,
        ] {
            assert_eq!(ChangeStatus::parse(c.as_str()), Some(c));
        }
        assert_eq!(RequestStatus::parse("done"), None);
    }

    #[test]
    fn only_pending_or_failed_changes_can_be_applied() {
        assert!(ChangeStatus::Pending.can_apply());
        assert!(ChangeStatus::Failed.can_apply());
        assert!(!ChangeStatus::Applied.can_apply());
        assert!(!ChangeStatus::Cancelled.can_apply());
    }

    #[test]
    fn approved_request_shows_the_outcome_of_its_changes() {
        assert_eq!(
            display_status(Approved, &[ChangeStatus::Applied]),
            "applied"
        );
        assert_eq!(
            display_status(Approved, &[ChangeStatus::Applied, ChangeStatus::Failed]),
            "failed"
        );
        assert_eq!(
            display_status(Approved, &[ChangeStatus::Pending]),
            "approved"
        );
        assert_eq!(display_status(Pending, &[ChangeStatus::Pending]), "pending");
        assert_eq!(
            display_status(Rejected, &[ChangeStatus::Cancelled]),
            "rejected"
        );
    }
}
