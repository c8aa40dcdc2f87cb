//! Telling people about requests: one [`Notifier`] trait, with a log line
//! (always), e-mail (SMTP, lettre) and Slack (incoming webhook) built in and
//! a private build's own added through `plugins::Plugins::with_notifier`. Notifications are
//! sent after the change they report has committed, in the background: a slow
//! or failing mail server never holds up or undoes a request.
mod email;
mod event;
mod slack;
pub use email::EmailNotifier;
pub use event::{Notification, Notifier, NotifyEvent};
pub use slack::{slack_escape, SlackNotifier};

use crate::config::NotificationsConfig;
use async_trait::async_trait;
use std::sync::Arc;

/// Built in: the log line every request event gets, whatever else is added.
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn notify(&self, n: &Notification) -> Result<(), String> {
        tracing::info!(
            event = %n.event,
            request = %n.request_id,
            actor = %n.actor,
            requester = %n.requester,
            "request event"
        );
        Ok(())
    }
}

/// Every configured notifier (the log line first).
#[derive(Clone, Default)]
pub struct Notifiers {
    list: Vec<Arc<dyn Notifier>>,
    base_url: String,
}

impl Notifiers {
    pub fn from_config(c: &NotificationsConfig) -> Result<Self, String> {
        let mut list: Vec<Arc<dyn Notifier>> = vec![Arc::new(LogNotifier)];
        if let Some(e) = &c.email {
            list.push(Arc::new(EmailNotifier::new(e)?));
        }
        if let Some(s) = &c.slack {
            list.push(Arc::new(SlackNotifier::new(s)));
        }
        Ok(Self {
            list,
            base_url: c
                .base_url
                .clone()
                .unwrap_or_else(|| "http://127.0.0.1:3000".into())
                .trim_end_matches('/')
                .to_owned(),
        })
    }

    /// Adds a notifier (private builds, tests).
    pub fn with(mut self, n: Arc<dyn Notifier>) -> Self {
        self.list.push(n);
        self
    }

    pub fn link(&self, request_id: &str) -> String {
        format!("{}/requests/{request_id}", self.base_url)
    }

    /// This server's page at `path` (`/roles/...`), as a link to send.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Tells every notifier about an event of a request (after its commit).
    pub fn request_event(
        &self,
        event: NotifyEvent,
        request_id: uuid::Uuid,
        principal_arn: &str,
        requester: &str,
        actor: &str,
        detail: &str,
    ) {
        let id = request_id.to_string();
        self.send(Notification {
            event,
            link: self.link(&id),
            request_id: id,
            principal_arn: principal_arn.to_owned(),
            requester: requester.to_owned(),
            actor: actor.to_owned(),
            detail: detail.to_owned(),
            to: Vec::new(),
        });
    }

    /// Sends `n` through every notifier in the background; failures are logged.
    pub fn send(&self, n: Notification) {
        for notifier in &self.list {
            let (notifier, n) = (Arc::clone(notifier), n.clone());
            tokio::spawn(async move {
                if let Err(e) = notifier.notify(&n).await {
                    tracing::warn!(notifier = notifier.name(), request_id = %n.request_id, error = %e, "notification failed");
                }
            });
        }
    }
}
