//! E-mail notifications over SMTP (lettre).
use super::event::{Notification, Notifier, NotifyEvent};
use crate::config::{EmailConfig, SmtpTls};
use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// E-mail over SMTP: approvers hear of new requests and comments, the
/// requester of comments, applies and rejections (when their id is an address).
pub struct EmailNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    approvers: Vec<Mailbox>,
}

impl EmailNotifier {
    pub fn new(c: &EmailConfig) -> Result<Self, String> {
        let builder = match c.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.smtp_host),
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.smtp_host)
                .map_err(|e| e.to_string())?,
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.smtp_host)
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
            NotifyEvent::Denied => n.to.iter().filter_map(|a| a.parse().ok()).collect(),
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
