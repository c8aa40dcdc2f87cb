//! What a notifier is told, and the one trait every notifier implements.
//! A leaf: the built-in notifiers and a private build's use it alike.
use async_trait::async_trait;

/// What happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyEvent {
    Created,
    Commented,
    Applied,
    Rejected,
    /// New denied calls of a principal (CloudTrail), for the people in `to`.
    Denied,
}

impl NotifyEvent {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Created => "new request",
            Self::Commented => "new comment",
            Self::Applied => "applied",
            Self::Rejected => "rejected",
            Self::Denied => "denied calls",
        }
    }
}

impl std::fmt::Display for NotifyEvent {
    /// `created`, `commented`, `applied` or `rejected`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Created => "created",
            Self::Commented => "commented",
            Self::Applied => "applied",
            Self::Rejected => "rejected",
            Self::Denied => "denied",
        })
    }
}

/// One message about one request, or (`Denied`) about a principal's new
/// denied calls.
#[derive(Debug, Clone)]
pub struct Notification {
    pub event: NotifyEvent,
    pub request_id: String,
    pub principal_arn: String,
    pub requester: String,
    pub actor: String,
    pub detail: String,
    /// Link to the request's page (`Denied`: the principal's).
    pub link: String,
    /// Who it is for, when not the request's approvers and requester (the
    /// addresses a `Denied` digest goes to); empty for request events.
    pub to: Vec<String>,
}

impl Notification {
    pub fn subject(&self) -> String {
        let name = self.principal_arn.rsplit('/').next().unwrap_or_default();
        if self.event == NotifyEvent::Denied {
            return format!("[Latchkey] Denied calls of {name}");
        }
        format!("[Latchkey] {}: {name} ({})", self.verb_title(), self.actor)
    }

    pub fn verb_title(&self) -> String {
        let v = self.event.verb();
        let mut c = v.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }

    pub fn body(&self) -> String {
        if self.event == NotifyEvent::Denied {
            return format!(
                "AWS refused these calls of {} lately (CloudTrail):\n\n{}\n\nIts page: {}\n",
                self.principal_arn, self.detail, self.link
            );
        }
        format!(
            "{} by {} on {}\n\n{}\n\nRequested by {}\n{}\n",
            self.verb_title(),
            self.actor,
            self.principal_arn,
            self.detail,
            self.requester,
            self.link
        )
    }
}

/// Something that tells people about requests. Implement it in a private
/// build to reach another channel (see docs/plugins.md); an error is logged
/// with the notifier's name, and never undoes or delays the request.
#[async_trait]
pub trait Notifier: Send + Sync {
    fn name(&self) -> &'static str;
    async fn notify(&self, n: &Notification) -> Result<(), String>;
}
