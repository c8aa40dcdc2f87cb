//! Telling people about requests: a [`Notifier`] trait with e-mail (SMTP,
//! lettre) and Slack (incoming webhook) implementations. Notifications are
//! sent after the change they report has committed, in the background: a slow
//! or failing mail server never holds up or undoes a request.
use crate::config::{EmailConfig, NotificationsConfig, SlackConfig};
use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;

/// What happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyEvent {
    Created,
    Commented,
    Applied,
    Rejected,
}

impl NotifyEvent {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Created => "new request",
            Self::Commented => "new comment",
            Self::Applied => "applied",
            Self::Rejected => "rejected",
        }
    }
}

/// One message about one request.
#[derive(Debug, Clone)]
pub struct Notification {
    pub event: NotifyEvent,
    pub request_id: String,
    pub principal_arn: String,
    pub requester: String,
    pub actor: String,
    pub detail: String,
    /// Link to the request's page.
    pub link: String,
}

impl Notification {
    pub fn subject(&self) -> String {
        let name = self.principal_arn.rsplit('/').next().unwrap_or_default();
        format!("[Latchkey] {}: {name} ({})", self.verb_title(), self.actor)
    }

    fn verb_title(&self) -> String {
        let v = self.event.verb();
        let mut c = v.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }

    pub fn body(&self) -> String {
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
/// build to reach another channel (see docs/plugins.md).
#[async_trait]
pub trait Notifier: Send + Sync {
    fn name(&self) -> &'static str;
    async fn notify(&self, n: &Notification) -> Result<(), String>;
}

/// E-mail over SMTP: approvers hear of new requests and comments, the
/// requester of comments, applies and rejections (when their id is an address).
pub struct EmailNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    approvers: Vec<Mailbox>,
}

impl EmailNotifier {
    pub fn new(c: &EmailConfig) -> Result<Self, String> {
        let builder = match c.tls.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.smtp_host),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.smtp_host)
                .map_err(|e| e.to_string())?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.smtp_host)
                .map_err(|e| e.to_string())?,
        };
        let mut builder = builder
            .port(c.smtp_port)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if let (Some(u), Some(p)) = (&c.username, &c.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.expose().to_owned()));
        }
        let parse = |s: &str| s.parse::<Mailbox>().map_err(|e| format!("{s}: {e}"));
        Ok(Self {
            transport: builder.build(),
            from: parse(&c.from)?,
            approvers: c
                .approvers
                .iter()
                .map(|a| parse(a))
                .collect::<Result<_, _>>()?,
        })
    }

    fn recipients(&self, n: &Notification) -> Vec<Mailbox> {
        let requester = n
            .requester
            .parse::<Mailbox>()
            .ok()
            .filter(|_| n.requester != n.actor);
        let mut to: Vec<Mailbox> = match n.event {
            NotifyEvent::Created => self.approvers.clone(),
            NotifyEvent::Commented => self.approvers.iter().cloned().chain(requester).collect(),
            NotifyEvent::Applied | NotifyEvent::Rejected => requester.into_iter().collect(),
        };
        to.retain(|m| m.email.to_string() != n.actor);
        to.dedup_by(|a, b| a.email == b.email);
        to
    }
}

#[async_trait]
impl Notifier for EmailNotifier {
    fn name(&self) -> &'static str {
        "email"
    }

    async fn notify(&self, n: &Notification) -> Result<(), String> {
        let to = self.recipients(n);
        if to.is_empty() {
            return Ok(());
        }
        let mut m = Message::builder()
            .from(self.from.clone())
            .subject(n.subject());
        for r in to {
            m = m.to(r);
        }
        let msg = m.body(n.body()).map_err(|e| e.to_string())?;
        self.transport
            .send(msg)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// The most of a request's text a Slack message carries; the link has the rest.
const SLACK_DETAIL_CHARS: usize = 1500;

/// User text for Slack's mrkdwn: `&`, `<` and `>` escaped as Slack asks, so
/// a justification cannot ping `<!channel>` or dress a link as another,
/// and cut to `max` characters.
pub fn slack_escape(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 8);
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A Slack incoming webhook: one message per event.
pub struct SlackNotifier {
    url: String,
    http: reqwest::Client,
}

impl SlackNotifier {
    pub fn new(c: &SlackConfig) -> Self {
        Self {
            url: c.webhook_url.clone(),
            http: reqwest::Client::new(),
        }
    }
}

#[async_trait]
impl Notifier for SlackNotifier {
    fn name(&self) -> &'static str {
        "slack"
    }

    async fn notify(&self, n: &Notification) -> Result<(), String> {
        let text = format!(
            "*{}* by {} on `{}`\n{}\n<{}|Open the request>",
            n.verb_title(),
            slack_escape(&n.actor, 200),
            slack_escape(&n.principal_arn, 300),
            slack_escape(&n.detail, SLACK_DETAIL_CHARS),
            n.link
        );
        let r = self
            .http
            .post(&self.url)
            .json(&serde_json::json!({ "text": text }))
            .timeout(std::time::Duration::from_secs(20))
            .send()
            .await
            // The error may quote the URL, which is a secret: keep only its kind.
            .map_err(|e| {
                format!(
                    "webhook unreachable ({})",
                    if e.is_timeout() { "timeout" } else { "connect" }
                )
            })?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("webhook answered {}", r.status()))
        }
    }
}

/// Every configured notifier.
#[derive(Clone, Default)]
pub struct Notifiers {
    list: Vec<Arc<dyn Notifier>>,
    base_url: String,
}

impl Notifiers {
    pub fn from_config(c: &NotificationsConfig) -> Result<Self, String> {
        let mut list: Vec<Arc<dyn Notifier>> = Vec::new();
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

/// A private build's notifier (see `crate::plugins::Notifier`), fed the same events.
pub struct PluginNotifier(pub Arc<dyn crate::plugins::Notifier>);

#[async_trait]
impl Notifier for PluginNotifier {
    fn name(&self) -> &'static str {
        "plugin"
    }

    async fn notify(&self, n: &Notification) -> Result<(), String> {
        let event = match n.event {
            NotifyEvent::Created => "created",
            NotifyEvent::Commented => "commented",
            NotifyEvent::Applied => "applied",
            NotifyEvent::Rejected => "rejected",
        };
        self.0
            .notify(&crate::plugins::Notification {
                event: event.to_owned(),
                request_id: n.request_id.clone(),
                actor: n.actor.clone(),
                requester: n.requester.clone(),
                summary: n.detail.clone(),
            })
            .await;
        Ok(())
    }
}

#[cfg(test)]
mod slack_tests {
    use super::slack_escape;

    #[test]
    fn user_text_cannot_ping_or_spoof_links_and_is_cut() {
        assert_eq!(
            slack_escape("hi <!channel> <https://evil|bank> & co", 100),
            "hi &lt;!channel&gt; &lt;https://evil|bank&gt; &amp; co"
        );
        assert_eq!(slack_escape("abcdef", 3), "abc…");
    }
}
